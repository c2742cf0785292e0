//! The demo as the README tells a newcomer to start it: `redress serve --demo` seeds a
//! throwaway database with a synthetic country and prints working credentials; `redress demo
//! seed` fills an empty database and refuses one that has victims.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_redress");

fn folder() -> PathBuf {
    let folder = std::env::temp_dir().join(format!("redress-demo-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn redress(folder: &PathBuf) -> Command {
    let mut command = Command::new(BINARY);
    command.current_dir(folder).kill_on_drop(true);
    for (key, _) in std::env::vars() {
        if key.starts_with("REDRESS_") {
            command.env_remove(key);
        }
    }
    command
}

async fn token(url: &str, username: &str, password: &str) -> String {
    let response: Value = reqwest::Client::new()
        .post(format!("{url}/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["token"].as_str().unwrap_or_else(|| panic!("login as {username}: {response}")).to_string()
}

async fn get(url: &str, path: &str, token: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_seeds_a_country_and_prints_working_credentials() {
    let cwd = folder();
    let mut command = redress(&cwd);
    command
        .args(["serve", "--demo", "--victims", "40", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("start redress serve --demo");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut password = None;
    let url = tokio::time::timeout(Duration::from_secs(300), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("(contraseña / password: ").nth(1) {
                password = Some(rest.trim_end_matches("):").to_string());
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
    let password = password.expect("the demo users' password is printed");
    assert!(!cwd.join("redress-data").exists(), "a demo never writes into the working folder");

    let officer = token(&url, "oficial", &password).await;
    let claims = get(&url, "/api/v1/claims?limit=500", &officer).await;
    let mut states: Vec<String> = claims["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["state"].as_str().unwrap().to_string())
        .collect();
    states.sort();
    states.dedup();
    for state in ["paid", "received", "in_batch"] {
        assert!(states.contains(&state.to_string()), "claims {state}: {states:?}");
    }
    let batches = get(&url, "/api/v1/batches", &officer).await;
    let batch_states: Vec<&str> =
        batches.as_array().unwrap().iter().map(|b| b["state"].as_str().unwrap()).collect();
    assert!(batch_states.contains(&"closed") && batch_states.contains(&"proposed"), "{batch_states:?}");
    let pipeline = get(&url, "/api/v1/assets/pipeline", &officer).await;
    assert!(pipeline.to_string().contains("sold"), "assets at several states: {pipeline}");
    // Every role can log in, and the fund's books balance.
    for user in
        ["tesorera", "auditora", "analista", "cem.lima", "cem.tumbes", "fiscal", "secretario", "bienes"]
    {
        token(&url, user, &password).await;
    }
    // The analyst sees aggregates only, with every small group suppressed.
    let analyst = token(&url, "analista", &password).await;
    let stats = get(&url, "/api/v1/statistics", &analyst).await;
    let mut cells = 0;
    for table in stats["victims"].as_array().unwrap().iter().chain(stats["claims"].as_array().unwrap()) {
        for cell in table["cells"].as_array().unwrap() {
            cells += 1;
            assert!(cell["count"].is_null() || cell["count"].as_u64().unwrap() >= 11, "{cell}");
        }
    }
    assert!(cells > 10 && stats.to_string().contains("null"), "some cells are suppressed: {stats}");
    assert!(!stats.to_string().contains("V-20"), "no victim codes");
    let auditor = token(&url, "auditora", &password).await;
    assert_eq!(get(&url, "/api/v1/ledger/verify", &auditor).await["balanced"], true);
    assert_eq!(get(&url, "/api/v1/audit/verify", &auditor).await["intact"], true);
    let _ = child.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_seed_fills_an_empty_database_only() {
    let cwd = folder();
    let first = redress(&cwd).args(["demo", "seed", "--victims", "12"]).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{stdout}{}", String::from_utf8_lossy(&first.stderr));
    assert!(stdout.contains("12 víctimas / victims"), "{stdout}");
    let again = redress(&cwd).args(["demo", "seed", "--victims", "12"]).output().await.unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has victims"));
}
