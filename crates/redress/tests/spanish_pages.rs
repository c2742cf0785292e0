//! Every working page in Spanish (and the main ones in English), on the demo's country
//! (`redress serve --demo`, the real binary): each demo user's pages are walked from the home
//! page by their links, and no page may show a raw code (`pending_approval`, `fund_officer`,
//! `approved`) or an English reason (`still owed`, `must not be empty`) as visible text, not
//! even when a form sent empty or wrong is refused; money and dates are in Peru's forms.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_redress");
const USERS: &[&str] = &[
    "admin",
    "oficial",
    "tesorera",
    "auditora",
    "analista",
    "cem.lima",
    "cem.tumbes",
    "fiscal",
    "secretario",
    "bienes",
];
/// Pages walked per user, and pages per path shape (`/claims/{n}`): enough to see every
/// template with real data, bounded so the test stays quick.
const PAGES_PER_USER_MAX: usize = 135;
const PAGES_PER_SHAPE_MAX: usize = 6;
/// Pages no link leads to from a home page (found by number or code), tried by every user:
/// those the user may not see answer 403 or 404 and are skipped.
const STARTS: &[&str] = &[
    "/claims?state=paid",
    "/claims?state=in_batch",
    "/claims?state=approved",
    "/claims?state=rejected",
    "/claims?state=withdrawn",
    "/alerts",
    "/alerts/1",
    "/alerts/2",
    "/rounds/1",
    "/rounds/2",
    "/cases/1",
    "/cases/2",
    "/cases/3",
    "/judgments/1",
    "/judgments/2",
    "/judgments/3",
    "/victims/V-2026-000001",
    "/victims/V-2026-000002",
    "/victims/V-2026-000003",
    "/victims/V-2026-000001/edit",
    "/victims/find",
    "/admin/users",
    "/ledger/transfers",
    "/assets?state=released",
    "/assets?state=sold",
    "/assets?state=sold_early",
    "/judgments?final=no",
    "/judgments?final=yes",
    "/orders?state=unpaid",
    "/orders?state=partly",
    "/orders?state=insolvent",
    "/orders?state=paid",
    "/rounds?state=no_batch",
    "/rounds?state=exported",
    "/batches?state=closed",
    "/claims/new?victim=V-2026-000001",
    "/claims/new?victim=V-2026-000002",
];

/// English words that are codes of a state, kind or role and never Spanish words. (Codes with
/// an underscore are taken from the web crate's own list of every code.)
const ENGLISH_CODES: &[&str] = &[
    "approved",
    "pending",
    "rejected",
    "received",
    "allocated",
    "paid",
    "withdrawn",
    "stopped",
    "proposed",
    "exported",
    "closed",
    "accepted",
    "seized",
    "leased",
    "sold",
    "released",
    "returned",
    "confiscated",
    "reparation",
    "advance",
    "treasurer",
    "auditor",
    "analyst",
    "prosecutor",
    "female",
    "male",
    "labour",
    "begging",
    "police",
    "ministry",
    "ngo",
    "investigation",
    "charged",
    "trial",
    "judgment",
    "archived",
    "acquitted",
    "reported",
    "dni",
    "passport",
    "mother",
    "father",
    "guardian",
    "unpaid",
    "partly",
    "insolvent",
];

/// English phrases of the use cases' reasons.
const ENGLISH_PHRASES: &[&str] = &[
    "still owed",
    "must not",
    "must be",
    "final since",
    "insolvency was found",
    "back in the queue",
    "minor units",
    "the judgment stands",
    "consent stands",
    "no other open claim",
    "identity was verified",
    "is required",
    "expected one of",
    "unknown",
    "already",
    "cannot",
    " has no ",
    " is not ",
    "should",
];

