//! kill -9 at a random instant, on both engines: the real `redress serve` is killed while it
//! applies a batch of 200 ledger transfers and registers a victim (both sent with an
//! `Idempotency-Key`), and while it records a bank's status report on a mixed batch; and
//! `redress import cases` is killed while it imports a file. After a
//! restart, every retry with the same key gets a real answer within the lease (never a key
//! stuck for a day), the victim exists exactly once, every transfer exactly once, the ledger,
//! the audit chain and the money agree with the records, and the import is all or nothing and
//! then imports once.

mod common;

use std::time::{Duration, Instant};

use common::binary::{login, redress, run, serve, temporary_folder, Served};
use common::world::{e2e, report, world};
use common::USER_PASSWORD;
use redress_app::store::Store;
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    a_server_killed_mid_request_answers_every_retry_and_applies_once,
    a_server_killed_mid_bank_report_answers_the_retry_and_keeps_the_money_right,
    an_import_killed_midway_is_all_or_nothing,
);

/// The lease a dead request's key is held for: the request timeout (1 s here) and a margin.
const LEASE: Duration = Duration::from_secs(1 + 5);
const TRIALS: u64 = 5;
const TRANSFERS: usize = 200;

async fn start(folder: &std::path::Path, url: &str) -> Served {
    let mut command = redress(folder);
    command.args(["--database-url", url]).env("REDRESS_SERVER__REQUEST_TIMEOUT_SECONDS", "1");
    serve(command).await
}

async fn token(url: &str, username: &str, password: &str) -> String {
    let session: Value = login(url, username, password).await.json().await.unwrap();
    session["token"].as_str().expect("a token").to_string()
}

