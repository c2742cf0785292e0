//! `redress import cases` end to end, on both engines: a valid file imports cases, victims,
//! judgments and orders; a file with any invalid row imports nothing and reports every problem
//! with its row and column.

mod common;

use std::process::Stdio;

use common::{TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(
    a_valid_file_imports_everything,
    a_file_with_an_invalid_row_imports_nothing,
    an_asset_register_is_imported_all_or_nothing,
);

struct Setup {
    server: TestServer,
    folder: std::path::PathBuf,
    victims: Vec<String>,
    clerk: String,
}

async fn setup(database: TestDatabase) -> Setup {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let mut tokens = Vec::new();
    for (institution, kind, username, role) in [
        ("CEM Tumbes", "ministry", "cem", "victim_services"),
        ("Juzgado de Tumbes", "court", "secretario", "court_clerk"),
    ] {
        let created: Value = server
            .post("/api/v1/institutions", &admin, json!({"name": institution, "kind": kind}))
            .await
            .json()
            .await
            .unwrap();
        let body = json!({"username": username, "institution_id": created["id"], "roles": [role], "password": USER_PASSWORD});
        assert_eq!(server.post("/api/v1/users", &admin, body).await.status(), 201);
        tokens.push(server.token(username, USER_PASSWORD).await);
    }
    let mut victims = Vec::new();
    for document in ["70000001", "70000002"] {
        let body = json!({"given_names": "Ana", "surnames": "Condori Apaza", "document_type": "dni", "document_number": document,
            "birth_date": "1995-03-03", "sex": "female", "nationality": "PE", "consent": true});
        let created: Value = server.post("/api/v1/victims", &tokens[0], body).await.json().await.unwrap();
        victims.push(created["code"].as_str().unwrap().to_string());
    }
    let folder = std::env::temp_dir().join(format!("redress-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    // The binary must use the same data keys as the server.
    server.app.keys.as_deref().unwrap().save(&folder.join("keys.json")).unwrap();
    Setup { server, folder, victims, clerk: tokens[1].clone() }
}

async fn import(setup: &Setup, csv: &str) -> (i32, String) {
    import_as(setup, "cases", "secretario", csv).await
}

async fn import_as(setup: &Setup, what: &str, username: &str, csv: &str) -> (i32, String) {
    let file = setup.folder.join(format!("{what}.csv"));
    std::fs::write(&file, csv).unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_redress"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("REDRESS_")) {
        command.env_remove(key);
    }
    let output = command
        .args(["import", what, "--as", username, file.to_str().unwrap()])
        .args(["--database-url", &setup.server.database.url, "--data-dir", setup.folder.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

const HEADER: &str = "prosecutor_file,jurisdiction,offences,reported_on,stage,stage_on,defendants,victim,judged_on,court,final_on,payment_deadline,unpaid_wages,moral_damage,paid_by_debtors,insolvency_on,insolvency_basis";

async fn a_valid_file_imports_everything(database: TestDatabase) {
    let setup = setup(database).await;
    let (a, b) = (&setup.victims[0], &setup.victims[1]);
    let csv = format!(
        "{HEADER}\n\
         FPT-2019-0001,Tumbes,129-A;129-C,2019-02-01,final,2021-06-30,Pedro Ruiz Vela;Marta Gil Soto,{a},2021-03-01,\"Juzgado Penal Colegiado de Tumbes\",2021-06-30,2021-09-30,4000.00,1000.00,250.00,2022-01-10,Informe negativo de bienes\n\
         FPT-2019-0001,Tumbes,129-A;129-C,2019-02-01,final,2021-06-30,Pedro Ruiz Vela;Marta Gil Soto,{b},2021-03-01,\"Juzgado Penal Colegiado de Tumbes\",2021-06-30,2021-09-30,1500.50,,,,\n\
         FPT-2023-0420,Lima,129-N,2023-05-05,investigation,2023-06-01,,,,,,,,,,,\n"
    );
    let (code, text) = import(&setup, &csv).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("imported 2 cases, 2 victims linked, 1 judgments, 2 orders from 3 rows"), "{text}");

    let server = &setup.server;
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    let judgment: Value = server.get("/api/v1/judgments/1", &officer).await.json().await.unwrap();
    assert_eq!(judgment["final_on"], "2021-06-30");
    assert_eq!(judgment["convicted"].as_array().unwrap().len(), 2);
    let first = &judgment["orders"][0];
    assert_eq!(first["ordered"], "5000.00");
    assert_eq!(first["paid_by_debtors"], "250.00");
    assert_eq!(first["owed"], "4750.00");
    assert_eq!(first["eligible"], true, "{first}");
    assert_eq!(judgment["orders"][1]["owed"], "1500.50");
    let case: Value = server.get("/api/v1/cases/2", &setup.clerk).await.json().await.unwrap();
    assert_eq!(case["stage"], "investigation");
    assert_eq!(case["offences"], json!(["129-N"]));
    std::fs::remove_dir_all(&setup.folder).unwrap();
}

async fn a_file_with_an_invalid_row_imports_nothing(database: TestDatabase) {
    let setup = setup(database).await;
    let a = &setup.victims[0];
    let before = setup.server.audit_length().await;
    let csv = format!(
        "{HEADER}\n\
         FPT-2019-0001,Tumbes,129-A,2019-02-01,final,2021-06-30,Pedro Ruiz Vela,{a},2021-03-01,Juzgado,2021-06-30,,4000.00,,,,\n\
         FPT-2019-0002,Tumbes,153,2999-02-01,,,,,,,,,,,,,\n\
         FPT-2019-0003,Tumbes,129-A,2019-02-01,trial,,,V-2020-999999,,,,,,,,,\n\
         FPT-2019-0004,Tumbes,129-A,2019-02-01,,,Ana Ríos,{a},2021-03-01,Juzgado,,,10.001,,,,\n"
    );
    let (code, text) = import(&setup, &csv).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("nothing was imported"), "{text}");
    for expected in [
        "row 2, offences",
        "row 2, reported_on: must not be in the future",
        "row 3, stage_on: is required when stage is given",
        "row 4, unpaid_wages",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    assert!(!text.contains("row 1,"), "row 1 is valid:\n{text}");
    assert_eq!(setup.server.audit_length().await, before, "nothing was written");
    let missing = setup.server.get("/api/v1/cases/1", &setup.clerk).await;
    assert_eq!(missing.status(), 404);

    let unknown_victim =
        format!("{HEADER}\nFPT-2019-0009,Tumbes,129-A,2019-02-01,,,,V-2020-999999,,,,,,,,,\n");
    let (code, text) = import(&setup, &unknown_victim).await;
    assert_eq!(code, 1);
    assert!(text.contains("row 1, victim: no victim has the code V-2020-999999"), "{text}");
    std::fs::remove_dir_all(&setup.folder).unwrap();
}

async fn an_asset_register_is_imported_all_or_nothing(database: TestDatabase) {
    let setup = setup(database).await;
    let server = &setup.server;
    server.user_token("pronabi", &["asset_manager"]).await;
    let (code, text) = import(
        &setup,
        "prosecutor_file,jurisdiction,offences,reported_on\nFPT-2020-0005,Tumbes,129-A,2020-01-01\n",
    )
    .await;
    assert_eq!(code, 0, "{text}");
    let header = "kind,description,identifiers,region,prosecutor_file,agency_reference,estimated_value,seized_on,document,state,state_on";
    let invalid = format!(
        "{header}\n\
         vehicle,Camioneta Nissan,Placa XYZ-987,Tumbes,FPT-2020-0005,PR-1,45000.00,2020-03-01,Res. 10,in_custody,2020-03-05\n\
         boat,Lancha,,Tumbes,,PR-2,,2020-03-01,Res. 11,,\n\
         real_estate,Casa,,Lima,FPT-1999-0001,PR-1,-5.00,2020-03-01,Res. 12,sold,2020-04-01\n"
    );
    let before = server.audit_length().await;
    let (code, text) = import_as(&setup, "assets", "pronabi", &invalid).await;
    assert_eq!(code, 1, "{text}");
    for expected in [
        "row 2, kind",
        "row 3, agency_reference: repeats row 1",
        "row 3, estimated_value",
        "row 3, state: sold carries money",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
    assert_eq!(server.audit_length().await, before, "nothing written");

    let valid = format!(
        "{header}\n\
         vehicle,Camioneta Nissan,Placa XYZ-987,Tumbes,FPT-2020-0005,PR-1,45000.00,2020-03-01,Res. 10,in_custody,2020-03-05\n\
         real_estate,Casa en Zorritos,Partida 110,Tumbes,,PR-2,300000.00,2020-03-01,Res. 11,confiscated,2024-06-01\n"
    );
    let (code, text) = import_as(&setup, "assets", "pronabi", &valid).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("imported 2 assets from 2 rows"), "{text}");
    // The same register again, and then with one new row: each asset is created once.
    let written = server.audit_length().await;
    let (code, text) = import_as(&setup, "assets", "pronabi", &valid).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("imported 0 assets from 2 rows (2 imported before"), "{text}");
    assert_eq!(server.audit_length().await, written, "a repeated import writes nothing");
    let grown = format!("{valid}other,Lancha Caleta,,Tumbes,,PR-3,,2020-05-01,Res. 13,,\n");
    let (code, text) = import_as(&setup, "assets", "pronabi", &grown).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("imported 1 assets from 3 rows (2 imported before"), "{text}");
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    let pipeline: Value = server.get("/api/v1/assets/pipeline", &officer).await.json().await.unwrap();
    let confiscated =
        pipeline["stages"].as_array().unwrap().iter().find(|s| s["state"] == "confiscated").unwrap().clone();
    assert_eq!(confiscated["expected_inflow"], "300000.00");
    let first: Value = server.get("/api/v1/assets/1", &officer).await.json().await.unwrap();
    assert_eq!(first["state"], "in_custody");
    assert_eq!(first["case_id"], 1);
    assert_eq!(first["moves"].as_array().unwrap().len(), 2);
    std::fs::remove_dir_all(&setup.folder).unwrap();
}