fn folder() -> PathBuf {
    let folder = std::env::temp_dir().join(format!("redress-es-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// Starts `serve --demo`; (child, base URL, the demo users' password, the admin's).
async fn demo() -> (tokio::process::Child, String, String, String) {
    let cwd = folder();
    let mut command = Command::new(BINARY);
    command.current_dir(&cwd).kill_on_drop(true);
    for (key, _) in std::env::vars() {
        if key.starts_with("REDRESS_") {
            command.env_remove(key);
        }
    }
    command
        .args(["serve", "--demo", "--victims", "60", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("start redress serve --demo");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut password = None;
    let mut admin_password = None;
    let url = tokio::time::timeout(Duration::from_secs(300), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("(contraseña / password: ").nth(1) {
                password = Some(rest.trim_end_matches("):").to_string());
            }
            if let Some(rest) = line.split("contraseña / password:  ").nth(1) {
                admin_password = Some(rest.trim().to_string());
            }
            if let Some(rest) = line.split("listening on ").nth(1) {
                return rest.split_whitespace().next().unwrap().to_string();
            }
        }
        panic!("redress serve --demo exited before listening");
    })
    .await
    .expect("the demo started in time");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (
        child,
        url,
        password.expect("the demo users' password is printed"),
        admin_password.expect("the admin's password is printed"),
    )
}

/// A session for `username`: (cookie header, CSRF token).
async fn cookie(http: &reqwest::Client, url: &str, username: &str, password: &str) -> (String, String) {
    let response: Value = http
        .post(format!("{url}/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = response["token"].as_str().unwrap_or_else(|| panic!("login as {username}: {response}"));
    (format!("redress_session={token}"), response["csrf_token"].as_str().unwrap().to_string())
}

/// The text a reader sees: tags, scripts, styles and drawings removed, entities decoded.
fn visible_text(html: &str) -> String {
    let mut text = html.to_string();
    for tag in ["script", "style", "svg"] {
        while let Some(start) = text.find(&format!("<{tag}")) {
            let close = format!("</{tag}>");
            let end = text[start..].find(&close).map_or(text.len(), |e| start + e + close.len());
            text.replace_range(start..end, " ");
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#x2f;", "/").replace("&amp;", "&").replace("&quot;", "\"").replace("&#x27;", "'")
}

/// Same-site links of a page that a GET may follow (not the ones that end the session).
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&").replace("&#x2f;", "/"))
        .filter(|href| href.starts_with('/') && !href.starts_with("//"))
        .filter(|href| {
            !href.starts_with("/static") && !href.starts_with("/logout") && !href.starts_with("/api")
        })
        .filter(|href| !href.starts_with("/language"))
        .collect()
}

/// `/claims/17?after=3` → `/claims/{n}`: pages of the same shape are walked a few times only.
fn shape(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    path.split('/')
        .map(|part| if part.chars().any(|c| c.is_ascii_digit()) { "{n}" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

/// The raw codes and English phrases in a page's visible text.
fn untranslated(text: &str, codes: &BTreeSet<String>) -> Vec<String> {
    let mut found: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| codes.contains(*word))
        .map(str::to_string)
        .collect();
    let lower = text.to_lowercase();
    found.extend(ENGLISH_PHRASES.iter().filter(|p| lower.contains(*p)).map(|p| p.to_string()));
    found.sort();
    found.dedup();
    found
}

fn known_codes() -> BTreeSet<String> {
    let mut codes: BTreeSet<String> = ENGLISH_CODES.iter().map(|c| c.to_string()).collect();
    for (_, values) in redress_web::i18n::codes::groups() {
        codes.extend(values.iter().filter(|v| v.contains('_')).map(|v| v.to_string()));
    }
    codes
}

/// What a walk of one user's pages in one language found: the pages read, and the problems
/// by page.
#[derive(Default)]
struct Walk {
    pages: usize,
    money_in_soles: bool,
    /// The forms the pages post to, by user, with the names of their fields.
    forms: BTreeMap<(String, String), Vec<String>>,
    problems: BTreeMap<String, Vec<String>>,
}

/// Walks `user`'s pages from the home page (and [`STARTS`]) by their links, in `language`,
/// checking each page's visible text with `check`.
async fn walk(
    http: &reqwest::Client,
    url: &str,
    user: &str,
    session: &str,
    language: &str,
    check: &dyn Fn(&str) -> Vec<String>,
    found: &mut Walk,
) {
    let mut queue: VecDeque<String> = VecDeque::from(["/".to_string()]);
    queue.extend(STARTS.iter().map(|s| s.to_string()));
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    while let Some(path) = queue.pop_front() {
        if seen.len() >= PAGES_PER_USER_MAX || !seen.insert(path.clone()) {
            continue;
        }
        let count = shapes.entry(shape(&path)).or_default();
        *count += 1;
        if *count > PAGES_PER_SHAPE_MAX {
            continue;
        }
        let response = http
            .get(format!("{url}{path}"))
            .header("cookie", session)
            .header("accept-language", language)
            .send()
            .await
            .unwrap();
        let is_html = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"));
        if !response.status().is_success() || !is_html {
            continue;
        }
        let html = response.text().await.unwrap();
        found.pages += 1;
        let text = visible_text(&html);
        // For a person reviewing the wording: every page's text in a folder.
        if let Ok(dump) = std::env::var("REDRESS_TEST_PAGES_DUMP") {
            let name = format!("{}-{user}{}.txt", &language[..2], path.replace(['/', '?', '&'], "_"));
            let _ = std::fs::create_dir_all(&dump);
            let _ = std::fs::write(
                PathBuf::from(dump).join(name),
                text.split_whitespace().collect::<Vec<_>>().join(" "),
            );
        }
        found.money_in_soles |= text.contains("S/ ") && !text.contains("PEN ");
        queue.extend(links(&html).into_iter().filter(|href| !seen.contains(href)));
        for form in html.split("method=\"post\" action=\"").skip(1) {
            let action = form.split('"').next().unwrap_or("").replace("&#x2f;", "/").replace("&amp;", "&");
            let body = form.split("</form>").next().unwrap_or("");
            let names: Vec<String> = body
                .split(" name=\"")
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .filter(|name| *name != "_csrf")
                .map(str::to_string)
                .collect();
            if !action.starts_with("/logout") && !action.starts_with("/language") {
                found.forms.insert((user.to_string(), action), names);
            }
        }
        let mut problems = check(&text);
        // The title is the page's name alone: no markup (a form, a CSRF token) inside it.
        let title = html.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or("");
        if title.trim().is_empty() || title.contains('<') || title.contains("_csrf") {
            problems.push(format!("<title> is not a plain title: {:.80}", title.trim()));
        }
        if !problems.is_empty() {
            found.problems.entry(format!("{user} {path}")).or_default().extend(problems);
        }
    }
}

/// Sends every form the Spanish walk found, first empty (only its CSRF token), then with `x`
/// in every field, as its user: each refusal must be in Spanish too. (Forms that need nothing
/// may act: the walk is over.)
async fn post_forms_wrongly(
    http: &reqwest::Client,
    url: &str,
    sessions: &BTreeMap<String, (String, String)>,
    check: &dyn Fn(&str) -> Vec<String>,
    found: &mut Walk,
) -> usize {
    let mut refused = 0;
    let mut shapes: BTreeSet<(String, String)> = BTreeSet::new();
    for ((user, action), names) in found.forms.clone() {
        if !shapes.insert((user.clone(), shape(&action))) {
            continue;
        }
        let (session, csrf) = &sessions[&user];
        let garbage: String = names.iter().map(|name| format!("&{}=x", name.replace(':', "%3A"))).collect();
        for body in [format!("_csrf={csrf}"), format!("_csrf={csrf}{garbage}")] {
            let response = http
                .post(format!("{url}{action}"))
                .header("cookie", session)
                .header("accept-language", "es-PE,es;q=0.9")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let mut problems = Vec::new();
            if status.is_server_error() {
                problems.push(format!("answered {status}"));
            }
            if !status.is_client_error() {
                if !problems.is_empty() {
                    found.problems.entry(format!("{user} POST {action}")).or_default().extend(problems);
                }
                continue;
            }
            refused += 1;
            let html_type = response
                .headers()
                .get("content-type")
                .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"));
            let html = response.text().await.unwrap();
            if !html_type {
                problems.push(format!("a {status} refusal that is not a page: {html:.80}"));
            }
            problems.extend(refusal_shape(status.as_u16(), &html));
            problems.extend(check(&visible_text(&html)));
            if !problems.is_empty() {
                found.problems.entry(format!("{user} POST {action}")).or_default().extend(problems);
            }
        }
    }
    refused
}

/// What a refusal page must show a person: a 422 marks the fields in error (`aria-invalid`,
/// each described by a message that is on the page) or says what is wrong in an alert.
fn refusal_shape(status: u16, html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let invalid = html.matches("aria-invalid=\"true\"").count();
    if status == 422 && invalid == 0 && !html.contains("role=\"alert\"") {
        problems.push("a 422 page with no field marked and no alert".to_string());
    }
    let marked = html.match_indices("aria-invalid=\"true\"").map(|(at, _)| at);
    for at in marked {
        // The whole tag around the mark: the description may come before or after it.
        let start = html[..at].rfind('<').unwrap_or(0);
        let end = html[at..].find('>').map_or(html.len(), |e| at + e);
        let tag = &html[start..end];
        let described = tag.split("aria-describedby=\"").nth(1).and_then(|r| r.split('"').next());
        let shown = |ids: &str| ids.split_whitespace().all(|id| html.contains(&format!("id=\"{id}\"")));
        match described {
            Some(ids) if shown(ids) => {}
            other => problems.push(format!("a field in error without its message: {other:?} in {tag:.60}")),
        }
    }
    problems
}

/// Money in Spain's form (`1.234,50`) after an `S/`.
fn money_as_in_spain(text: &str) -> bool {
    text.split("S/ ").skip(1).any(|rest| {
        let figure: String =
            rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',').collect();
        figure.len() > 3 && figure.as_bytes()[figure.len() - 3] == b','
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_every_demo_user_is_in_spanish_without_raw_codes() {
    let (mut child, url, password, admin_password) = demo().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let codes = known_codes();
    assert!(codes.contains("pending_approval") || codes.contains("payee_details"), "{codes:?}");
    // Spanish: no code, no English reason, money as Peru writes it.
    let spanish = |text: &str| {
        let mut problems = untranslated(text, &codes);
        if money_as_in_spain(text) {
            problems.push("money as 1.234,50".into());
        }
        problems
    };
    // English: no code with an underscore (English words are right there), money in PEN.
    let snake: BTreeSet<String> = codes.iter().filter(|c| c.contains('_')).cloned().collect();
    let english = |text: &str| {
        let mut problems: Vec<String> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|word| snake.contains(*word))
            .map(str::to_string)
            .collect();
        if text.contains("S/ ") {
            problems.push("S/ on an English page".into());
        }
        problems.dedup();
        problems
    };
    let (mut es, mut en) = (Walk::default(), Walk::default());
    let mut sessions = BTreeMap::new();
    for user in USERS {
        let secret = if *user == "admin" { &admin_password } else { &password };
        let (session, csrf) = cookie(&http, &url, user, secret).await;
        walk(&http, &url, user, &session, "es-PE,es;q=0.9", &spanish, &mut es).await;
        if ["admin", "oficial", "tesorera", "cem.lima"].contains(user) {
            walk(&http, &url, user, &session, "en-GB,en;q=0.9", &english, &mut en).await;
        }
        sessions.insert(user.to_string(), (session, csrf));
    }
    let refused = post_forms_wrongly(&http, &url, &sessions, &spanish, &mut es).await;
    assert!(refused > 10, "empty forms were refused: {refused} of {}", es.forms.len());
    // A page for something that does not exist says so in Spanish.
    let (session, _) = cookie(&http, &url, "oficial", &password).await;
    let missing = http.get(format!("{url}/claims/999999")).header("cookie", &session).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let text = visible_text(&missing.text().await.unwrap());
    assert!(text.contains("no hay un reclamo con el número 999999"), "{text}");
    let _ = child.kill().await;
    assert!(
        es.pages > 60 && en.pages > 20,
        "the walks reached the working pages: {} and {}",
        es.pages,
        en.pages
    );
    assert!(es.money_in_soles, "amounts are shown with S/");
    assert!(es.problems.is_empty(), "untranslated text on Spanish pages: {:#?}", es.problems);
    assert!(en.problems.is_empty(), "codes on English pages: {:#?}", en.problems);
}

#[test]
fn the_walk_finds_codes_and_english_in_visible_text_only() {
    let codes = known_codes();
    let html =
        "<p title=\"approved\">Estado: <b>aprobado</b></p><td>fund_officer</td><p>S/ 10.00 still owed</p>\
                <script>var approved = 1;</script>";
    let text = visible_text(html);
    assert_eq!(untranslated(&text, &codes), vec!["fund_officer".to_string(), "still owed".to_string()]);
    assert_eq!(shape("/claims/17?after=3"), "/claims/{n}");
    assert_eq!(
        links("<a href=\"/claims?state=paid&amp;tier=1\">x</a><a href=\"/logout\">"),
        vec!["/claims?state=paid&tier=1"]
    );
}
