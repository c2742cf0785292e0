//! A realistic synthetic country for looking around and for benchmarks: institutions, a user
//! for every role, victims with plausible Peruvian and Venezuelan names, cases at every stage,
//! judgments and orders, assets at every state with their money, claims in every state, a
//! completed allocation round and batch, and one batch waiting for the treasurer.
//!
//! Everything goes through the same use cases as the API (validated, audited, in the ledger),
//! acting as the demo users. The generator is deterministic for a given size.

use redress_app::accounts::{CreateUser, InstitutionChoice};
use redress_app::alerts::{MeetingRequest, NewAlert, ParticipantInput};
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
    let app = app.clone().with_clock(timeline.clone());
    create_users(&app, password).await?;
    let mut demo = Demo {
        officer: app.act_as("oficial").await?,
        treasurer: app.act_as("tesorera").await?,
        services: [app.act_as("cem.lima").await?, app.act_as("cem.tumbes").await?],
        prosecutor: app.act_as("fiscal").await?,
        clerk: app.act_as("secretario").await?,
        manager: app.act_as("bienes").await?,
        app,
        timeline,
        today,
        size,
        dice: Dice(0x5EED_2026_0000_0001 ^ size.victims as u64),
        seeded: Seeded::default(),
    };
    let mut lap = Lap(std::time::Instant::now());
    // The fund's first money: a budget transfer.
    demo.fund("income:budget", 1_500, "Transferencia presupuestal MIMP 2026").await?;
    demo.assets().await?;
    lap.done("assets", demo.seeded.assets);
    let victims = demo.victims().await?;
    lap.done("victims", victims.len());
    let orders = demo.cases(&victims).await?;
    lap.done("cases and orders", orders.len());
    let approved = demo.claims(&victims, &orders).await?;
    lap.done("claims and decisions", demo.seeded.claims);
    if !approved.is_empty() {
        demo.pay().await?;
    }
    lap.done("allocation, batches and bank results", approved.len());
    let alerts = demo.alerts().await?;
    lap.done("alerts", alerts);
    Ok(demo.seeded)
}

/// Prints how long each phase of the seed took, to see which one grows faster than the size.
struct Lap(std::time::Instant);

impl Lap {
    fn done(&mut self, phase: &str, count: usize) {
        eprintln!("  {phase}: {count} in {:.1} s", self.0.elapsed().as_secs_f64());
        self.0 = std::time::Instant::now();
    }
}

/// The demo's institutions and a user for every role.
async fn create_users(app: &App, password: &str) -> anyhow::Result<()> {
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
        let user = CreateUser {
            username: username.to_string(),
            display_name: None,
            institution: InstitutionChoice::NameOrCreate(institution.to_string()),
            roles: vec![role.to_string()],
            password: Secret::new(password.to_string()),
        };
        app.create_user(&operator, &ctx(), user).await?;
    }
    Ok(())
}

/// The seed in progress: the app on the demo's clock, the users it acts as, the dice.
struct Demo {
    app: App,
    timeline: std::sync::Arc<Timeline>,
    today: time::Date,
    size: DemoSize,
    dice: Dice,
    seeded: Seeded,
    officer: Actor,
    treasurer: Actor,
    services: [Actor; 2],
    prosecutor: Actor,
    clerk: Actor,
    manager: Actor,
}

/// An order of the demo: its id, its victim, and which victim services look after them.
type DemoOrder = (i64, String, usize);

impl Demo {
    fn day(&self, days_ago: i64) -> String {
        (self.today - Duration::days(days_ago)).to_string()
    }

    fn at(&self, days_ago: i64) {
        self.timeline.at(self.today, days_ago);
    }

    /// Money into the fund from `income`, per victim of the demo's size.
    async fn fund(&self, income: &str, per_victim: usize, memo: &str) -> anyhow::Result<()> {
        let transfer = TransferRequest {
            id: uuid::Uuid::new_v4().to_string(),
            debit_account: Some("assets:bank:fund".into()),
            credit_account: Some(income.into()),
            amount: format!("{}.00", per_victim * self.size.victims.max(10)),
            currency: self.app.settings.fund.currency.clone(),
            memo: Some(memo.into()),
            ..TransferRequest::default()
        };
        self.app.create_transfers(&self.officer, &ctx(), &[transfer]).await?;
        Ok(())
    }

