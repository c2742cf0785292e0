//! A realistic synthetic country for looking around and for benchmarks: institutions, a user
//! for every role, victims with plausible Peruvian and Venezuelan names, cases at every stage,
//! judgments and orders, assets at every state with their money, claims in every state, a
//! completed allocation round and batch, and one batch waiting for the treasurer.
//!
//! Everything goes through the same use cases as the API (validated, audited, in the ledger),
//! acting as the demo users. The generator is deterministic for a given size.

use redress_app::accounts::{CreateUser, InstitutionChoice};
use redress_app::assets::{MoveAsset, RegisterAsset};
use redress_app::cases::OpenCase;
use redress_app::claims::{Decision, FileClaim};
use redress_app::identity::RepresentativeInput;
use redress_app::ledger::TransferRequest;
use redress_app::orders::{OrderRequest, RecordJudgment};
use redress_app::payments::ManualResult;
use redress_app::victims::RegisterVictim;
use redress_app::{Actor, App, RequestContext};
use redress_domain::Secret;
use time::Duration;

/// The fund's bank account in a demo (a made-up CCI), so that bank files can be exported.
/// The demo fund's account: a CCI with valid check digits.
pub const DEMO_FUND_ACCOUNT: &str = "00219300999999999910";

/// A made-up CCI of the demo (bank 002, office 193) with valid check digits.
fn demo_cci(n: u64) -> String {
    let first = format!("002193{:012}", 100_000_000_000u64 + n * 31);
    redress_domain::payments::cci_with_check_digits(&first).unwrap_or(first)
}

/// How big a country to make.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    pub victims: usize,
}

/// The demo users, all with the same password (generated per run, printed once).
pub const USERS: &[(&str, &str, &str, &str)] = &[
    ("oficial", "fund_officer", "Fondo de Reparaciones", "fund_unit"),
    ("tesorera", "treasurer", "Fondo de Reparaciones", "fund_unit"),
    ("auditora", "auditor", "Contraloría General", "other"),
    ("analista", "analyst", "Observatorio de Trata", "other"),
    ("cem.lima", "victim_services", "CEM Lima Cercado", "ministry"),
    ("cem.tumbes", "victim_services", "CEM Tumbes", "ministry"),
    ("fiscal", "prosecutor", "Fiscalía Especializada en Trata de Personas", "prosecutor"),
    ("secretario", "court_clerk", "Juzgado Penal Colegiado de Lima", "court"),
    ("bienes", "asset_manager", "Programa Nacional de Bienes Incautados", "asset_agency"),
];

const GIVEN_PE: &[&str] = &[
    "Rosa",
    "María Elena",
    "Yesenia",
    "Milagros",
    "Lucía",
    "Flor de María",
    "Karina",
    "Juana",
    "Sheyla",
    "Nayeli",
    "Luz Marina",
    "Wendy",
    "Jhon",
    "Edwin",
    "Rosmery",
    "Katherine",
    "Yuliana",
    "Carmen",
    "Isabel",
    "Gladys",
];
const SURNAMES_PE: &[&str] = &[
    "Quispe",
    "Mamani",
    "Huamán",
    "Flores",
    "Condori",
    "Chávez",
    "Rojas",
    "Ccori",
    "Ramos",
    "Vargas",
    "Torres",
    "Mendoza",
    "Apaza",
    "Salazar",
    "Paredes",
    "Huanca",
    "Castillo",
    "Ticona",
    "Cárdenas",
    "Villanueva",
];
const GIVEN_VE: &[&str] = &[
    "Yeraldine",
    "Génesis",
    "Daniela",
    "Yusmary",
    "Oriana",
    "Rosibel",
    "Andreína",
    "Maryelis",
    "José Gregorio",
    "Yorgelis",
    "Dayana",
    "Liseth",
];
const SURNAMES_VE: &[&str] = &[
    "Pérez",
    "González",
    "Rodríguez",
    "Hernández",
    "Marcano",
    "Briceño",
    "Guzmán",
    "Colmenares",
    "Urdaneta",
    "Linares",
];
const REGIONS: &[&str] = &["Lima", "Tumbes", "Madre de Dios", "Cusco", "Loreto", "Puno", "Arequipa", "Piura"];
const EXPLOITATION: &[&str] = &["sexual", "labour", "labour", "sexual", "begging", "domestic_servitude"];
const NEEDS: &[&[&str]] = &[
    &[],
    &["no_income"],
    &["dependants", "no_income"],
    &["serious_health_need"],
    &["no_safe_housing"],
    &[],
    &["disability"],
    &["pregnancy"],
];

