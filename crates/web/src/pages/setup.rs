//! The first day on the home page: the administrator's checklist (institutions and what their
//! kinds mean, users and roles, policy, opening budget, the fund's bank account), and for the
//! fund's officers and treasurers what is missing before a first payment.

use std::collections::BTreeMap;

use minijinja::{context, Value};
use redress_app::{Actor, App, AppError};
use redress_domain::fund::Missing;
use redress_domain::{InstitutionKind, Role};

/// Roles a fund needs people in before its first payment: someone registering victims and
/// filing claims, someone deciding them, and a treasurer other than the officer.
const FIRST_DAY_ROLES: [Role; 3] = [Role::VictimServices, Role::FundOfficer, Role::Treasurer];

/// The institution kinds, in the order the checklist explains them.
const KINDS: [InstitutionKind; 9] = [
    InstitutionKind::FundUnit,
    InstitutionKind::Ministry,
    InstitutionKind::Prosecutor,
    InstitutionKind::Court,
    InstitutionKind::Police,
    InstitutionKind::AssetAgency,
    InstitutionKind::PublicDefender,
    InstitutionKind::Ngo,
    InstitutionKind::Other,
];

fn item(key: &str, done: bool, link: &str, detail: Value) -> Value {
    context! { key => key, done => done, link => link, detail => detail }
}

/// The administrator's first-day checklist, each item done or not with where to do it.
pub(super) async fn checklist(app: &App, actor: &Actor) -> Result<Value, AppError> {
    let institutions = app.list_institutions(actor, None, Some(500)).await?;
    let users = app.list_users(actor, None, Some(500)).await?;
    let fund = app.fund(actor).await?;
    let kinds: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
    let present: Vec<&str> = institutions.iter().map(|i| i.kind.as_str()).collect();
    let roles_without_user: Vec<&str> = FIRST_DAY_ROLES
        .iter()
        .filter(|role| !users.iter().any(|u| u.active && u.roles.contains(role)))
        .map(|r| r.as_str())
        .collect();
    let missing = |m: Missing| fund.missing.iter().any(|x| x == m.as_str());
    let items = vec![
        item(
            "institutions",
            institutions.len() > 1,
            "/admin/users#institutions",
            context! { count => institutions.len(), kinds => kinds, present => present },
        ),
        item(
            "users",
            roles_without_user.is_empty(),
            "/admin/users",
            context! { count => users.len(), roles_without_user => roles_without_user },
        ),
        item("policy", !missing(Missing::Policy), "/policy", Value::UNDEFINED),
        item("budget", !missing(Missing::Budget), "/ledger", Value::UNDEFINED),
        item("bank_account", !missing(Missing::BankAccount), "/admin/fund", Value::UNDEFINED),
    ];
    let done = items.iter().filter(|i| i.get_attr("done").is_ok_and(|d| d.is_true())).count();
    Ok(context! { items => items, done => done, total => 5 })
}

/// What the fund lacks before a first payment, for the fund's officers and treasurers.
pub(super) async fn readiness(app: &App, actor: &Actor) -> Result<Option<Vec<String>>, AppError> {
    if !(actor.has_role(Role::FundOfficer) || actor.has_role(Role::Treasurer)) {
        return Ok(None);
    }
    Ok(Some(app.fund(actor).await?.missing))
}

/// The first-day values of the home page: `checklist` for administrators, `readiness` for the
/// fund's officers and treasurers.
pub(super) async fn home_values(
    app: &App,
    actor: &Actor,
    values: &mut BTreeMap<&str, Value>,
) -> Result<(), AppError> {
    if actor.has_role(Role::Admin) {
        values.insert("checklist", checklist(app, actor).await?);
    }
    if let Some(missing) = readiness(app, actor).await? {
        values.insert("readiness", Value::from(missing));
    }
    Ok(())
}
