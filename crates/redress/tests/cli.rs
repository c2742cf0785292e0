//! The `redress` binary as an operator uses it: first start, `user add`, `audit verify`,
//! `config print`, bad configuration, and two servers sharing one PostgreSQL database.

mod common;

use redress_app::settings::Engine;
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

use common::binary::{login, redress, run, serve, serve_logging_to, temporary_folder, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_start_creates_the_data_folder_and_prints_the_admin_password_once() {
    let folder = temporary_folder();
    let first = serve(redress(&folder)).await;
    let password = first.admin_password.clone().expect("the first start prints the password");
    assert!(folder.join("redress-data/redress.db").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(folder.join("redress-data")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the data folder is for its owner only");
    }
    assert_eq!(login(&first.url, "admin", &password).await.status(), 200);
    drop(first);

    let second = serve(redress(&folder)).await;
    assert!(second.admin_password.is_none(), "a restart must not print or reset the password");
    assert_eq!(login(&second.url, "admin", &password).await.status(), 200);
    drop(second);
    std::fs::remove_dir_all(&folder).unwrap();
}

async fn user_add_works_without_a_server_and_refuses_bad_input(database: TestDatabase) {
    let folder = temporary_folder();
    let with_database = |args: &[&str]| {
        let mut command = redress(&folder);
        // --database-url before the subcommand here, after it below: both are accepted.
        command.args(["--database-url", &database.url]).args(args);
        command
    };
    let added = run(
        with_database(&[
            "user",
            "add",
            "--username",
            "mrojas",
            "--role",
            "fund_officer",
            "--role",
            "treasurer",
            "--institution",
            "Unidad Ejecutora del Fondo",
            "--password-stdin",
        ]),
        "Clave-De-Prueba-2026\n",
    )
    .await;
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stdout).contains("created user mrojas"));

    let mut bad = redress(&folder);
    bad.args([
        "user",
        "add",
        "--username",
        "x",
        "--role",
        "boss",
        "--password-stdin",
        "--database-url",
        &database.url,
    ]);
    let refused = run(bad, "short\n").await;
    assert_eq!(refused.status.code(), Some(1));
    let errors = text(&refused.stderr);
    for field in ["username", "roles[0]", "password"] {
        assert!(errors.contains(field), "{field} not named in {errors}");
    }

    let duplicate = run(
        with_database(&["user", "add", "--username", "mrojas", "--role", "auditor", "--password-stdin"]),
        "Clave-De-Prueba-2026\n",
    )
    .await;
    assert_eq!(duplicate.status.code(), Some(1));
    assert!(text(&duplicate.stderr).contains("username"));

    let empty = run(
        with_database(&["user", "add", "--username", "nadie", "--role", "auditor", "--password-stdin"]),
        "",
    )
    .await;
    assert_eq!(empty.status.code(), Some(1));

    let listed = run(with_database(&["user", "list"]), "").await;
    let listing = text(&listed.stdout);
    assert!(listing.contains("mrojas") && listing.contains("Unidad Ejecutora del Fondo"), "{listing}");
    assert!(listing.contains("fund_officer,treasurer"));
    assert!(!listing.contains("nadie"));

    let server = serve(with_database(&[])).await;
    // Users exist already, so the first start creates no administrator of its own.
    assert!(server.admin_password.is_none());
    let session: Value = login(&server.url, "mrojas", "Clave-De-Prueba-2026").await.json().await.unwrap();
    assert_eq!(session["user"]["roles"], json!(["fund_officer", "treasurer"]));
    std::fs::remove_dir_all(&folder).unwrap();
}

