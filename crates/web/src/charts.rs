//! Charts drawn on the server as SVG with `plotters` (no JavaScript, no fonts needed: the bars
//! are drawn by plotters and the labels are HTML beside them, which also makes the chart
//! readable by screen readers and printable).

use plotters::prelude::*;
use redress_app::public::MonthFlow;

use crate::i18n::{self, Locale};

const WIDTH: u32 = 720;
const HEIGHT: u32 = 220;

fn units(decimal: &str) -> f64 {
    decimal.parse::<f64>().unwrap_or(0.0)
}

/// Inflows and outflows by month as paired bars, followed by a table of the same figures.
pub fn flows_svg(locale: Locale, flows: &[MonthFlow]) -> String {
    let max = flows.iter().map(|f| units(&f.inflows).max(units(&f.outflows))).fold(0.0_f64, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let _ = root.fill(&WHITE);
        if !flows.is_empty() && max > 0.0 {
            let slot = f64::from(WIDTH) / flows.len() as f64;
            let bar = (slot * 0.35).max(2.0);
            let scale = (f64::from(HEIGHT) - 10.0) / max;
            for (index, flow) in flows.iter().enumerate() {
                let x = index as f64 * slot + slot * 0.1;
                for (offset, value, color) in [
                    (0.0, units(&flow.inflows), RGBColor(34, 84, 61)),
                    (bar, units(&flow.outflows), RGBColor(155, 44, 44)),
                ] {
                    let height = (value * scale).round() as i32;
                    let left = (x + offset) as i32;
                    let _ = root.draw(&Rectangle::new(
                        [(left, HEIGHT as i32 - height), (left + bar as i32, HEIGHT as i32)],
                        color.filled(),
                    ));
                }
            }
        }
        let _ = root.present();
    }
    let label = i18n::translate(locale, "dash-chart-flows", &[]);
    let svg = svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{label}\" "), 1);
    let mut table = format!(
        "<table class=\"chart-data\"><thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
        i18n::translate(locale, "month", &[]),
        i18n::translate(locale, "chart-inflows", &[]),
        i18n::translate(locale, "chart-outflows", &[]),
    );
    for flow in flows {
        table.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            i18n::format::month(locale, &flow.month),
            i18n::money(locale, &flow.inflows, &flow.currency),
            i18n::money(locale, &flow.outflows, &flow.currency)
        ));
    }
    table.push_str("</tbody></table>");
    format!("{svg}{table}")
}

/// One bar per labelled figure (decimal strings), followed by a table of the same figures;
/// `currency` empty means plain counts.
pub fn bars_svg(locale: Locale, caption_key: &str, rows: &[(String, String)], currency: &str) -> String {
    let max = rows.iter().map(|(_, v)| units(v)).fold(0.0_f64, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let _ = root.fill(&WHITE);
        if !rows.is_empty() && max > 0.0 {
            let slot = f64::from(WIDTH) / rows.len() as f64;
            let scale = (f64::from(HEIGHT) - 10.0) / max;
            for (index, (_, value)) in rows.iter().enumerate() {
                let left = (index as f64 * slot + slot * 0.15) as i32;
                let height = (units(value) * scale).round() as i32;
                let _ = root.draw(&Rectangle::new(
                    [(left, HEIGHT as i32 - height), (left + (slot * 0.7) as i32, HEIGHT as i32)],
                    RGBColor(29, 78, 137).filled(),
                ));
            }
        }
        let _ = root.present();
    }
    let label = i18n::translate(locale, caption_key, &[]);
    let svg = svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{label}\" "), 1);
    let mut table = String::from("<table class=\"chart-data\"><tbody>");
    for (name, value) in rows {
        table.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            name.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"),
            if currency.is_empty() {
                i18n::number(locale, value)
            } else {
                i18n::money(locale, value, currency)
            }
        ));
    }
    table.push_str("</tbody></table>");
    format!("{svg}{table}")
}

/// A line through labelled figures (a balance over time), followed by a table of them.
pub fn line_svg(locale: Locale, caption_key: &str, points: &[(String, String)], currency: &str) -> String {
    let values: Vec<f64> = points.iter().map(|(_, v)| units(v)).collect();
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let _ = root.fill(&WHITE);
        if values.len() > 1 && max > 0.0 {
            let step = f64::from(WIDTH - 20) / (values.len() - 1) as f64;
            let scale = (f64::from(HEIGHT) - 20.0) / max;
            let coordinates: Vec<(i32, i32)> = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    ((10.0 + i as f64 * step) as i32, (f64::from(HEIGHT) - 10.0 - v * scale) as i32)
                })
                .collect();
            let _ = root.draw(&PathElement::new(coordinates.clone(), RGBColor(29, 78, 137).stroke_width(3)));
            for point in coordinates {
                let _ = root.draw(&Circle::new(point, 4, RGBColor(29, 78, 137).filled()));
            }
        }
        let _ = root.present();
    }
    let label = i18n::translate(locale, caption_key, &[]);
    let svg = svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{label}\" "), 1);
    let mut table = String::from("<table class=\"chart-data\"><tbody>");
    for (name, value) in points {
        table.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            i18n::format::month(locale, name).replace('&', "&amp;").replace('<', "&lt;"),
            i18n::money(locale, value, currency)
        ));
    }
    table.push_str("</tbody></table>");
    format!("{svg}{table}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_is_an_svg_with_a_bar_per_figure_and_a_table() {
        let flows = vec![
            MonthFlow {
                month: "2026-10".into(),
                currency: "PEN".into(),
                inflows: "1000.00".into(),
                outflows: "250.00".into(),
            },
            MonthFlow {
                month: "2026-11".into(),
                currency: "PEN".into(),
                inflows: "0.00".into(),
                outflows: "500.00".into(),
            },
        ];
        let html = flows_svg(Locale::Es, &flows);
        assert!(html.starts_with("<svg role=\"img\""), "{html}");
        assert!(html.matches("<rect").count() >= 4, "a background and a bar per figure: {html}");
        assert!(html.contains("S/ 1,000.00") && html.contains("oct. 2026"), "{html}");
    }

    #[test]
    fn a_balance_line_and_count_bars() {
        let points = vec![
            ("2026-10".to_string(), "100.00".to_string()),
            ("2026-11".to_string(), "250.00".to_string()),
        ];
        let line = line_svg(Locale::En, "chart-balance", &points, "PEN");
        assert!(line.contains("<polyline") || line.contains("<path"), "{line}");
        assert!(line.contains("PEN 250.00") && line.contains("Nov 2026"), "{line}");
        let bars = bars_svg(Locale::Es, "chart-ageing", &[("a".into(), "1200".into())], "");
        assert!(bars.contains("1,200") && !bars.contains("S/"));
    }
}
