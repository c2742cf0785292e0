//! The institution matrix, on both engines: every write on a case, judgment, order, victim and
//! asset, sent by a user with the right role but from *another* institution of the same kind,
//! is refused naming `institution` (or hidden as not found), and the record reads the same
//! afterwards; the same write from the owning institution then succeeds.

mod common;

use common::{TestServer, USER_PASSWORD};
use redress_store::testing::TestDatabase;
use serde_json::{json, Value};

on_both_engines!(every_write_checks_the_callers_institution);

async fn member(
    server: &TestServer,
    admin: &str,
    institution: &str,
    kind: &str,
    user: &str,
    role: &str,
) -> String {
    let created: Value = server
        .post("/api/v1/institutions", admin, json!({"name": institution, "kind": kind}))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"username": user, "institution_id": created["id"], "roles": [role], "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", admin, body).await.status(), 201);
    server.token(user, USER_PASSWORD).await
}

/// The same role in two institutions of the same kind: (own, other).
struct Pair {
    own: String,
    other: String,
}

async fn pair(server: &TestServer, admin: &str, kind: &str, role: &str, names: [&str; 2]) -> Pair {
    let own = member(server, admin, names[0], kind, &format!("{role}-a"), role).await;
    let other = member(server, admin, names[1], kind, &format!("{role}-b"), role).await;
    Pair { own, other }
}

async fn body_of(server: &TestServer, path: &str, token: &str) -> Value {
    let response = server.get(path, token).await;
    assert_eq!(response.status(), 200, "{path}");
    let mut body: Value = response.json().await.unwrap();
    // (reading a victim's identity is audited, which is not a change of the record)
    if let Some(object) = body.as_object_mut() {
        object.remove("identity_read_at");
    }
    body
}

/// One write route: its path, its body, who owns the record, and where the record is read back.
struct Write {
    path: String,
    body: Value,
    /// The owner, and someone of another institution with the same role.
    own: String,
    other: String,
    read: String,
}

