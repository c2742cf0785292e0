//! Judgments and reparation orders as the API and the pages show them.

use redress_app::orders::{JudgmentView, OrderView};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ConditionJson {
    /// judgment_in_force, order_final, something_owed or debtor_cannot_pay.
    pub condition: String,
    pub met: bool,
    pub detail: String,
    /// Which wording of the reason applies, when there are several (appeal, insolvency…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The reason's values by name (date, amount, currency, days).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub args: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentJson {
    /// debtor, fund or advance.
    pub source: String,
    pub amount: String,
    pub paid_on: String,
    pub reference: Option<String>,
    pub recorded_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingJson {
    pub found_on: String,
    pub basis: String,
    pub recorded_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderJson {
    pub id: i64,
    pub judgment_id: i64,
    pub victim: String,
    pub currency: String,
    pub payment_deadline: Option<String>,
    pub final_on: Option<String>,
    /// Head of damage → amount.
    pub items: Vec<(String, String)>,
    pub debtors: Vec<i64>,
    pub ordered: String,
    pub paid_by_debtors: String,
    pub paid_by_fund: String,
    pub advanced_by_fund: String,
    pub owed: String,
    /// Whether the fund may pay it, and why (or why not).
    pub eligible: bool,
    pub conditions: Vec<ConditionJson>,
    pub payments: Vec<PaymentJson>,
    pub insolvency_findings: Vec<FindingJson>,
}

impl From<OrderView> for OrderJson {
    fn from(v: OrderView) -> Self {
        let c = v.order.currency;
        OrderJson {
            id: v.order.id,
            judgment_id: v.order.judgment_id,
            victim: v.order.victim_code,
            currency: c.code().to_string(),
            payment_deadline: v.order.payment_deadline,
            final_on: v.final_on,
            items: v.order.items.iter().map(|(head, amount)| (head.clone(), amount.format(c))).collect(),
            debtors: v.order.debtors,
            ordered: v.figures.ordered.format(c),
            paid_by_debtors: v.figures.paid_by_debtors.format(c),
            paid_by_fund: v.figures.paid_by_fund.format(c),
            advanced_by_fund: v.figures.advanced_by_fund.format(c),
            owed: v.owed.format(c),
            eligible: v.eligibility.eligible,
            conditions: v
                .eligibility
                .conditions
                .into_iter()
                .map(|x| ConditionJson {
                    condition: x.condition.to_string(),
                    met: x.met,
                    detail: x.detail,
                    variant: x.variant.map(str::to_string),
                    args: x.args.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                })
                .collect(),
            payments: v
                .payments
                .into_iter()
                .map(|p| PaymentJson {
                    source: p.source.as_str().to_string(),
                    amount: p.amount.format(c),
                    paid_on: p.paid_on,
                    reference: p.reference,
                    recorded_by: p.recorded_by,
                })
                .collect(),
            insolvency_findings: v
                .insolvency
                .into_iter()
                .map(|f| FindingJson { found_on: f.found_on, basis: f.basis, recorded_by: f.recorded_by })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JudgmentJson {
    pub id: i64,
    pub case_id: i64,
    pub judged_on: String,
    pub court: String,
    pub final_on: Option<String>,
    /// When an appeal (or annulment action) was filed, if one was.
    pub appeal_filed_on: Option<String>,
    /// How it ended: confirmed, annulled or acquitted (null while pending).
    pub appeal_outcome: Option<String>,
    pub appeal_decided_on: Option<String>,
    pub convicted: Vec<i64>,
    pub orders: Vec<OrderJson>,
}

impl From<JudgmentView> for JudgmentJson {
    fn from(v: JudgmentView) -> Self {
        JudgmentJson {
            id: v.judgment.id,
            case_id: v.judgment.case_id,
            judged_on: v.judgment.judged_on,
            court: v.judgment.court,
            final_on: v.judgment.final_on,
            appeal_filed_on: v.judgment.appeal_filed_on,
            appeal_outcome: v.judgment.outcome.map(|o| o.as_str().to_string()),
            appeal_decided_on: v.judgment.outcome_on,
            convicted: v.judgment.convicted,
            orders: v.orders.into_iter().map(OrderJson::from).collect(),
        }
    }
}