    /// Seized money belongs to a case: the money of the demo's assets is that of one
    /// laundering investigation.
    async fn money_case(&mut self) -> anyhow::Result<i64> {
        let case = OpenCase {
            prosecutor_file: "FPT-2024-LAV-0001".into(),
            court_file: None,
            jurisdiction: "Lima".into(),
            offences: vec!["129-A".into()],
            reported_on: self.day(600),
            cross_border: false,
            partner_country: None,
            tracing_notes: Some("Dinero y saldos incautados en el allanamiento".into()),
            court_id: None,
            defendants: vec!["Marco Antonio Salas Vela".into()],
            victims: Vec::new(),
        };
        let id = self.app.open_case(&self.prosecutor, &ctx(), case).await?.id;
        self.seeded.cases += 1;
        Ok(id)
    }

    /// Assets at every state, some bringing money into the fund; their moves happen in date
    /// order over the past year and a half.
    async fn assets(&mut self) -> anyhow::Result<()> {
        let money_case = self.money_case().await?;
        let kinds = ["vehicle", "real_estate", "cash", "valuables", "business", "bank_balance"];
        let mut planned: Vec<(i64, i64, MoveAsset)> = Vec::new();
        for number in 0..(self.size.victims / 5).max(6) {
            let kind = kinds[number % kinds.len()];
            let value = 2_000 + 500 * self.dice.below(30);
            let request = self.asset_request(kind, number, value, money_case);
            let asset = self.app.register_asset(&self.manager, &ctx(), request).await?;
            self.seeded.assets += 1;
            for movement in self.asset_path(kind, number, value) {
                let date =
                    time::Date::parse(&movement.date, &time::format_description::well_known::Iso8601::DATE)?;
                planned.push(((self.today - date).whole_days(), asset.asset.id, movement));
            }
        }
        planned.sort_by_key(|(days_ago, asset, _)| (std::cmp::Reverse(*days_ago), *asset));
        for (days_ago, asset, movement) in planned {
            self.at(days_ago);
            self.app.move_asset(&self.manager, &ctx(), asset, movement).await?;
        }
        Ok(())
    }

    fn asset_request(&mut self, kind: &str, number: usize, value: usize, money_case: i64) -> RegisterAsset {
        let description = match kind {
            "vehicle" => format!(
                "Camioneta Toyota Hilux, placa {}-{}",
                ["ABC", "F4K", "T2Y"][number % 3],
                100 + number
            ),
            "real_estate" => {
                format!("Inmueble en {}, partida {}", self.dice.pick(REGIONS), 11_000_000 + number)
            }
            "cash" => "Dinero en efectivo incautado".into(),
            "valuables" => "Joyas de oro (lote)".into(),
            "business" => "Discoteca (establecimiento comercial)".into(),
            _ => "Saldo en cuenta de ahorros".into(),
        };
        let location = Some(self.dice.pick(REGIONS).to_string());
        let region = Some(self.dice.pick(REGIONS).to_string());
        let seized_days_ago = 560 + self.dice.below(150) as i64;
        RegisterAsset {
            kind: kind.into(),
            description,
            identifiers: None,
            location,
            region,
            custodian: Some("PRONABI".into()),
            case_id: matches!(kind, "cash" | "bank_balance").then_some(money_case),
            agency_reference: Some(format!("PRONABI-{:05}", number + 1)),
            currency: None,
            estimated_value: Some(format!("{value}.00")),
            seized_on: self.day(seized_days_ago),
            document: format!("Resolución de incautación {}", number + 1),
        }
    }

    /// The moves an asset makes, by its kind and number.
    fn asset_path(&mut self, kind: &str, number: usize, value: usize) -> Vec<MoveAsset> {
        let shift = self.dice.below(55) as i64;
        let step = |to: &str, days_ago: i64, amount: Option<String>| MoveAsset {
            to: to.into(),
            date: self.day(days_ago - shift),
            // The document names the move in words, as a clerk would (the state code is not Spanish).
            document: format!(
                "Resolución: {}",
                redress_web::i18n::codes::code(redress_web::i18n::Locale::Es, "asset-state", to)
            ),
            amount,
            currency: None,
            costs: None,
        };
        match (kind, number % 5) {
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
        }
    }