/// The demo's own "now": the seed walks through the past in date order, so that the ledger,
/// the charts by month and the claims' deadlines have a history. The server itself runs on the
/// real clock.
struct Timeline {
    micros: std::sync::atomic::AtomicI64,
}

impl Timeline {
    /// Moves to noon of `days_ago` days before `today` (never backwards).
    fn at(&self, today: time::Date, days_ago: i64) {
        let day = today - Duration::days(days_ago);
        let noon = day.with_hms(12, 0, 0).expect("noon exists").assume_utc();
        let micros = (noon.unix_timestamp_nanos() / 1_000) as i64;
        self.micros.fetch_max(micros, std::sync::atomic::Ordering::SeqCst);
    }
}

impl redress_app::Clock for Timeline {
    fn now(&self) -> redress_domain::Timestamp {
        redress_domain::Timestamp::from_unix_micros(self.micros.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// A small deterministic generator (xorshift): the same size gives the same country.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn ctx() -> RequestContext {
    RequestContext { request_id: Some("demo-seed".into()), ..RequestContext::default() }
}

/// What the seed made, for the summary printed at the end.
#[derive(Debug, Default)]
pub struct Seeded {
    pub victims: usize,
    pub cases: usize,
    pub orders: usize,
    pub assets: usize,
    pub claims: usize,
}

/// Creates the demo institutions and users (password `password`), then the country.
pub async fn seed(app: &App, size: DemoSize, password: &str) -> anyhow::Result<Seeded> {
    let today = app.clock.now().to_datetime().date();
    let timeline = std::sync::Arc::new(Timeline { micros: std::sync::atomic::AtomicI64::new(0) });
    timeline.at(today, 540);
    let app = &app.clone().with_clock(timeline.clone());
    let mut operator = Actor::operator();
    operator.username = "demo-seed".into();
    for (username, role, institution, kind) in USERS {
        let exists = app
            .list_institutions(&operator, None, Some(500))
            .await?
            .into_iter()
            .any(|i| i.name == *institution);
        if !exists {
            app.create_institution(&operator, &ctx(), institution, kind).await?;
        }
        app.create_user(
            &operator,
            &ctx(),
            CreateUser {
                username: username.to_string(),
                display_name: None,
                institution: InstitutionChoice::NameOrCreate(institution.to_string()),
                roles: vec![role.to_string()],
                password: Secret::new(password.to_string()),
            },
        )
        .await?;
    }
    let who = |name: &str| {
        let app = app.clone();
        let name = name.to_string();
        async move { app.act_as(&name).await }
    };
    let officer = who("oficial").await?;
    let treasurer = who("tesorera").await?;
    let services = [who("cem.lima").await?, who("cem.tumbes").await?];
    let prosecutor = who("fiscal").await?;
    let clerk = who("secretario").await?;
    let manager = who("bienes").await?;
    let day = |days_ago: i64| -> String { (today - Duration::days(days_ago)).to_string() };
    let mut dice = Dice(0x5EED_2026_0000_0001 ^ size.victims as u64);
    let mut seeded = Seeded::default();

    // The fund's first money: a budget transfer.
    let currency = app.settings.fund.currency.clone();
    app.create_transfers(
        &officer,
        &ctx(),
        &[TransferRequest {
            id: uuid::Uuid::new_v4().to_string(),
            debit_account: Some("assets:bank:fund".into()),
            credit_account: Some("income:budget".into()),
            amount: format!("{}.00", 1_500 * size.victims.max(10)),
            currency: currency.clone(),
            memo: Some("Transferencia presupuestal MIMP 2026".into()),
            ..TransferRequest::default()
        }],
    )
    .await?;

    // Assets at every state, some bringing money into the fund; their moves happen in date
    // order over the past year and a half.
    let mut planned: Vec<(i64, i64, MoveAsset)> = Vec::new();
    // Seized money belongs to a case: the money of the demo's assets is that of one
    // laundering investigation.
    let money_case = app
        .open_case(
            &prosecutor,
            &ctx(),
            OpenCase {
                prosecutor_file: "FPT-2024-LAV-0001".into(),
                court_file: None,
                jurisdiction: "Lima".into(),
                offences: vec!["129-A".into()],
                reported_on: day(600),
                cross_border: false,
                partner_country: None,
                tracing_notes: Some("Dinero y saldos incautados en el allanamiento".into()),
                court_id: None,
                defendants: vec!["Marco Antonio Salas Vela".into()],
                victims: Vec::new(),
            },
        )
        .await?
        .id;
    seeded.cases += 1;
    let kinds = ["vehicle", "real_estate", "cash", "valuables", "business", "bank_balance"];
    for number in 0..(size.victims / 5).max(6) {
        let kind = kinds[number % kinds.len()];
        let value = 2_000 + 500 * dice.below(30);
        let asset = app
            .register_asset(
                &manager,
                &ctx(),
                RegisterAsset {
                    kind: kind.into(),
                    description: match kind {
                        "vehicle" => format!(
                            "Camioneta Toyota Hilux, placa {}-{}",
                            ["ABC", "F4K", "T2Y"][number % 3],
                            100 + number
                        ),
                        "real_estate" => {
                            format!("Inmueble en {}, partida {}", dice.pick(REGIONS), 11_000_000 + number)
                        }
                        "cash" => "Dinero en efectivo incautado".into(),
                        "valuables" => "Joyas de oro (lote)".into(),
                        "business" => "Discoteca (establecimiento comercial)".into(),
                        _ => "Saldo en cuenta de ahorros".into(),
                    },
                    identifiers: None,
                    location: Some(dice.pick(REGIONS).to_string()),
                    region: Some(dice.pick(REGIONS).to_string()),
                    custodian: Some("PRONABI".into()),
                    case_id: matches!(kind, "cash" | "bank_balance").then_some(money_case),
                    agency_reference: Some(format!("PRONABI-{:05}", number + 1)),
                    currency: None,
                    estimated_value: Some(format!("{value}.00")),
                    seized_on: day(560 + dice.below(150) as i64),
                    document: format!("Resolución de incautación {}", number + 1),
                },
            )
            .await?;
        seeded.assets += 1;
        let shift = dice.below(55) as i64;
        let step = |to: &str, days_ago: i64, amount: Option<String>| MoveAsset {
            to: to.into(),
            date: day(days_ago - shift),
            // The document names the move in words, as a clerk would (the state code is not Spanish).
            document: format!(
                "Resolución: {}",
                redress_web::i18n::codes::code(redress_web::i18n::Locale::Es, "asset-state", to)
            ),
            amount,
            currency: None,
            costs: None,
        };
        let path: Vec<MoveAsset> = match (kind, number % 5) {
            ("cash", _) => {
                vec![step("confiscated", 200, None), step("released", 150, Some(format!("{value}.00")))]
            }
            (_, 0) => vec![step("in_custody", 450, None)],
            (_, 1) => vec![
                step("in_custody", 450, None),
                step("sale_authorised", 300, None),
                step("sold_early", 250, Some(format!("{}.00", value * 9 / 10))),
            ],
            (_, 2) => vec![
                step("in_custody", 450, None),
                step("sale_authorised", 300, None),
                step("sold_early", 250, Some(format!("{}.00", value))),
                step("released", 100, None),
            ],
            (_, 3) => vec![
                step("in_custody", 450, None),
                step("confiscated", 200, None),
                step("sold", 90, Some(format!("{}.00", value * 11 / 10))),
            ],
            _ => vec![step("in_custody", 450, None), step("confiscated", 120, None)],
        };
        for movement in path {
            let days_ago = (today
                - time::Date::parse(&movement.date, &time::format_description::well_known::Iso8601::DATE)?)
            .whole_days();
            planned.push((days_ago, asset.asset.id, movement));
        }
    }
    planned.sort_by_key(|(days_ago, asset, _)| (std::cmp::Reverse(*days_ago), *asset));
    for (days_ago, asset, movement) in planned {
        timeline.at(today, days_ago);
        app.move_asset(&manager, &ctx(), asset, movement).await?;
    }

    // Victims.
    let mut victims: Vec<(String, bool)> = Vec::new();
    for index in 0..size.victims {
        let venezuelan = dice.chance(35);
        let (given, surnames) = if venezuelan {
            (dice.pick(GIVEN_VE), format!("{} {}", dice.pick(SURNAMES_VE), dice.pick(SURNAMES_VE)))
        } else {
            (dice.pick(GIVEN_PE), format!("{} {}", dice.pick(SURNAMES_PE), dice.pick(SURNAMES_PE)))
        };
        let minor = dice.chance(15);
        let age_days =
            if minor { 365 * (13 + dice.below(4) as i64) } else { 365 * (19 + dice.below(25) as i64) };
        let birth = today - Duration::days(age_days + dice.below(300) as i64);
        let (document_type, document_number) = if venezuelan {
            if dice.chance(50) {
                ("ptp", format!("PTP{:06}", 100_000 + index))
            } else {
                ("ce", format!("{:09}", 1_000_000 + index * 7))
            }
        } else {
            ("dni", format!("{:08}", 40_000_000 + index * 13))
        };
        let request = RegisterVictim {
            given_names: given.to_string(),
            surnames,
            document_type: document_type.into(),
            document_number,
            document_country: None,
            birth_date: birth.to_string(),
            sex: if dice.chance(85) { "female" } else { "male" }.into(),
            nationality: if venezuelan { "VE" } else { "PE" }.into(),
            consent: true,
            consent_scope: None,
            contact: None,
            address: None,
            bank_account: dice.chance(65).then(|| demo_cci(index as u64)),
            legal_representative: minor.then(|| RepresentativeInput {
                given_names: dice.pick(GIVEN_PE).to_string(),
                surnames: format!("{} {}", dice.pick(SURNAMES_PE), dice.pick(SURNAMES_PE)),
                document_type: "dni".into(),
                document_number: format!("{:08}", 10_000_000 + index * 17),
                document_country: None,
                relationship: "mother".into(),
                legal_basis: "Patria potestad (Código de los Niños y Adolescentes, art. 74)".into(),
                bank_account: dice.chance(50).then(|| demo_cci(1_000_000 + index as u64)),
                contact: None,
            }),
            region: Some(dice.pick(REGIONS).to_string()),
            exploitation: Some(dice.pick(EXPLOITATION).to_string()),
            languages: vec!["es".into()],
            recruitment: None,
            methods_of_control: Vec::new(),
        };
        let by = &services[index % 2];
        timeline.at(today, 89 - (index * 9 / size.victims.max(1)) as i64);
        let view = app.register_victim(by, &ctx(), request).await?;
        if dice.chance(80) {
            app.verify_identity(by, &ctx(), &view.code, "document_in_person").await?;
        }
        victims.push((view.code, minor));
        seeded.victims += 1;
    }

    // Cases of about three victims each, at every stage; final ones with judgments and orders.
    timeline.at(today, 30);
    let stages = ["reported", "investigation", "charged", "trial", "judgment", "final"];
    let mut orders: Vec<(i64, String, usize)> = Vec::new();
    for (number, group) in victims.chunks(3).enumerate() {
        let codes: Vec<String> = group.iter().map(|(c, _)| c.clone()).collect();
        let reported = 400 + dice.below(500) as i64;
        let defendants: Vec<String> = (0..1 + dice.below(2))
            .map(|_| format!("{} {} {}", dice.pick(GIVEN_PE), dice.pick(SURNAMES_PE), dice.pick(SURNAMES_PE)))
            .collect();
        let cross_border = codes.len() > 1 && dice.chance(30);
        let case = app
            .open_case(
                &prosecutor,
                &ctx(),
                OpenCase {
                    prosecutor_file: format!("FPT-{}-{:04}", 2024 + (number % 2), number + 1),
                    court_file: None,
                    jurisdiction: dice.pick(REGIONS).to_string(),
                    offences: vec!["129-A".into()],
                    reported_on: day(reported),
                    cross_border,
                    partner_country: cross_border.then(|| "VE".to_string()),
                    tracing_notes: None,
                    court_id: clerk.institution_id.map(|id| id.0),
                    defendants,
                    victims: Vec::new(),
                },
            )
            .await?;
        seeded.cases += 1;
        // Victim services who look after each victim add them to the case: a prosecutor does not
        // gain sight of a victim by naming them.
        for (k, code) in codes.iter().enumerate() {
            app.add_case_victim(&services[(number * 3 + k) % 2], &ctx(), case.id, code).await?;
        }
        let target = if number % 2 == 0 { stages.len() - 1 } else { number % stages.len() };
        let mut when = reported;
        // By hand up to the trial; the judgment (and its finality) move the case on.
        for stage in stages[1..=target].iter().filter(|s| !matches!(**s, "judgment" | "final")) {
            when -= 40 + dice.below(40) as i64;
            app.change_case_stage(&prosecutor, &ctx(), case.id, stage, &day(when.max(100))).await?;
        }
        if stages[target] != "final" {
            continue;
        }
        when -= 40 + dice.below(40) as i64;
        let convicted: Vec<i64> = case.defendants.iter().map(|(id, _)| *id).collect();
        let judgment = app
            .record_judgment(
                &clerk,
                &ctx(),
                RecordJudgment {
                    case_id: case.id,
                    judged_on: day(when.max(100) - 10),
                    court: "Juzgado Penal Colegiado de Lima".into(),
                    convicted: convicted.clone(),
                    final_on: Some(day(when.max(100) - 40)),
                    confirm_duplicate: false,
                    orders: codes
                        .iter()
                        .map(|code| OrderRequest {
                            victim: code.clone(),
                            currency: None,
                            payment_deadline: Some(day(when.max(100) - 50)),
                            items: vec![
                                ("moral_damage".into(), format!("{}.00", 2_000 + 500 * dice.below(12))),
                                ("unpaid_wages".into(), format!("{}.00", 1_000 + 250 * dice.below(10))),
                            ],
                            debtors: convicted.clone(),
                        })
                        .collect(),
                },
            )
            .await?;
        for order in &judgment.orders {
            if dice.chance(70) {
                app.record_insolvency(
                    &clerk,
                    &ctx(),
                    order.order.id,
                    &day(35),
                    "Informe de bienes negativo (SUNARP)",
                )
                .await?;
            }
            let services_index =
                victims.iter().position(|(c, _)| *c == order.order.victim_code).unwrap_or(0) % 2;
            orders.push((order.order.id, order.order.victim_code.clone(), services_index));
            seeded.orders += 1;
        }
    }

    // Claims: on most orders, with needs; decisions; one round paid, one waiting.
    let mut approved = Vec::new();
    let mut filed = Vec::new();
    let claimants = orders.len().max(1);
    for (index, (order_id, code, services_index)) in orders.iter().enumerate() {
        if index % 7 == 6 {
            continue; // not every victim has claimed yet
        }
        let minor = victims.iter().any(|(c, m)| c == code && *m);
        let mut needs: Vec<String> = NEEDS[index % NEEDS.len()].iter().map(|n| n.to_string()).collect();
        if minor {
            needs.push("minor".into());
        }
        timeline.at(today, 28 - (index * 8 / claimants) as i64);
        let claim = app
            .file_claim(
                &services[*services_index],
                &ctx(),
                FileClaim { victim: code.clone(), order_id: Some(*order_id), needs, ..FileClaim::default() },
            )
            .await?;
        seeded.claims += 1;
        filed.push((index, claim));
    }
    timeline.at(today, 18);
    for (index, claim) in filed {
        if !claim.eligible || index % 5 == 4 {
            continue; // waiting for a decision (urgent ones overdue), or not yet eligible
        }
        if index % 11 == 10 {
            let reject = Decision {
                decision: "reject".into(),
                amount: None,
                tier: None,
                reason: Some("La orden ya fue pagada por el sentenciado".into()),
            };
            app.decide_claim(&officer, &ctx(), claim.id, reject).await?;
            continue;
        }
        let approve = Decision { decision: "approve".into(), amount: None, tier: None, reason: None };
        app.decide_claim(&officer, &ctx(), claim.id, approve).await?;
        approved.push(claim.id);
    }
    if !approved.is_empty() {
        // A round, paid: the bank accepts every line but one.
        timeline.at(today, 14);
        let round = app.allocation_round(&officer, &ctx(), true, None).await?;
        let batch = app.propose_batch(&officer, &ctx(), round.id.unwrap_or_default(), None).await?;
        timeline.at(today, 13);
        app.approve_batch(&treasurer, &ctx(), batch.id).await?;
        if app.settings.fund.bank_account.is_some() {
            app.export_batch(&treasurer, &ctx(), batch.id).await?;
            timeline.at(today, 10);
            let results: Vec<ManualResult> = batch
                .lines
                .iter()
                .enumerate()
                .map(|(i, line)| ManualResult {
                    end_to_end_id: line.end_to_end_id.clone(),
                    status: if i == 1 { "rejected" } else { "accepted" }.into(),
                    reason_code: (i == 1).then(|| "AC04".to_string()),
                    reason: (i == 1).then(|| "Cuenta cerrada".to_string()),
                })
                .collect();
            app.record_bank_results(&treasurer, &ctx(), batch.id, results).await?;
            // Budget for the next round; what is left waits in a batch for the treasurer.
            timeline.at(today, 8);
            app.create_transfers(
                &officer,
                &ctx(),
                &[TransferRequest {
                    id: uuid::Uuid::new_v4().to_string(),
                    debit_account: Some("assets:bank:fund".into()),
                    credit_account: Some("income:donations".into()),
                    amount: format!("{}.00", 500 * size.victims.max(10)),
                    currency: currency.clone(),
                    memo: Some("Donación de cooperación internacional".into()),
                    ..TransferRequest::default()
                }],
            )
            .await?;
            timeline.at(today, 3);
            if let Ok(round) = app.allocation_round(&officer, &ctx(), true, None).await {
                app.propose_batch(&officer, &ctx(), round.id.unwrap_or_default(), None).await?;
            }
        }
    }
    Ok(seeded)
}