async fn every_write_checks_the_callers_institution(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.admin_token().await;
    let services = pair(&server, &admin, "ministry", "victim_services", ["CEM Tumbes", "CEM Lima"]).await;
    let prosecutors =
        pair(&server, &admin, "prosecutor", "prosecutor", ["Fiscalía Tumbes", "Fiscalía Lima"]).await;
    let clerks = pair(&server, &admin, "court", "court_clerk", ["Juzgado Tumbes", "Juzgado Lima"]).await;
    let managers =
        pair(&server, &admin, "asset_agency", "asset_manager", ["PRONABI Tumbes", "PRONABI Lima"]).await;
    let officer = server.user_token("oficial", &["fund_officer"]).await;
    let court = server.institution_id(&admin, "Juzgado Tumbes").await;

    let victim = |document: &str| {
        json!({"given_names": "Milagros", "surnames": "Huamán Ccori", "document_type": "dni",
            "document_number": document, "birth_date": "2000-01-05", "sex": "female", "nationality": "PE", "consent": true,
            "bank_account": "00219300123456789013"})
    };
    let registered: Value =
        server.post("/api/v1/victims", &services.own, victim("70112233")).await.json().await.unwrap();
    let code = registered["code"].as_str().unwrap().to_string();
    let second: Value =
        server.post("/api/v1/victims", &services.own, victim("70112234")).await.json().await.unwrap();
    let second = second["code"].as_str().unwrap().to_string();
    let case: Value = server
        .post("/api/v1/cases", &prosecutors.own, json!({"prosecutor_file": "FPT-2024-0101", "jurisdiction": "Tumbes",
            "offences": ["129-A"], "reported_on": "2024-05-01", "defendants": ["Jorge Paredes Lima"], "court_id": court}))
        .await
        .json()
        .await
        .unwrap();
    let case_id = case["id"].as_i64().unwrap();
    let defendant = case["defendants"][0]["id"].as_i64().unwrap();
    server.link_victims(&services.own, case_id, &[&code]).await;
    for (stage, date) in [("investigation", "2024-06-01"), ("charged", "2024-09-01"), ("trial", "2025-01-10")]
    {
        let moved = server
            .post(
                &format!("/api/v1/cases/{case_id}/stage"),
                &prosecutors.own,
                json!({"stage": stage, "date": date}),
            )
            .await;
        assert_eq!(moved.status(), 200, "{stage}");
    }
    // Another office cannot move (or archive) the case.
    let before = body_of(&server, &format!("/api/v1/cases/{case_id}"), &officer).await;
    let archive = json!({"stage": "archived", "date": "2025-02-01"});
    let refused = server.post(&format!("/api/v1/cases/{case_id}/stage"), &prosecutors.other, archive).await;
    assert!(matches!(refused.status().as_u16(), 403 | 404 | 422), "{}", refused.status());
    assert_eq!(body_of(&server, &format!("/api/v1/cases/{case_id}"), &officer).await, before);
    let judgment_body = json!({"case_id": case_id, "judged_on": "2026-03-01", "court": "Juzgado Tumbes",
        "convicted": [defendant], "orders": [{"victim": code, "payment_deadline": "2026-06-30",
        "items": [{"head": "moral_damage", "amount": "5000.00"}], "debtors": [defendant]}]});
    let other_judgment = server.post("/api/v1/judgments", &clerks.other, judgment_body.clone()).await;
    assert!(
        matches!(other_judgment.status().as_u16(), 403 | 404 | 422),
        "another court's judgment: {}",
        other_judgment.status()
    );
    let judgment: Value =
        server.post("/api/v1/judgments", &clerks.own, judgment_body).await.json().await.unwrap();
    let judgment_id = judgment["id"].as_i64().expect("the own court records the judgment");
    let order_id = judgment["orders"][0]["id"].as_i64().unwrap();
    let asset: Value = server
        .post("/api/v1/assets", &managers.own, json!({"kind": "vehicle", "description": "Camioneta Toyota Hilux 2019",
            "identifiers": "Placa ABC-123", "location": "Depósito, Tumbes", "region": "Tumbes", "custodian": "PRONABI",
            "seized_on": "2025-01-10", "document": "Resolución de incautación 12-2025"}))
        .await
        .json()
        .await
        .unwrap();
    let asset_id = asset["id"].as_i64().unwrap();

    let (s, p, c, m) = (&services, &prosecutors, &clerks, &managers);
    let case_read = format!("/api/v1/cases/{case_id}");
    let judgment_read = format!("/api/v1/judgments/{judgment_id}");
    let victim_read = format!("/api/v1/victims/{code}");
    let asset_read = format!("/api/v1/assets/{asset_id}");
    let lima = server.institution_id(&admin, "CEM Lima").await;
    let lima_court = server.institution_id(&admin, "Juzgado Lima").await;
    let writes = [
        Write {
            path: format!("/api/v1/cases/{case_id}/defendants"),
            body: json!({"name": "Luis Aguirre Soto"}),
            own: p.own.clone(),
            other: p.other.clone(),
            read: case_read.clone(),
        },
        Write {
            path: format!("/api/v1/cases/{case_id}/victims"),
            body: json!({"code": second}),
            // (the case's own prosecutor, who does not see this victim, cannot add them either:
            // sight of a victim is never granted by writing a record)
            own: s.own.clone(),
            other: p.own.clone(),
            read: case_read.clone(),
        },
        Write {
            path: format!("/api/v1/judgments/{judgment_id}/finality"),
            body: json!({"final_on": "2026-04-10"}),
            own: c.own.clone(),
            other: c.other.clone(),
            read: judgment_read.clone(),
        },
        Write {
            path: format!("/api/v1/orders/{order_id}/payments"),
            body: json!({"amount": "500.00", "paid_on": "2026-05-02", "reference": "Depósito 123"}),
            own: c.own.clone(),
            other: c.other.clone(),
            read: judgment_read.clone(),
        },
        Write {
            path: format!("/api/v1/orders/{order_id}/insolvency"),
            body: json!({"found_on": "2026-06-01", "basis": "Informe de bienes negativo"}),
            own: c.own.clone(),
            other: c.other.clone(),
            read: judgment_read.clone(),
        },
        Write {
            path: format!("/api/v1/judgments/{judgment_id}/appeal"),
            body: json!({"filed_on": "2026-04-20"}),
            own: c.own.clone(),
            other: c.other.clone(),
            read: judgment_read.clone(),
        },
        Write {
            path: format!("/api/v1/victims/{code}/identity-verification"),
            body: json!({"method": "registry_check"}),
            own: s.own.clone(),
            other: s.other.clone(),
            read: victim_read.clone(),
        },
        Write {
            path: format!("/api/v1/victims/{code}/referrals"),
            body: json!({"institution_id": lima}),
            own: s.own.clone(),
            other: s.other.clone(),
            read: victim_read.clone(),
        },
        Write {
            path: format!("/api/v1/assets/{asset_id}/valuations"),
            body: json!({"valued_on": "2025-02-01", "amount": "90000.00", "basis": "Tasación"}),
            own: m.own.clone(),
            other: m.other.clone(),
            read: asset_read.clone(),
        },
        Write {
            path: format!("/api/v1/assets/{asset_id}/moves"),
            body: json!({"to": "in_custody", "date": "2025-05-02", "document": "Resolución"}),
            own: m.own.clone(),
            other: m.other.clone(),
            read: asset_read.clone(),
        },
        Write {
            path: format!("/api/v1/cases/{case_id}/court"),
            body: json!({"court_id": lima_court}),
            own: p.own.clone(),
            other: p.other.clone(),
            read: case_read.clone(),
        },
    ];

    // From the other institution: refused, and nothing changed (read by the fund officer, or by
    // the owning victim services for a victim).
    for write in &writes {
        let reader = if write.read == victim_read { &services.own } else { &officer };
        let before = body_of(&server, &write.read, reader).await;
        let refused = server.post(&write.path, &write.other, write.body.clone()).await;
        let status = refused.status().as_u16();
        let problem: Value = refused.json().await.unwrap_or(Value::Null);
        assert!(
            matches!(status, 403 | 404 | 422),
            "{}: another institution got {status} {problem}",
            write.path
        );
        if status == 422 {
            let fields: Vec<&str> =
                problem["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
            assert_eq!(fields, ["institution"], "{}: {problem}", write.path);
        }
        assert_eq!(
            body_of(&server, &write.read, reader).await,
            before,
            "{}: changed by another institution",
            write.path
        );
    }
    // A PATCH of the victim's details, too.
    let before = body_of(&server, &victim_read, &services.own).await;
    let patch = json!({"reason": "Cuenta nueva", "bank_account": "01136600010003254221"});
    let refused = server.patch(&victim_read, &services.other, patch.clone()).await;
    assert!(matches!(refused.status().as_u16(), 403 | 404), "{}", refused.status());
    assert_eq!(body_of(&server, &victim_read, &services.own).await, before);

    // From the owning institution: each write goes through.
    assert_eq!(server.patch(&victim_read, &services.own, patch).await.status(), 200);
    for write in &writes {
        let done = server.post(&write.path, &write.own, write.body.clone()).await;
        let status = done.status();
        assert!(
            status.is_success(),
            "{}: the owning institution got {status}: {}",
            write.path,
            done.text().await.unwrap()
        );
    }
}
