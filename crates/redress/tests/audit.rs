//! The audit trail against an insider with database access, through the real binary: a rollback
//! (newest entries deleted together with the stored head) and a rewrite (an entry changed and
//! every later hash recomputed) pass the hash chain alone but fail against signed checkpoints;
//! an export verifies offline with the public key alone; the server signs checkpoints and posts
//! them to an outside party, retrying; and on PostgreSQL it warns when its role could rewrite
//! the trail.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redress_app::settings::Engine;
use redress_app::Store;
use redress_domain::audit::entry_hash;
use redress_store::testing::{drop_audit_guards, TestDatabase};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_redress");
const PASSWORD: &str = "Clave-De-Prueba-2026\n";

/// A `redress` command in `folder` with a clean environment.
fn redress(folder: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command.current_dir(folder).kill_on_drop(true);
    for (key, _) in std::env::vars() {
        if key.starts_with("REDRESS_") {
            command.env_remove(key);
        }
    }
    command
}

async fn run(mut command: Command, stdin: &str) -> Output {
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("start redress");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("redress finished")
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

fn temporary_folder() -> PathBuf {
    let folder = std::env::temp_dir().join(format!("redress-audit-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// A folder, a database with a few audited users, and a command builder for both.
struct Setting {
    folder: PathBuf,
    database: TestDatabase,
}

impl Setting {
    async fn new(database: TestDatabase) -> Setting {
        let setting = Setting { folder: temporary_folder(), database };
        assert!(run(setting.command(&["init"]), "").await.status.success());
        for name in ["ana", "beto", "carla", "dario"] {
            let added = setting.command(&[
                "user",
                "add",
                "--username",
                name,
                "--role",
                "analyst",
                "--password-stdin",
            ]);
            assert!(run(added, PASSWORD).await.status.success());
        }
        setting
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = redress(&self.folder);
        command.args(args).args(["--database-url", &self.database.url]);
        command
    }

    /// `audit verify`, with the checkpoint folder moved elsewhere when `checkpoints` is false:
    /// the verification there is the hash chain alone, as before checkpoints existed.
    async fn verify(&self, checkpoints: bool) -> Output {
        let mut command = self.command(&["audit", "verify"]);
        if !checkpoints {
            command.env("REDRESS_SECURITY__AUDIT_CHECKPOINT_DIR", self.folder.join("no-checkpoints"));
        }
        run(command, "").await
    }

    async fn checkpoint(&self) -> (i64, String) {
        let signed = run(self.command(&["audit", "checkpoint"]), "").await;
        assert!(signed.status.success(), "{}", text(&signed.stderr));
        let store = self.database.open().await;
        let head = store.read().await.unwrap().audit_head().await.unwrap().unwrap();
        store.close().await;
        let file = std::fs::read_dir(self.folder.join("redress-data/checkpoints"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().to_string())
            .find(|name| name.starts_with(&format!("checkpoint-{:012}-", head.0)))
            .expect("a checkpoint file for the head");
        (head.0, file)
    }
}

impl Drop for Setting {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

async fn execute(store: &redress_store::SqlStore, sql: &str) {
    sqlx::query(sql).execute(store.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn a_rollback_with_the_head_is_caught_by_a_checkpoint(database: TestDatabase) {
    let setting = Setting::new(database).await;
    let (signed_seq, file) = setting.checkpoint().await;
    let intact = setting.verify(true).await;
    assert!(intact.status.success(), "{}", text(&intact.stdout));
    assert!(text(&intact.stdout).contains("1 signed checkpoints match"), "{}", text(&intact.stdout));

    // The insider drops the triggers, deletes the two newest entries and moves the head back.
    let store = setting.database.open().await;
    let kept = signed_seq - 2;
    let kept_hash = store.read().await.unwrap().audit_from(kept, 1).await.unwrap()[0].hash.clone();
    drop_audit_guards(&store).await;
    execute(&store, &format!("DELETE FROM audit_log WHERE seq > {kept}")).await;
    execute(&store, &format!("UPDATE audit_head SET seq = {kept}, hash = '{kept_hash}' WHERE id = 1")).await;
    store.close().await;

    let chain_only = setting.verify(false).await;
    assert!(chain_only.status.success(), "the chain alone cannot see it: {}", text(&chain_only.stdout));
    let caught = setting.verify(true).await;
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught.stdout));
    let report = text(&caught.stdout);
    assert!(report.contains(&format!("BROKEN at entry {signed_seq}")), "{report}");
    assert!(report.contains(&file) && report.contains(&format!("ends at entry {kept}")), "{report}");
}

async fn a_rewrite_with_recomputed_hashes_is_caught_by_a_checkpoint(database: TestDatabase) {
    let setting = Setting::new(database).await;
    let (signed_seq, file) = setting.checkpoint().await;

    // The insider changes who created user 3 and recomputes every later hash and the head.
    let store = setting.database.open().await;
    let mut records = store.read().await.unwrap().audit_from(1, 100).await.unwrap();
    drop_audit_guards(&store).await;
    let rewritten = 3usize;
    records[rewritten - 1].event.actor = "someone-else".to_string();
    for index in rewritten - 1..records.len() {
        let prev_hash =
            if index == 0 { records[0].prev_hash.clone() } else { records[index - 1].hash.clone() };
        let hash = entry_hash(records[index].seq, &records[index].event, &prev_hash);
        let record = &mut records[index];
        record.prev_hash = prev_hash;
        record.hash = hash;
        sqlx::query("UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3 WHERE seq = $4")
            .bind(record.event.actor.clone())
            .bind(record.prev_hash.clone())
            .bind(record.hash.clone())
            .bind(record.seq)
            .execute(store.pool())
            .await
            .unwrap();
    }
    let last = records.last().unwrap();
    execute(
        &store,
        &format!("UPDATE audit_head SET seq = {}, hash = '{}' WHERE id = 1", last.seq, last.hash),
    )
    .await;
    store.close().await;

    let chain_only = setting.verify(false).await;
    assert!(chain_only.status.success(), "the chain alone cannot see it: {}", text(&chain_only.stdout));
    let caught = setting.verify(true).await;
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught.stdout));
    let report = text(&caught.stdout);
    assert!(report.contains(&format!("BROKEN at entry {signed_seq}")) && report.contains(&file), "{report}");
    assert!(report.contains("rewritten"), "{report}");
}

async fn an_export_verifies_offline_with_the_public_key_alone(database: TestDatabase) {
    let setting = Setting::new(database).await;
    setting.checkpoint().await;
    let export = setting.folder.join("trail.jsonl");
    let exported = run(setting.command(&["audit", "export", "--out", export.to_str().unwrap()]), "").await;
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let key = text(&run(setting.command(&["audit", "public-key"]), "").await.stdout).trim().to_string();
    assert_eq!(key.len(), 64);

    // A third party: another folder, no database, no configuration.
    let elsewhere = temporary_folder();
    let verify = |file: &Path, key: &str| {
        let mut command = redress(&elsewhere);
        command.args(["audit", "verify-export", file.to_str().unwrap(), "--public-key", key]);
        command
    };
    let intact = run(verify(&export, &key), "").await;
    assert!(intact.status.success(), "{}{}", text(&intact.stdout), text(&intact.stderr));
    assert!(text(&intact.stdout).contains("export intact: "), "{}", text(&intact.stdout));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0, "verifying an export touches nothing");

    let original = std::fs::read_to_string(&export).unwrap();
    let tampered = setting.folder.join("tampered.jsonl");
    std::fs::write(
        &tampered,
        original.replacen("\"action\":\"user.create\"", "\"action\":\"user.delete\"", 1),
    )
    .unwrap();
    let broken = run(verify(&tampered, &key), "").await;
    assert_eq!(broken.status.code(), Some(1));
    assert!(text(&broken.stdout).contains("BROKEN at entry"), "{}", text(&broken.stdout));

    let lines: Vec<&str> = original.lines().collect();
    let truncated = setting.folder.join("truncated.jsonl");
    std::fs::write(&truncated, lines[..lines.len() - 2].join("\n")).unwrap();
    let cut = run(verify(&truncated, &key), "").await;
    assert_eq!(cut.status.code(), Some(1));
    assert!(text(&cut.stdout).contains("removed"), "{}", text(&cut.stdout));

    let stranger = "11".repeat(32);
    let wrong_key = run(verify(&export, &stranger), "").await;
    assert_ne!(wrong_key.status.code(), Some(0), "{}", text(&wrong_key.stdout));
    let _ = std::fs::remove_dir_all(&elsewhere);
}

on_both_engines!(
    a_rollback_with_the_head_is_caught_by_a_checkpoint,
    a_rewrite_with_recomputed_hashes_is_caught_by_a_checkpoint,
    an_export_verifies_offline_with_the_public_key_alone,
);

/// A listener that answers 503 to the first request and 200 after; records each body.
async fn outside_party() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/checkpoints", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let received = bodies.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            // Read headers and a body of Content-Length bytes.
            let body = loop {
                let Ok(read) = socket.read(&mut buffer).await else { break None };
                if read == 0 {
                    break None;
                }
                request.extend_from_slice(&buffer[..read]);
                let head_end = request.windows(4).position(|w| w == b"\r\n\r\n");
                if let Some(end) = head_end {
                    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break Some(String::from_utf8_lossy(&request[end + 4..end + 4 + length]).to_string());
                    }
                }
            };
            let Some(body) = body else { continue };
            let first = {
                let mut bodies = received.lock().unwrap();
                bodies.push(body);
                bodies.len() == 1
            };
            let status = if first { "503 Service Unavailable" } else { "200 OK" };
            let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    (url, bodies)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_signs_checkpoints_and_sends_them_again_after_a_refusal() {
    let folder = temporary_folder();
    let (url, bodies) = outside_party().await;
    let mut command = redress(&folder);
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("REDRESS_SECURITY__AUDIT_CHECKPOINT_INTERVAL_SECONDS", "1")
        .env("REDRESS_SECURITY__AUDIT_CHECKPOINT_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let delivered = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if bodies.lock().unwrap().len() >= 2 {
                return bodies.lock().unwrap().clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the checkpoint was sent again after the refusal");
    let _ = child.kill().await;
    let first: serde_json::Value = serde_json::from_str(&delivered[0]).unwrap();
    let second: serde_json::Value = serde_json::from_str(&delivered[1]).unwrap();
    assert_eq!(first, second, "the refused checkpoint is the one sent again");
    assert_eq!(first["format"], "redress-audit-checkpoint-v1");
    let file = folder.join("redress-data/checkpoints").join(format!(
        "checkpoint-{:012}-{}.json",
        first["seq"].as_i64().unwrap(),
        first["at_unix_micros"].as_i64().unwrap()
    ));
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(stored, first, "what was sent is what the folder holds");
    let _ = std::fs::remove_dir_all(&folder);
}

/// Starts `serve` with this database URL; returns its log (stderr) once it listens, and the child.
async fn serve_and_read_log(folder: &Path, url: &str) -> (String, tokio::process::Child) {
    let mut command = redress(folder);
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
        .env("REDRESS_LOGGING__FORMAT", "text")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("listening on") {
                return;
            }
        }
        panic!("serve stopped before listening");
    })
    .await
    .expect("serve started");
    let _ = child.kill().await;
    let mut log = String::new();
    child.stderr.take().unwrap().read_to_string(&mut log).await.unwrap();
    (log, child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_role_that_could_rewrite_the_trail_is_warned_about_and_the_documented_grants_work() {
    let Some(database) = TestDatabase::of(Engine::Postgres).await else {
        eprintln!("skipped: REDRESS_TEST_POSTGRES_URL is not set");
        return;
    };
    let folder = temporary_folder();
    let (owner_log, _) = serve_and_read_log(&folder, &database.url).await;
    assert!(
        owner_log.contains("owns the audit tables")
            && owner_log.contains("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log"),
        "{owner_log}"
    );

    // The grants of docs/security.md, for a role of this test's own.
    let role = format!("redress_app_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let store = database.open().await;
    for statement in [
        format!("CREATE ROLE {role} LOGIN PASSWORD 'app-password'"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role}"),
        format!("REVOKE DELETE, TRUNCATE ON audit_head FROM {role}"),
    ] {
        execute(&store, &statement).await;
    }
    let (scheme, rest) = database.url.split_once("://").unwrap();
    let host_and_path = rest.split_once('@').map_or(rest, |(_, after)| after);
    let app_url = format!("{scheme}://{role}:app-password@{host_and_path}");
    let added = {
        let mut command = redress(&folder);
        command.args([
            "user",
            "add",
            "--username",
            "ana",
            "--role",
            "analyst",
            "--password-stdin",
            "--database-url",
            &app_url,
        ]);
        run(command, PASSWORD).await
    };
    assert!(added.status.success(), "the restricted role can work: {}", text(&added.stderr));
    assert!(!text(&added.stderr).contains("REVOKE"), "{}", text(&added.stderr));
    let app_pool = sqlx::PgPool::connect(&app_url).await.unwrap();
    let refused = sqlx::query("DELETE FROM audit_log").execute(&app_pool).await.unwrap_err();
    assert!(refused.to_string().contains("permission denied"), "{refused}");
    app_pool.close().await;
    let mut command = redress(&folder);
    command.args(["audit", "verify", "--database-url", &app_url]);
    assert!(run(command, "").await.status.success());
    execute(&store, &format!("DROP OWNED BY {role}")).await;
    execute(&store, &format!("DROP ROLE {role}")).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&folder);
}