async fn audit_verify_catches_a_hand_edited_row(database: TestDatabase) {
    let folder = temporary_folder();
    let command = |args: &[&str]| {
        let mut command = redress(&folder);
        command.args(args).args(["--database-url", &database.url]);
        command
    };
    assert!(run(command(&["init"]), "").await.status.success());
    for name in ["ana", "beto", "carla"] {
        let added = run(
            command(&["user", "add", "--username", name, "--role", "analyst", "--password-stdin"]),
            "Clave-De-Prueba-2026\n",
        )
        .await;
        assert!(added.status.success());
    }
    let intact = run(command(&["audit", "verify"]), "").await;
    assert!(intact.status.success(), "{}", text(&intact.stdout));
    assert!(text(&intact.stdout).contains("intact"));
    let whole = run(command(&["verify"]), "").await;
    assert!(whole.status.success(), "{}{}", text(&whole.stdout), text(&whole.stderr));
    assert!(text(&whole.stdout).contains("ledger: balanced"), "{}", text(&whole.stdout));

    let store = database.open().await;
    redress_store::testing::drop_audit_guards(&store).await;
    sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3")
        .execute(store.pool())
        .await
        .unwrap();
    let broken = run(command(&["audit", "verify"]), "").await;
    assert_eq!(broken.status.code(), Some(1));
    assert!(text(&broken.stdout).contains("entry 3"), "{}", text(&broken.stdout));
    let whole = run(command(&["verify"]), "").await;
    assert_eq!(whole.status.code(), Some(1), "redress verify fails on a broken chain too");
    assert!(text(&whole.stdout).contains("BROKEN at entry 3"), "{}", text(&whole.stdout));
    store.close().await;
    std::fs::remove_dir_all(&folder).unwrap();
}

async fn the_ledger_works_from_the_command_line(database: TestDatabase) {
    let folder = temporary_folder();
    let command = |args: &[&str]| {
        let mut command = redress(&folder);
        command.args(args).args(["--database-url", &database.url]);
        command
    };
    for (name, roles) in [("mrojas", vec!["fund_officer", "auditor"]), ("analista", vec!["analyst"])] {
        let mut args = vec!["user", "add", "--username", name, "--password-stdin"];
        for role in &roles {
            args.extend(["--role", role]);
        }
        assert!(run(command(&args), "Clave-De-Prueba-2026\n").await.status.success());
    }
    let transfer_id = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";
    let budget = [
        "ledger",
        "transfer",
        "--as",
        "mrojas",
        "--id",
        transfer_id,
        "--debit",
        "assets:bank:fund",
        "--credit",
        "income:budget",
        "--amount",
        "250.00",
        "--memo",
        "Transferencia presupuestal",
    ];
    let created = run(command(&budget), "").await;
    assert!(created.status.success(), "{}", text(&created.stderr));
    assert!(text(&created.stdout).contains("created transfer"));
    let again = run(command(&budget), "").await;
    assert!(again.status.success());
    assert!(text(&again.stdout).contains("already exists"));

    let overdraw = run(
        command(&[
            "ledger",
            "transfer",
            "--as",
            "mrojas",
            "--debit",
            "expenses:reparations",
            "--credit",
            "assets:bank:fund",
            "--amount",
            "300.00",
        ]),
        "",
    )
    .await;
    assert_eq!(overdraw.status.code(), Some(1));
    assert!(text(&overdraw.stderr).contains("exceeds_debits"), "{}", text(&overdraw.stderr));

    let accounts = text(&run(command(&["ledger", "accounts", "--as", "mrojas"]), "").await.stdout);
    assert!(
        accounts.lines().any(|l| l.starts_with("assets:bank:fund") && l.contains("250.00")),
        "{accounts}"
    );
    let statement = text(
        &run(command(&["ledger", "statement", "--as", "mrojas", "--account", "assets:bank:fund"]), "")
            .await
            .stdout,
    );
    assert!(statement.contains("Transferencia presupuestal") && statement.contains("250.00"), "{statement}");
    let journal = folder.join("fund.journal");
    let exported =
        run(command(&["ledger", "journal", "--as", "mrojas", "--output", journal.to_str().unwrap()]), "")
            .await;
    assert!(exported.status.success());
    assert!(std::fs::read_to_string(&journal).unwrap().contains("assets:bank:fund  PEN 250.00"));
    let verified = run(command(&["ledger", "verify", "--as", "mrojas"]), "").await;
    assert!(verified.status.success() && text(&verified.stdout).contains("balanced"));

    let forbidden = run(command(&["ledger", "accounts", "--as", "analista"]), "").await;
    assert_eq!(forbidden.status.code(), Some(1));
    assert!(text(&forbidden.stderr).contains("forbidden"));
    let nobody = run(command(&["ledger", "accounts", "--as", "nadie"]), "").await;
    assert_eq!(nobody.status.code(), Some(1));
    assert!(text(&nobody.stderr).contains("as: no user named nadie"), "{}", text(&nobody.stderr));
    std::fs::remove_dir_all(&folder).unwrap();
}