async fn post(url: &str, token: &str, path: &str, key: Option<&str>, body: &Value) -> Option<(u16, Value)> {
    let mut request = reqwest::Client::new().post(format!("{url}{path}")).bearer_auth(token).json(body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.ok()?;
    let status = response.status().as_u16();
    Some((status, response.json().await.unwrap_or(Value::Null)))
}

/// Retries until the answer is not "still being processed"; returns it.
async fn retry(url: &str, token: &str, path: &str, key: &str, body: &Value) -> (u16, Value) {
    let deadline = Instant::now() + LEASE + Duration::from_secs(10);
    loop {
        let (status, answer) =
            post(url, token, path, Some(key), body).await.expect("the restarted server answers");
        let in_progress = status == 409 && answer["type"] == "urn:redress:problem:conflict";
        if !in_progress {
            return (status, answer);
        }
        assert!(Instant::now() < deadline, "{path}: the key is still held after its lease: {answer}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A pseudo-random delay in `0..max` (the trial number and the clock as seed), printed so that a
/// failure can be told apart.
fn delay(trial: u64, max: Duration) -> Duration {
    let clock = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    // splitmix64 of the clock, the process and the trial
    let mut z = (clock.as_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32))
        .wrapping_add(trial.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    max.mul_f64((z % 1_000) as f64 / 1_000.0)
}

fn victim(trial: u64) -> Value {
    json!({"given_names": "Lucía", "surnames": format!("Quispe {}", ["Alva", "Bravo", "Cruz", "Díaz", "Espinoza", "Flores"][trial as usize % 6]), "document_type": "dni",
        "document_number": format!("7{trial:07}"), "birth_date": "1999-02-11", "sex": "female",
        "nationality": "PE", "consent": true, "region": "Tumbes", "exploitation": "labour"})
}

fn transfers(trial: u64) -> Value {
    let items: Vec<Value> = (0..TRANSFERS)
        .map(|i| {
            json!({"id": format!("00000000-0000-4000-8000-{:06}{:06}", trial, i), "debit_account": "assets:bank:fund",
                "credit_account": "income:budget", "amount": "1.00", "currency": "PEN", "memo": "Aporte"})
        })
        .collect();
    json!({"transfers": items})
}

/// A GET answered with JSON.
async fn get_json(url: &str, token: &str) -> Value {
    reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

/// The ledger, the audit chain and the money against the records.
async fn verified(url: &str, token: &str) {
    let check: Value = get_json(&format!("{url}/api/v1/verify"), token).await;
    assert_eq!(check["intact"], true, "{check}");
}

/// How many victims carry trial `trial`'s document.
async fn victims(url: &str, token: &str, trial: u64) -> usize {
    let listed: Value =
        get_json(&format!("{url}/api/v1/victims?document_type=dni&document_number=7{trial:07}"), token).await;
    listed["codes"].as_array().map(Vec::len).unwrap_or(0)
}

async fn fund_balance(url: &str, token: &str) -> String {
    let listed: Value = get_json(&format!("{url}/api/v1/ledger/accounts?limit=500"), token).await;
    let accounts = listed["items"].as_array().or(listed.as_array()).cloned().unwrap_or_default();
    let fund = accounts.iter().find(|a| a["name"] == "assets:bank:fund").expect("the fund's bank account");
    fund["posted"].as_str().unwrap().to_string()
}

async fn a_server_killed_mid_bank_report_answers_the_retry_and_keeps_the_money_right(database: TestDatabase) {
    // The payments world (three approved claims, an exported mixed batch) is built in-process;
    // its data keys are saved where `redress serve` looks for them, and the real server then
    // runs on the same database (the in-process one stays idle).
    let w = world(database).await;
    let folder = temporary_folder();
    let keys = folder.join(redress_app::Settings::default().keys_path());
    std::fs::create_dir_all(keys.parent().unwrap()).unwrap();
    w.server.app.keys.as_ref().expect("the test server's data keys").save(&keys).unwrap();
    let mut server = start(&folder, &w.server.database.url).await;
    let path = format!("/api/v1/batches/{}/status-report", w.batch);
    let send = |url: String, key: String, xml: String| {
        let token = w.treasurer.clone();
        let path = path.clone();
        async move {
            let response = reqwest::Client::new()
                .post(format!("{url}{path}"))
                .bearer_auth(token)
                .header("content-type", "application/xml")
                .header("idempotency-key", key)
                .body(xml)
                .send()
                .await
                .ok()?;
            let status = response.status().as_u16();
            Some((status, response.json::<Value>().await.unwrap_or(Value::Null)))
        }
    };
    let trf = format!("B{}-TRF", w.batch);
    let chq = format!("B{}-CHQ", w.batch);
    let (ana, berta, carla) =
        (e2e(&w, "Ana").to_string(), e2e(&w, "Berta").to_string(), e2e(&w, "Carla").to_string());
    let reports = [
        report(&w, "K1", None, &[(trf.as_str(), None, &[(ana.as_str(), "ACSC")])]),
        report(&w, "K2", None, &[(trf.as_str(), None, &[(carla.as_str(), "RJCT")])]),
        report(&w, "K3", None, &[(chq.as_str(), Some(("ACSC", None)), &[])]),
    ];
    let expected = [(&ana, "accepted"), (&carla, "rejected"), (&berta, "accepted")];
    let started = Instant::now();
    let _ = send(server.url.clone(), "probe".into(), "<Document/>".into()).await;
    let window = started.elapsed().max(Duration::from_millis(5));
    for (trial, (xml, (line, state))) in reports.iter().zip(expected).enumerate() {
        let key = format!("report-{trial}");
        let in_flight = tokio::spawn(send(server.url.clone(), key.clone(), xml.clone()));
        let wait = delay(trial as u64, window * 2);
        tokio::time::sleep(wait).await;
        server.child.start_kill().unwrap();
        server.child.wait().await.unwrap();
        let before = in_flight.await.unwrap().map(|a| a.0);
        eprintln!("report trial {trial}: killed after {wait:?}; answer before the kill: {before:?}");
        server = start(&folder, &w.server.database.url).await;
        let deadline = Instant::now() + LEASE + Duration::from_secs(10);
        let (status, answer) = loop {
            let (status, answer) =
                send(server.url.clone(), key.clone(), xml.clone()).await.expect("an answer");
            if !(status == 409 && answer["type"] == "urn:redress:problem:conflict") {
                break (status, answer);
            }
            assert!(Instant::now() < deadline, "trial {trial}: the key is still held: {answer}");
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        assert!(
            status == 200 || (status == 409 && answer["type"] == "urn:redress:problem:idempotency-applied"),
            "report trial {trial}: {status} {answer}"
        );
        let batch: Value =
            get_json(&format!("{}/api/v1/batches/{}", server.url, w.batch), &w.treasurer).await;
        let found =
            batch["lines"].as_array().unwrap().iter().find(|l| l["end_to_end_id"] == line.as_str()).cloned();
        assert_eq!(found.unwrap()["status"], state, "report trial {trial}: the report applied exactly once");
        verified(&server.url, &w.officer).await;
    }
    drop(server);
    std::fs::remove_dir_all(&folder).unwrap();
}

/// An institution and two users (victim services; fund officer), made by the administrator.
async fn staff(url: &str, admin: &str) {
    let created =
        post(url, admin, "/api/v1/institutions", None, &json!({"name": "CEM Tumbes", "kind": "ministry"}))
            .await
            .unwrap();
    assert_eq!(created.0, 201, "{}", created.1);
    for (username, role) in [("cem", "victim_services"), ("oficial", "fund_officer")] {
        let body = json!({"username": username, "institution_id": created.1["id"], "roles": [role], "password": USER_PASSWORD});
        let (status, answer) = post(url, admin, "/api/v1/users", None, &body).await.unwrap();
        assert_eq!(status, 201, "{answer}");
    }
}

async fn a_server_killed_mid_request_answers_every_retry_and_applies_once(database: TestDatabase) {
    let folder = temporary_folder();
    let mut server = start(&folder, &database.url).await;
    let admin = token(&server.url, "admin", server.admin_password.as_deref().unwrap()).await;
    staff(&server.url, &admin).await;
    // How long the two requests take when nothing happens: kills land inside that window.
    let cem = token(&server.url, "cem", USER_PASSWORD).await;
    let fondo = token(&server.url, "oficial", USER_PASSWORD).await;
    post(&server.url, &fondo, "/api/v1/ledger/transfers/batch", Some("cold"), &transfers(98)).await.unwrap();
    let started = Instant::now();
    post(&server.url, &fondo, "/api/v1/ledger/transfers/batch", Some("warm"), &transfers(99)).await.unwrap();
    let window = started.elapsed().max(Duration::from_millis(20));
    for trial in 0..TRIALS {
        let (url, cem_token, fondo_token) = (server.url.clone(), cem.clone(), fondo.clone());
        let key = format!("crash-{trial}");
        let in_flight = tokio::spawn({
            let (url, key) = (url.clone(), key.clone());
            async move {
                let (victim_key, transfers_key) = (format!("{key}-v"), format!("{key}-t"));
                let (victim_body, transfers_body) = (victim(trial), transfers(trial));
                let v = post(&url, &cem_token, "/api/v1/victims", Some(&victim_key), &victim_body);
                let t = post(
                    &url,
                    &fondo_token,
                    "/api/v1/ledger/transfers/batch",
                    Some(&transfers_key),
                    &transfers_body,
                );
                tokio::join!(v, t)
            }
        });
        let wait = delay(trial, window);
        tokio::time::sleep(wait).await;
        server.child.start_kill().unwrap(); // SIGKILL
        server.child.wait().await.unwrap();
        let before_kill = in_flight.await.unwrap();
        eprintln!(
            "trial {trial}: killed after {wait:?}; answers before the kill: {:?} {:?}",
            before_kill.0.as_ref().map(|a| a.0),
            before_kill.1.as_ref().map(|a| a.0)
        );

        server = start(&folder, &database.url).await;
        let cem = token(&server.url, "cem", USER_PASSWORD).await;
        let fondo_now = token(&server.url, "oficial", USER_PASSWORD).await;
        let (v_status, v_answer) =
            retry(&server.url, &cem, "/api/v1/victims", &format!("{key}-v"), &victim(trial)).await;
        assert!(
            v_status == 201
                || (v_status == 409 && v_answer["type"] == "urn:redress:problem:idempotency-applied"),
            "trial {trial}: victim retry answered {v_status} {v_answer}"
        );
        let (t_status, t_answer) = retry(
            &server.url,
            &fondo_now,
            "/api/v1/ledger/transfers/batch",
            &format!("{key}-t"),
            &transfers(trial),
        )
        .await;
        assert!(
            (200..300).contains(&t_status)
                || (t_status == 409 && t_answer["type"] == "urn:redress:problem:idempotency-applied"),
            "trial {trial}: transfer retry answered {t_status} {t_answer}"
        );
        if (200..300).contains(&t_status) {
            // A second retry is a replay of the same answer.
            let (again, answer) = retry(
                &server.url,
                &fondo_now,
                "/api/v1/ledger/transfers/batch",
                &format!("{key}-t"),
                &transfers(trial),
            )
            .await;
            assert_eq!((again, &answer), (t_status, &t_answer), "trial {trial}");
        }
        assert_eq!(
            victims(&server.url, &cem, trial).await,
            1,
            "trial {trial}: the victim exists exactly once"
        );
        let expected_balance = format!("{}.00", TRANSFERS as u64 * (trial + 3));
        assert_eq!(
            fund_balance(&server.url, &fondo_now).await,
            expected_balance,
            "trial {trial}: every transfer once"
        );
        verified(&server.url, &fondo_now).await;
    }
    drop(server);
    std::fs::remove_dir_all(&folder).unwrap();
}

const ROWS: usize = 1_500;
const HEADER: &str = "prosecutor_file,jurisdiction,offences,reported_on,stage,stage_on,defendants,victim,judged_on,court,final_on,payment_deadline,unpaid_wages,moral_damage,paid_by_debtors,insolvency_on,insolvency_basis";

/// A cases file of `ROWS` cases under investigation, numbered under `prefix`.
fn cases_file(prefix: &str) -> String {
    let mut csv = format!("{HEADER}\n");
    for row in 0..ROWS {
        csv.push_str(&format!(
            "FPT-{prefix}-{row:05},Lima,129-N,2023-05-05,investigation,2023-06-01,,,,,,,,,,,\n"
        ));
    }
    csv
}

/// How many of the file's first, middle and last cases exist.
async fn imported(database: &TestDatabase, prefix: &str) -> usize {
    let store = database.open().await;
    let mut tx = store.read().await.unwrap();
    let mut found = 0;
    for row in [0, ROWS / 2, ROWS - 1] {
        if tx.case_by_prosecutor_file(&format!("FPT-{prefix}-{row:05}")).await.unwrap().is_some() {
            found += 1;
        }
    }
    found
}

async fn an_import_killed_midway_is_all_or_nothing(database: TestDatabase) {
    let folder = temporary_folder();
    let server = start(&folder, &database.url).await;
    let admin = token(&server.url, "admin", server.admin_password.as_deref().unwrap()).await;
    let court = post(
        &server.url,
        &admin,
        "/api/v1/institutions",
        None,
        &json!({"name": "Juzgado de Lima", "kind": "court"}),
    )
    .await
    .unwrap();
    let body = json!({"username": "secretario", "institution_id": court.1["id"], "roles": ["court_clerk"], "password": USER_PASSWORD});
    assert_eq!(post(&server.url, &admin, "/api/v1/users", None, &body).await.unwrap().0, 201);
    drop(server);
    let import = |prefix: &str| {
        let file = folder.join(format!("{prefix}.csv"));
        std::fs::write(&file, cases_file(prefix)).unwrap();
        let mut command = redress(&folder);
        command.args([
            "import",
            "cases",
            "--as",
            "secretario",
            file.to_str().unwrap(),
            "--database-url",
            &database.url,
        ]);
        command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        command
    };
    let started = Instant::now();
    let whole = run(import("W"), "").await;
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    let window = started.elapsed();
    assert_eq!(imported(&database, "W").await, 3);
    for trial in 0..TRIALS {
        let prefix = format!("K{trial}");
        let mut child = import(&prefix).spawn().unwrap();
        let wait = delay(trial, window);
        tokio::time::sleep(wait).await;
        child.start_kill().unwrap();
        let status = child.wait().await.unwrap();
        let found = imported(&database, &prefix).await;
        eprintln!("trial {trial}: killed after {wait:?} ({status}); {found} of 3 sampled cases there");
        assert!(
            found == 0 || found == 3,
            "trial {trial}: a killed import left part of its file ({found} of 3)"
        );
        let again = run(import(&prefix), "").await;
        if found == 0 {
            assert!(again.status.success(), "trial {trial}: {}", String::from_utf8_lossy(&again.stderr));
        } else {
            assert!(!again.status.success(), "trial {trial}: a file imported twice");
        }
        assert_eq!(imported(&database, &prefix).await, 3, "trial {trial}");
    }
    std::fs::remove_dir_all(&folder).unwrap();
}