    /// Victims, registered by the two victim services in turn; most verified. (code, minor).
    async fn victims(&mut self) -> anyhow::Result<Vec<(String, bool)>> {
        let mut victims = Vec::new();
        for index in 0..self.size.victims {
            let (request, minor) = self.victim_request(index);
            let by = self.services[index % 2].clone();
            self.at(89 - (index * 9 / self.size.victims.max(1)) as i64);
            let view = self.app.register_victim(&by, &ctx(), request).await?;
            if self.dice.chance(80) {
                self.app.verify_identity(&by, &ctx(), &view.code, "document_in_person").await?;
            }
            victims.push((view.code, minor));
            self.seeded.victims += 1;
        }
        Ok(victims)
    }

    fn victim_request(&mut self, index: usize) -> (RegisterVictim, bool) {
        let dice = &mut self.dice;
        let venezuelan = dice.chance(35);
        let (given, surnames) = if venezuelan {
            (dice.pick(GIVEN_VE), format!("{} {}", dice.pick(SURNAMES_VE), dice.pick(SURNAMES_VE)))
        } else {
            (dice.pick(GIVEN_PE), format!("{} {}", dice.pick(SURNAMES_PE), dice.pick(SURNAMES_PE)))
        };
        let minor = dice.chance(15);
        let age_days =
            if minor { 365 * (13 + dice.below(4) as i64) } else { 365 * (19 + dice.below(25) as i64) };
        let birth = self.today - Duration::days(age_days + dice.below(300) as i64);
        let (document_type, document_number) = if !venezuelan {
            ("dni", format!("{:08}", 40_000_000 + index * 13))
        } else if dice.chance(50) {
            ("ptp", format!("PTP{:06}", 100_000 + index))
        } else {
            ("ce", format!("{:09}", 1_000_000 + index * 7))
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
        (request, minor)
    }

    /// Cases of about three victims each, at every stage; final ones with judgments and orders.
    async fn cases(&mut self, victims: &[(String, bool)]) -> anyhow::Result<Vec<DemoOrder>> {
        self.at(30);
        let stages = ["reported", "investigation", "charged", "trial", "judgment", "final"];
        let mut orders = Vec::new();
        let position: std::collections::HashMap<&str, usize> =
            victims.iter().enumerate().map(|(i, (code, _))| (code.as_str(), i)).collect();
        for (number, group) in victims.chunks(3).enumerate() {
            let codes: Vec<String> = group.iter().map(|(c, _)| c.clone()).collect();
            let reported = 400 + self.dice.below(500) as i64;
            let case = self.open_case(number, &codes, reported).await?;
            // Victim services who look after each victim add them to the case: a prosecutor does
            // not gain sight of a victim by naming them.
            for (k, code) in codes.iter().enumerate() {
                self.app.add_case_victim(&self.services[(number * 3 + k) % 2], &ctx(), case.id, code).await?;
            }
            let target = if number % 2 == 0 { stages.len() - 1 } else { number % stages.len() };
            let mut when = reported;
            // By hand up to the trial; the judgment (and its finality) move the case on.
            for stage in stages[1..=target].iter().filter(|s| !matches!(**s, "judgment" | "final")) {
                when -= 40 + self.dice.below(40) as i64;
                self.app
                    .change_case_stage(&self.prosecutor, &ctx(), case.id, stage, &self.day(when.max(100)))
                    .await?;
            }
            if stages[target] == "final" {
                when -= 40 + self.dice.below(40) as i64;
                for (order, victim) in self.judge(&case, &codes, when).await? {
                    let services = position.get(victim.as_str()).copied().unwrap_or(0) % 2;
                    orders.push((order, victim, services));
                }
            }
        }
        Ok(orders)
    }

    async fn open_case(
        &mut self,
        number: usize,
        codes: &[String],
        reported: i64,
    ) -> anyhow::Result<redress_app::cases::CaseView> {
        let dice = &mut self.dice;
        let defendants: Vec<String> = (0..1 + dice.below(2))
            .map(|_| format!("{} {} {}", dice.pick(GIVEN_PE), dice.pick(SURNAMES_PE), dice.pick(SURNAMES_PE)))
            .collect();
        let cross_border = codes.len() > 1 && dice.chance(30);
        let request = OpenCase {
            prosecutor_file: format!("FPT-{}-{:04}", 2024 + (number % 2), number + 1),
            court_file: None,
            jurisdiction: dice.pick(REGIONS).to_string(),
            offences: vec!["129-A".into()],
            reported_on: self.day(reported),
            cross_border,
            partner_country: cross_border.then(|| "VE".to_string()),
            tracing_notes: None,
            court_id: self.clerk.institution_id.map(|id| id.0),
            defendants,
            victims: Vec::new(),
        };
        let case = self.app.open_case(&self.prosecutor, &ctx(), request).await?;
        self.seeded.cases += 1;
        Ok(case)
    }

    /// A final judgment with an order per victim; most found unable to pay. (order, victim).
    async fn judge(
        &mut self,
        case: &redress_app::cases::CaseView,
        codes: &[String],
        when: i64,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        let convicted: Vec<i64> = case.defendants.iter().map(|(id, _)| *id).collect();
        let orders = codes
            .iter()
            .map(|code| OrderRequest {
                victim: code.clone(),
                currency: None,
                payment_deadline: Some(self.day(when.max(100) - 50)),
                items: vec![
                    ("moral_damage".into(), format!("{}.00", 2_000 + 500 * self.dice.below(12))),
                    ("unpaid_wages".into(), format!("{}.00", 1_000 + 250 * self.dice.below(10))),
                ],
                debtors: convicted.clone(),
            })
            .collect();
        let request = RecordJudgment {
            case_id: case.id,
            judged_on: self.day(when.max(100) - 10),
            court: "Juzgado Penal Colegiado de Lima".into(),
            convicted: convicted.clone(),
            final_on: Some(self.day(when.max(100) - 40)),
            confirm_duplicate: false,
            orders,
        };
        let judgment = self.app.record_judgment(&self.clerk, &ctx(), request).await?;
        let mut made = Vec::new();
        for order in &judgment.orders {
            if self.dice.chance(70) {
                let basis = "Informe de bienes negativo (SUNARP)";
                self.app.record_insolvency(&self.clerk, &ctx(), order.order.id, &self.day(35), basis).await?;
            }
            made.push((order.order.id, order.order.victim_code.clone()));
            self.seeded.orders += 1;
        }
        Ok(made)
    }

    /// Claims on most orders, with needs, and the fund officer's decisions; the approved ones.
    async fn claims(&mut self, victims: &[(String, bool)], orders: &[DemoOrder]) -> anyhow::Result<Vec<i64>> {
        let mut filed = Vec::new();
        let claimants = orders.len().max(1);
        let minors: std::collections::HashSet<&str> =
            victims.iter().filter(|(_, minor)| *minor).map(|(code, _)| code.as_str()).collect();
        for (index, (order_id, code, services_index)) in orders.iter().enumerate() {
            if index % 7 == 6 {
                continue; // not every victim has claimed yet
            }
            let mut needs: Vec<String> = NEEDS[index % NEEDS.len()].iter().map(|n| n.to_string()).collect();
            if minors.contains(code.as_str()) {
                needs.push("minor".into());
            }
            self.at(28 - (index * 8 / claimants) as i64);
            let request =
                FileClaim { victim: code.clone(), order_id: Some(*order_id), needs, ..FileClaim::default() };
            let claim = self.app.file_claim(&self.services[*services_index], &ctx(), request).await?;
            self.seeded.claims += 1;
            filed.push((index, claim));
        }
        self.at(18);
        let mut approved = Vec::new();
        for (index, claim) in filed {
            if !claim.eligible || index % 5 == 4 {
                continue; // waiting for a decision (urgent ones overdue), or not yet eligible
            }
            let decision = if index % 11 == 10 {
                let reason = Some("La orden ya fue pagada por el sentenciado".into());
                Decision { decision: "reject".into(), amount: None, tier: None, reason }
            } else {
                approved.push(claim.id);
                Decision { decision: "approve".into(), amount: None, tier: None, reason: None }
            };
            self.app.decide_claim(&self.officer, &ctx(), claim.id, decision).await?;
        }
        Ok(approved)
    }

    /// A round, paid: the bank accepts every line but one; then more money, and what is left
    /// waits in a batch for the treasurer.
    /// Three alerts of the operational response, yesterday: one whose 24-hour meeting is
    /// overdue, one with its meeting held, one just convened.
    async fn alerts(&mut self) -> anyhow::Result<usize> {
        self.at(1);
        let now = self.app.clock.now().unix_micros();
        let hours =
            |h: i64| redress_domain::Timestamp::from_unix_micros(now - h * 3_600_000_000).to_rfc3339();
        let institution = |actor: &Actor| actor.institution_id.map(|i| i.0).into_iter().collect::<Vec<_>>();
        let alert =
            |summary: &str, reported: i64, place: &str, urgency: &str, minors: bool, origin: Option<&str>| {
                NewAlert {
                    summary: summary.into(),
                    reported_at: hours(reported),
                    place: Some(place.into()),
                    urgency: Some(urgency.into()),
                    minors_involved: minors,
                    origin_country: origin.map(str::to_string),
                    concerned_institutions: Vec::new(),
                }
            };
        let mut overdue = alert(
            "Denuncia de captación de adolescentes para trabajo en bares",
            30,
            "Tumbes",
            "immediate",
            true,
            Some("EC"),
        );
        overdue.concerned_institutions = institution(&self.prosecutor);
        self.app.record_alert(&self.services[1], &ctx(), overdue).await?;
        let held = alert(
            "Posible trabajo forzoso en un campamento minero",
            72,
            "Madre de Dios",
            "high",
            false,
            None,
        );
        let held = self.app.record_alert(&self.prosecutor, &ctx(), held).await?;
        let meeting = MeetingRequest {
            held_at: Some(hours(56)),
            participants: vec![
                ParticipantInput::Name("Policía Nacional del Perú".into()),
                ParticipantInput::Name("Ministerio Público".into()),
            ],
            decisions: Some("Operativo de rescate coordinado; albergue temporal a cargo del CEM".into()),
            ..MeetingRequest::default()
        };
        self.app.alert_meeting(&self.prosecutor, &ctx(), held.id, meeting).await?;
        let mut convened =
            alert("Reporte de víctima extranjera en un albergue", 2, "Lima", "normal", false, Some("VE"));
        convened.concerned_institutions = institution(&self.prosecutor);
        let convened = self.app.record_alert(&self.services[0], &ctx(), convened).await?;
        let meeting = MeetingRequest { scheduled_for: Some(hours(-20)), ..MeetingRequest::default() };
        self.app.alert_meeting(&self.services[0], &ctx(), convened.id, meeting).await?;
        Ok(3)
    }

    async fn pay(&mut self) -> anyhow::Result<()> {
        self.at(14);
        let round = self.app.allocation_round(&self.officer, &ctx(), true, None).await?;
        let batch = self.app.propose_batch(&self.officer, &ctx(), round.id.unwrap_or_default(), None).await?;
        self.at(13);
        self.app.approve_batch(&self.treasurer, &ctx(), batch.id).await?;
        if self.app.settings.fund.bank_account.is_none() {
            return Ok(());
        }
        self.app.export_batch(&self.treasurer, &ctx(), batch.id).await?;
        self.at(10);
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
        self.app.record_bank_results(&self.treasurer, &ctx(), batch.id, results).await?;
        self.at(8);
        self.fund("income:donations", 500, "Donación de cooperación internacional").await?;
        self.at(3);
        if let Ok(round) = self.app.allocation_round(&self.officer, &ctx(), true, None).await {
            self.app.propose_batch(&self.officer, &ctx(), round.id.unwrap_or_default(), None).await?;
        }
        Ok(())
    }
}