on_both_engines!(
    user_add_works_without_a_server_and_refuses_bad_input,
    audit_verify_catches_a_hand_edited_row,
    the_ledger_works_from_the_command_line,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_or_token_reaches_the_logs_even_at_debug_level() {
    let folder = temporary_folder();
    let log_path = folder.join("server.log");
    let mut command = redress(&folder);
    command.env("REDRESS_LOG", "debug").env("REDRESS_LOGGING__FORMAT", "json");
    let server = serve_logging_to(command, std::fs::File::create(&log_path).unwrap()).await;
    let admin_password = server.admin_password.clone().unwrap();
    let session: Value = login(&server.url, "admin", &admin_password).await.json().await.unwrap();
    let token = session["token"].as_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let created = client
        .post(format!("{}/api/v1/users", server.url))
        .bearer_auth(&token)
        .json(&json!({"username": "rosa", "institution_id": 1, "roles": ["treasurer"], "password": "Clave-Secreta-Tesoreria-99"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    login(&server.url, "rosa", "a-wrong-password-typed").await;
    drop(server);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("request_id"), "the log has request ids: {log}");
    for secret in [
        admin_password.as_str(),
        token.as_str(),
        "Clave-Secreta-Tesoreria-99",
        "a-wrong-password-typed",
        session["csrf_token"].as_str().unwrap(),
    ] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
    std::fs::remove_dir_all(&folder).unwrap();
}

#[tokio::test]
async fn config_print_shows_the_layers_and_masks_secrets() {
    let folder = temporary_folder();
    std::fs::write(
        folder.join("redress.toml"),
        "[server]\nlisten = \"127.0.0.1:9000\"\n[security]\nsession_idle_minutes = 20\n",
    )
    .unwrap();
    let mut command = redress(&folder);
    command
        .args(["config", "print"])
        .env("REDRESS_DATABASE_URL", "postgres://fund:s3cr3t-pw@db.internal/redress")
        .env("REDRESS_SECURITY__SESSION_IDLE_MINUTES", "15")
        .env("REDRESS_METRICS__TOKEN", "scrape-token-that-is-long-enough")
        .env("REDRESS_FUND__CURRENCY", "USD")
        .env("REDRESS_TEST_POSTGRES_URL", "ignored");
    let output = run(command, "").await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let printed = text(&output.stdout);
    assert!(printed.contains("listen = \"127.0.0.1:9000\""), "{printed}");
    assert!(printed.contains("session_idle_minutes = 15"), "the environment wins over the file: {printed}");
    assert!(printed.contains("postgres://fund:***@db.internal/redress"));
    assert!(printed.contains("currency = \"USD\""), "every section can come from the environment: {printed}");
    assert!(!printed.contains("s3cr3t") && !printed.contains("scrape-token"), "{printed}");
    std::fs::remove_dir_all(&folder).unwrap();
}

#[tokio::test]
async fn bad_configuration_stops_start_up_naming_the_key() {
    let folder = temporary_folder();
    let mut command = redress(&folder);
    command
        .args(["serve"])
        .env("REDRESS_SERVER__LISTEN", "everywhere")
        .env("REDRESS_SECURITY__PASSWORD_LENGTH_MIN", "4");
    let output = run(command, "").await;
    assert_eq!(output.status.code(), Some(2));
    let errors = text(&output.stderr);
    assert!(errors.contains("server.listen") && errors.contains("security.password_length_min"), "{errors}");

    std::fs::write(folder.join("redress.toml"), "[server]\nlisten_on = \"127.0.0.1:9000\"\n").unwrap();
    let mut unknown_key = redress(&folder);
    unknown_key.args(["config", "print"]);
    let output = run(unknown_key, "").await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("listen_on"), "{}", text(&output.stderr));

    let mut missing = redress(&folder);
    missing.args(["--config", "nowhere.toml", "config", "print"]);
    let output = run(missing, "").await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("nowhere.toml"));
    assert!(!folder.join("redress-data").exists(), "nothing is created when the configuration is bad");
    std::fs::remove_dir_all(&folder).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_postgresql_database() {
    let Some(database) = TestDatabase::of(Engine::Postgres).await else {
        eprintln!("skipped: REDRESS_TEST_POSTGRES_URL is not set");
        return;
    };
    let folder = temporary_folder();
    let command = || {
        let mut command = redress(&folder);
        command.env("REDRESS_DATABASE_URL", &database.url);
        command
    };
    // Started together: exactly one of them creates (and prints) the administrator.
    let (a, b) = tokio::join!(serve(command()), serve(command()));
    let passwords: Vec<&String> = [&a, &b].iter().filter_map(|s| s.admin_password.as_ref()).collect();
    assert_eq!(passwords.len(), 1, "exactly one server bootstraps");
    let password = passwords[0].clone();

    let session: Value = login(&a.url, "admin", &password).await.json().await.unwrap();
    let token = session["token"].as_str().unwrap();
    let client = reqwest::Client::new();
    let me = client.get(format!("{}/api/v1/me", b.url)).bearer_auth(token).send().await.unwrap();
    assert_eq!(me.status(), 200, "a session made on one server works on the other");
    let logout = client.delete(format!("{}/api/v1/session", b.url)).bearer_auth(token).send().await.unwrap();
    assert_eq!(logout.status(), 204);
    let after = client.get(format!("{}/api/v1/me", a.url)).bearer_auth(token).send().await.unwrap();
    assert_eq!(after.status(), 401, "logging out on one server ends the session on both");
    std::fs::remove_dir_all(&folder).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_values_for_text_settings_stay_text_and_numbers_still_read() {
    let folder = temporary_folder();
    let mut command = redress(&folder);
    command
        .args(["config", "print"])
        .env("REDRESS_FUND__BANK_ACCOUNT", "00219300999999999910")
        .env("REDRESS_FUND__NAME", "12345")
        .env("REDRESS_SERVER__BODY_LIMIT_BYTES", "4194304")
        .env("REDRESS_SERVER__COOKIE_SECURE", "false");
    let printed = run(command, "").await;
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let config: toml::Value = text(&printed.stdout).parse().unwrap();
    assert_eq!(config["fund"]["bank_account"].as_str(), Some("00219300999999999910"));
    assert_eq!(config["fund"]["name"].as_str(), Some("12345"));
    assert_eq!(config["server"]["body_limit_bytes"].as_integer(), Some(4_194_304));
    assert_eq!(config["server"]["cookie_secure"].as_bool(), Some(false));

    // And the server starts with that account (it stopped at start-up before).
    let mut command = redress(&folder);
    command.env("REDRESS_FUND__BANK_ACCOUNT", "00219300999999999910");
    let server = serve(command).await;
    assert!(server.admin_password.is_some());
    drop(server);
    let mut command = redress(&folder);
    command.args(["config", "print"]).env("REDRESS_SERVER__BODY_LIMIT_BYTES", "lots");
    let refused = run(command, "").await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("body_limit_bytes"), "{}", text(&refused.stderr));
    std::fs::remove_dir_all(&folder).unwrap();
}
