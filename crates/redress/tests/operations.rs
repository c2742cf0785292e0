//! `redress backup` and `redress restore` as an operator runs them: an online copy of the
//! SQLite database, restored only after the copy is checked (data keys, ledger, audit chain,
//! money), never over a non-empty database without --force, and on PostgreSQL an explanation
//! of pg_dump with a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::Output;

const BINARY: &str = env!("CARGO_BIN_EXE_redress");

fn folder(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("redress-ops-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn redress(folder: &Path, args: &[&str]) -> Output {
    let mut command = std::process::Command::new(BINARY);
    command.current_dir(folder).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("REDRESS_") {
            command.env_remove(key);
        }
    }
    command.output().expect("run redress")
}

fn says(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn copy_keys(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("redress-data")).unwrap();
    for file in ["keys.json", "audit-signing.key"] {
        std::fs::copy(from.join("redress-data").join(file), to.join("redress-data").join(file)).unwrap();
    }
}

#[test]
fn a_backup_is_restored_only_after_it_is_verified() {
    let live = folder("live");
    let seeded = redress(&live, &["demo", "seed", "--victims", "8"]);
    assert!(seeded.status.success(), "{}", says(&seeded));
    let backup = live.join("copia.db");
    let made = redress(&live, &["backup", "copia.db"]);
    assert!(made.status.success(), "{}", says(&made));
    assert!(says(&made).contains("keys.json"), "the key files are named, to back up separately");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = redress(&live, &["backup", "copia.db"]);
    assert_eq!(again.status.code(), Some(1), "an existing file is never overwritten");
    // A folder that does not exist yet is made, owner-only.
    let dated = redress(&live, &["backup", "copias/2026/redress-2026-12-01.db"]);
    assert!(dated.status.success(), "{}", says(&dated));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(live.join("copias")).unwrap().permissions().mode() & 0o777, 0o700);
    }

    // Over the live, non-empty database: only with --force, and the old one is kept.
    let refused = redress(&live, &["restore", "copia.db"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(says(&refused).contains("--force"), "{}", says(&refused));
    let forced = redress(&live, &["restore", "copia.db", "--force"]);
    assert!(forced.status.success(), "{}", says(&forced));
    assert!(says(&forced).contains("audit chain intact"), "{}", says(&forced));
    let kept = std::fs::read_dir(live.join("redress-data"))
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().starts_with("redress.db.replaced-"));
    assert!(kept, "the replaced database is kept beside");

    // On a new machine: with the keys restored first, the copy is verified and works.
    let fresh = folder("fresh");
    let missing = redress(&fresh, &["restore", backup.to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(says(&missing).contains("data key file"), "{}", says(&missing));
    assert!(!fresh.join("redress-data/redress.db").exists(), "nothing was created");
    copy_keys(&live, &fresh);
    let restored = redress(&fresh, &["restore", backup.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", says(&restored));
    let verified = redress(&fresh, &["verify"]);
    assert!(verified.status.success(), "{}", says(&verified));

    // Other keys do not open the copy: refused, nothing changed.
    let stranger = folder("stranger");
    assert!(redress(&stranger, &["init"]).status.success());
    std::fs::remove_file(stranger.join("redress-data/redress.db")).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(stranger.join(format!("redress-data/redress.db{suffix}")));
    }
    let wrong = redress(&stranger, &["restore", backup.to_str().unwrap()]);
    assert_eq!(wrong.status.code(), Some(1), "{}", says(&wrong));
    assert!(says(&wrong).contains("failed verification"), "{}", says(&wrong));
    assert!(!stranger.join("redress-data/redress.db").exists());

    let not_a_backup = live.join("notes.txt");
    std::fs::write(&not_a_backup, "hola").unwrap();
    let refused = redress(&live, &["restore", "notes.txt", "--force"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(says(&refused).contains("not an SQLite backup"));
    for folder in [live, fresh, stranger] {
        let _ = std::fs::remove_dir_all(folder);
    }
}

#[test]
fn postgres_is_backed_up_with_pg_dump() {
    let folder = folder("pg");
    let url = "postgres://postgres@127.0.0.1:1/none";
    for args in [["backup", "x.dump"], ["restore", "x.dump"]] {
        let output = redress(&folder, &[args[0], args[1], "--database-url", url]);
        assert_eq!(output.status.code(), Some(1));
        assert!(
            says(&output).contains("pg_dump") && says(&output).contains("pg_restore"),
            "{}",
            says(&output)
        );
    }
    let _ = std::fs::remove_dir_all(folder);
}

/// A new fund's server says at start-up what it lacks before a first payment.
#[test]
fn start_up_says_what_a_first_payment_needs() {
    use std::io::{BufRead, BufReader, Read};
    let folder = folder("start");
    let mut command = std::process::Command::new(BINARY);
    command.current_dir(&folder).args(["serve", "--listen", "127.0.0.1:0"]);
    for (key, _) in std::env::vars() {
        if key.starts_with("REDRESS_") {
            command.env_remove(key);
        }
    }
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start redress serve");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        if line.unwrap().contains("listening on") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut log = String::new();
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(log.contains("before the first payment the fund needs"), "{log}");
    for what in ["bank account", "money in the fund", "fund policy"] {
        assert!(log.contains(what), "{what}: {log}");
    }
    let _ = std::fs::remove_dir_all(folder);
}

/// `serve --demo` removes its temporary folder when it stops.
#[cfg(unix)]
#[test]
fn the_demo_removes_its_folder_when_it_stops() {
    use std::io::{BufRead, BufReader};
    let folder = folder("demo");
    let mut command = std::process::Command::new(BINARY);
    command.current_dir(&folder).args(["serve", "--demo", "--victims", "5", "--listen", "127.0.0.1:0"]);
    for (key, _) in std::env::vars() {
        if key.starts_with("REDRESS_") {
            command.env_remove(key);
        }
    }
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the demo");
    let mut demo_dir = None;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some((_, dir)) = line.split_once("temporary database in ") {
            demo_dir = Some(PathBuf::from(dir.trim()));
        }
        if line.contains("listening on") {
            break;
        }
    }
    let demo_dir = demo_dir.expect("the demo names its folder");
    assert!(demo_dir.join("redress.db").exists());
    let stopped =
        std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(stopped.success());
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "a graceful stop: {status} {rest:?}");
    assert!(!demo_dir.exists(), "{} is removed", demo_dir.display());
    let _ = std::fs::remove_dir_all(folder);
}

/// The fund's details from the command line: every bad field named and nothing saved; then
/// saved and shown.
#[test]
fn the_fund_details_are_set_from_the_command_line() {
    let folder = folder("fund");
    assert!(redress(&folder, &["init"]).status.success());
    let shown = redress(&folder, &["fund", "show"]);
    assert!(
        says(&shown).contains("configuration") && says(&shown).contains("bank_account"),
        "{}",
        says(&shown)
    );
    let bad = redress(&folder, &["fund", "set", "--name", "Fondo", "--bank-account", "123", "--tax-id", "1"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        says(&bad).contains("error: bank_account:") && says(&bad).contains("error: tax_id:"),
        "{}",
        says(&bad)
    );
    let good = redress(
        &folder,
        &[
            "fund",
            "set",
            "--name",
            "Fondo Especial",
            "--bank-account",
            "0021 9300 9999 9999 9910",
            "--bank-bic",
            "BCPLPEPL",
        ],
    );
    assert!(good.status.success(), "{}", says(&good));
    let shown = redress(&folder, &["fund", "show"]);
    assert!(
        says(&shown).contains("00219300999999999910") && says(&shown).contains("database"),
        "{}",
        says(&shown)
    );
    let _ = std::fs::remove_dir_all(folder);
}

/// A backup whose audit trail was altered is refused, and the database stays as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_backup_is_refused() {
    use sqlx::Connection;
    let live = folder("tampered");
    assert!(redress(&live, &["init"]).status.success());
    assert!(redress(&live, &["backup", "copia.db"]).status.success());
    let url = format!("sqlite://{}", live.join("copia.db").display());
    let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
    for sql in ["DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET actor = 'nadie' WHERE seq = 1"] {
        sqlx::query(sql).execute(&mut connection).await.unwrap();
    }
    connection.close().await.unwrap();
    let before = std::fs::read(live.join("redress-data/redress.db")).unwrap();
    let refused = redress(&live, &["restore", "copia.db", "--force"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(says(&refused).contains("audit chain broken at entry 1"), "{}", says(&refused));
    assert_eq!(std::fs::read(live.join("redress-data/redress.db")).unwrap(), before, "nothing changed");
    let leftovers = std::fs::read_dir(live.join("redress-data"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(".restoring-"))
        .count();
    assert_eq!(leftovers, 0, "the staged copy is removed");
    let _ = std::fs::remove_dir_all(live);
}

/// The backup is taken while the server runs, and the copy verifies on another machine.
#[cfg(unix)]
#[test]
fn a_backup_is_taken_while_the_server_runs() {
    use std::io::{BufRead, BufReader};
    let live = folder("online");
    let mut command = std::process::Command::new(BINARY);
    command.current_dir(&live).args(["serve", "--listen", "127.0.0.1:0"]);
    for (key, _) in std::env::vars() {
        if key.starts_with("REDRESS_") {
            command.env_remove(key);
        }
    }
    let mut server = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start redress serve");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line.unwrap().contains("listening on") {
            break;
        }
    }
    let made = redress(&live, &["backup", "online.db"]);
    let _ = server.kill();
    let _ = server.wait();
    assert!(made.status.success(), "{}", says(&made));
    let other = folder("other");
    copy_keys(&live, &other);
    let restored = redress(&other, &["restore", live.join("online.db").to_str().unwrap()]);
    assert!(restored.status.success(), "{}", says(&restored));
    for folder in [live, other] {
        let _ = std::fs::remove_dir_all(folder);
    }
}
