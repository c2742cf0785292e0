//! Every route of the application, each added with its access rule.

mod alerts;
pub(crate) mod assets;
pub(crate) mod audit;
mod cases;
mod claims;
mod fund;
mod health;
mod institutions;
pub(crate) mod ledger;
pub(crate) mod orders;
mod public;
pub(crate) mod session;
mod user_admin;
mod users;
mod victims;

use redress_domain::policy::rules;
use redress_domain::Policy;
use utoipa_axum::routes;

use crate::access::{Access, Routes};

pub fn all(routes: Routes) -> Routes {
    const PUBLIC: Access = Access::Policy(Policy::Public);
    const AUTHENTICATED: Access = Access::Policy(Policy::Authenticated);
    routes
        .add(PUBLIC, routes!(health::healthz))
        .add(PUBLIC, routes!(health::openapi_json))
        .add(Access::MetricsScrape, routes!(health::metrics))
        .add(PUBLIC, routes!(session::login))
        .add(AUTHENTICATED, routes!(session::logout))
        .add(AUTHENTICATED, routes!(session::me))
        .add(AUTHENTICATED, routes!(session::change_password))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(users::list_users))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(users::create_user))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(user_admin::deactivate_user))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(user_admin::reactivate_user))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(user_admin::reset_password))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(user_admin::unlock_user))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(user_admin::set_roles))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(user_admin::set_institution))
        .add(Access::Policy(rules::READ_FUND), routes!(fund::get_fund))
        .add(Access::Policy(rules::MANAGE_FUND), routes!(fund::put_fund))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(institutions::list_institutions))
        .add(Access::Policy(rules::ADMINISTER_USERS), routes!(institutions::create_institution))
        .add(Access::Policy(rules::READ_AUDIT_TRAIL), routes!(audit::list_audit))
        .add(Access::Policy(rules::READ_AUDIT_TRAIL), routes!(audit::verify_audit))
        .add(Access::Policy(rules::READ_LEDGER), routes!(ledger::list_accounts))
        .add(Access::Policy(rules::WRITE_LEDGER), routes!(ledger::create_account))
        .add(Access::Policy(rules::WRITE_LEDGER), routes!(ledger::create_transfer))
        .add(Access::Policy(rules::WRITE_LEDGER), routes!(ledger::create_batch))
        .add(Access::Policy(rules::READ_LEDGER), routes!(ledger::get_transfer))
        .add(Access::Policy(rules::READ_LEDGER), routes!(ledger::trace_transfer))
        .add(Access::Policy(rules::READ_LEDGER), routes!(ledger::statement))
        .add(Access::Policy(rules::READ_LEDGER), routes!(ledger::balances))
        .add(Access::Policy(rules::READ_LEDGER), routes!(ledger::journal))
        .add(Access::Policy(rules::READ_LEDGER), routes!(ledger::export_csv))
        .add(Access::Policy(rules::VERIFY_LEDGER), routes!(ledger::verify))
        .add(Access::Policy(rules::VERIFY_LEDGER), routes!(ledger::verify_everything))
        .add(Access::Policy(rules::REGISTER_VICTIMS), routes!(victims::register_victim))
        .add(Access::Policy(rules::READ_VICTIMS), routes!(victims::get_victim))
        .add(Access::Policy(rules::REGISTER_VICTIMS), routes!(victims::correct_victim))
        .add(Access::Policy(rules::REGISTER_VICTIMS), routes!(victims::withdraw_consent))
        .add(Access::Policy(rules::REGISTER_VICTIMS), routes!(victims::refer_victim))
        .add(Access::Policy(rules::READ_VICTIMS), routes!(victims::find_victims))
        .add(Access::Policy(rules::MANAGE_CASES), routes!(cases::open_case))
        .add(Access::Policy(rules::READ_CASES), routes!(cases::get_case))
        .add(Access::Policy(rules::MANAGE_CASES), routes!(cases::change_stage))
        .add(Access::Policy(rules::LINK_CASE_VICTIMS), routes!(cases::add_victim))
        .add(Access::Policy(rules::ASSIGN_CASE_COURT), routes!(cases::set_court))
        .add(Access::Policy(rules::MANAGE_CASES), routes!(cases::add_defendant))
        .add(AUTHENTICATED, routes!(cases::offences))
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(orders::record_judgment))
        .add(Access::Policy(rules::READ_ORDERS), routes!(orders::get_judgment))
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(orders::set_final))
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(orders::record_appeal))
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(orders::decide_appeal))
        .add(Access::Policy(rules::READ_ORDERS), routes!(orders::get_order))
        .add(Access::Policy(rules::FILE_CLAIMS), routes!(claims::file_claim))
        .add(Access::Policy(rules::READ_CLAIMS), routes!(claims::list_claims))
        .add(Access::Policy(rules::READ_CLAIMS), routes!(claims::get_claim))
        .add(Access::Policy(rules::DECIDE_CLAIMS), routes!(claims::decide_claim))
        .add(Access::Policy(rules::FILE_CLAIMS), routes!(claims::withdraw_claim))
        .add(Access::Policy(rules::READ_CLAIMS), routes!(claims::claim_receipt))
        .add(Access::Policy(rules::FILE_CLAIMS), routes!(claims::verify_identity))
        .add(AUTHENTICATED, routes!(claims::get_policy))
        .add(AUTHENTICATED, routes!(claims::list_policies))
        .add(Access::Policy(rules::MANAGE_POLICY), routes!(claims::publish_policy))
        .add(Access::Policy(rules::DECIDE_CLAIMS), routes!(claims::run_round))
        .add(Access::Policy(rules::READ_PAYMENTS), routes!(claims::list_rounds))
        .add(Access::Policy(rules::READ_PAYMENTS), routes!(claims::get_round))
        .add(Access::Policy(rules::READ_PAYMENTS), routes!(claims::replay_round))
        .add(Access::Policy(rules::DECIDE_CLAIMS), routes!(claims::propose_batch))
        .add(Access::Policy(rules::READ_PAYMENTS), routes!(claims::list_batches))
        .add(Access::Policy(rules::READ_PAYMENTS), routes!(claims::get_batch))
        .add(Access::Policy(rules::APPROVE_PAYMENTS), routes!(claims::approve_batch))
        .add(Access::Policy(rules::APPROVE_PAYMENTS), routes!(claims::export_batch))
        .add(Access::Policy(rules::APPROVE_PAYMENTS), routes!(claims::record_results))
        .add(Access::Policy(rules::APPROVE_PAYMENTS), routes!(claims::import_status_report))
        .add(Access::Policy(rules::APPROVE_PAYMENTS), routes!(claims::resolve_line))
        .add(Access::Policy(rules::DECIDE_CLAIMS), routes!(claims::record_recovery))
        .add(Access::Policy(rules::READ_STATISTICS), routes!(claims::statistics))
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(orders::record_payment))
        .add(Access::Policy(rules::RECORD_JUDGMENTS), routes!(orders::record_insolvency))
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(assets::register_asset))
        .add(Access::Policy(rules::READ_ASSETS), routes!(assets::get_asset))
        .add(Access::Policy(rules::READ_ASSETS), routes!(assets::pipeline))
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(assets::move_asset))
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(assets::add_valuation))
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(assets::add_lease))
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(assets::record_rent))
        .add(Access::Policy(rules::MANAGE_ASSETS), routes!(assets::record_custody_cost))
        .add(Access::Policy(rules::RECORD_ALERTS), routes!(alerts::record_alert))
        .add(Access::Policy(rules::READ_ALERTS), routes!(alerts::list_alerts))
        .add(Access::Policy(rules::READ_ALERTS), routes!(alerts::get_alert))
        .add(Access::Policy(rules::RECORD_ALERTS), routes!(alerts::meeting))
        .add(Access::Policy(rules::RECORD_ALERTS), routes!(alerts::closure))
        .add(Access::Policy(rules::RECORD_ALERTS), routes!(alerts::confirmation))
        .add(PUBLIC, routes!(public::page))
        .add(PUBLIC, routes!(public::assets_json))
        .add(PUBLIC, routes!(public::assets_csv))
        .add(PUBLIC, routes!(public::fund_flows))
        .add(PUBLIC, routes!(public::fund_flows_csv))
        .add(PUBLIC, routes!(public::money_json))
        .add(PUBLIC, routes!(public::money_csv))
}
