//! A minimal WebDriver client for headless Chromium (Debian's `chromium` and
//! `chromium-driver`; `.ci/run` installs them). Without them a browser test says so and passes,
//! except in CI (`CI` set), where it fails.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

use super::{TestServer, USER_PASSWORD};

pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A minimal WebDriver client (the W3C protocol is JSON over HTTP).
pub struct Browser {
    http: reqwest::Client,
    base: String,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    pub async fn start() -> Option<Browser> {
        Self::start_with(&[]).await
    }

    /// Starts Chromium with these extra arguments (such as `--host-resolver-rules`).
    pub async fn start_with(extra: &[&str]) -> Option<Browser> {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let driver = ["/usr/bin/chromedriver"].into_iter().find(|p| std::path::Path::new(p).exists());
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "the browser test needs chromium and chromium-driver in CI (apt-get install chromium chromium-driver)"
            );
            eprintln!("skipping the browser test: chromium and chromium-driver are not installed");
            return None;
        };
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        let driver_url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{driver_url}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("redress-chromium-{}", uuid::Uuid::new_v4()));
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
            "--lang=es",
        ]
        .iter()
        .chain(extra)
        .map(|a| a.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "prefs": {"intl.accept_languages": "es-PE,es"}, "args": args}
        }}});
        let created: Value = http
            .post(format!("{driver_url}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session =
            created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}"));
        Some(Browser { http, base: format!("{driver_url}/session/{session}"), driver: child })
    }

    pub async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        answer["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    /// The element matching `css`, waiting up to 10 seconds for it.
    pub async fn find(&self, css: &str) -> String {
        for _ in 0..100 {
            let found = self
                .command(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            if let Some(id) = found[ELEMENT].as_str() {
                return id.to_string();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element {css} on the page:\n{}", self.source().await);
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/clear"), Some(json!({}))).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/value"), Some(json!({"text": text})))
            .await;
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        let answer =
            self.command(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))).await;
        assert!(answer.get("error").is_none(), "clicking {css}: {answer}");
    }

    pub async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.command(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub async fn source(&self) -> String {
        self.command(reqwest::Method::GET, "/source", None).await.as_str().unwrap_or("").to_string()
    }

    pub async fn url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or("").to_string()
    }

    /// Waits until the text of `css` contains `expected`.
    pub async fn expect_text(&self, css: &str, expected: &str) {
        let mut last = String::new();
        for _ in 0..100 {
            last = self.text(css).await;
            if last.contains(expected) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} shows {last:?}, expected {expected:?}");
    }

    pub async fn script_async(&self, script: &str) -> Value {
        self.command(reqwest::Method::POST, "/execute/async", Some(json!({"script": script, "args": []})))
            .await
    }

    pub async fn screenshot(&self) -> Vec<u8> {
        let data = self.command(reqwest::Method::GET, "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap_or("")).unwrap()
    }

    pub async fn login(&self, server: &TestServer, username: &str) {
        self.login_at(&server.url(""), username, USER_PASSWORD).await;
    }

    /// Logs in at `base` (`http://host:port`) with the login form.
    pub async fn login_at(&self, base: &str, username: &str, password: &str) {
        self.goto(&format!("{base}/login")).await;
        self.type_into("#username", username).await;
        self.type_into("#password", password).await;
        self.click("#login-submit").await;
        self.find("form[action='/logout']").await;
    }

    /// Sets a field's value by script: a date input (whose typed digits follow the browser's
    /// locale), or a select, whatever form it has.
    pub async fn set_value(&self, css: &str, value: &str) {
        let id = self.find(css).await;
        let script = "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));";
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": [{ELEMENT: id}, value]})),
        )
        .await;
    }

    /// Waits until the address satisfies `done` (a form post's redirect has arrived).
    pub async fn wait_url(&self, what: &str, done: impl Fn(&str) -> bool) {
        let mut last = String::new();
        for _ in 0..100 {
            last = self.url().await;
            if done(&last) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the address is still {last}, expected {what}");
    }

    /// Chooses the option of a select whose text is `text`.
    pub async fn select_by_text(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        let script = "const o = [...arguments[0].options].find(o => o.text.trim() === arguments[1]); \
                      if (!o) { return false; } arguments[0].value = o.value; return true;";
        let chosen = self
            .command(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({"script": script, "args": [{ELEMENT: id}, text]})),
            )
            .await;
        assert_eq!(chosen, json!(true), "{css} has no option {text:?}");
    }

    /// An attribute of the element matching `css`.
    pub async fn attribute(&self, css: &str, name: &str) -> String {
        let id = self.find(css).await;
        self.command(reqwest::Method::GET, &format!("/element/{id}/attribute/{name}"), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub async fn logout(&self) {
        self.click("form[action='/logout'] button").await;
        self.find("#login-submit").await;
    }
}

/// A user with `role` in the institution `institution` (created when new); returns a token.
pub async fn member(
    server: &TestServer,
    admin: &str,
    institution: &str,
    kind: &str,
    username: &str,
    role: &str,
) -> String {
    let created: Value = server
        .post("/api/v1/institutions", admin, json!({"name": institution, "kind": kind}))
        .await
        .json()
        .await
        .unwrap();
    let id = match created["id"].as_i64() {
        Some(id) => id,
        None => {
            let list: Value = server.get("/api/v1/institutions", admin).await.json().await.unwrap();
            list["items"].as_array().unwrap().iter().find(|i| i["name"] == institution).unwrap()["id"]
                .as_i64()
                .unwrap()
        }
    };
    let body =
        json!({"username": username, "institution_id": id, "roles": [role], "password": USER_PASSWORD});
    assert_eq!(server.post("/api/v1/users", admin, body).await.status(), 201);
    server.token(username, USER_PASSWORD).await
}
