//! The `redress` binary as a child process: a clean environment, `serve` on port 0 (reading the
//! URL and a first administrator's password from its output), commands fed on stdin.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

pub const BINARY: &str = env!("CARGO_BIN_EXE_redress");

/// A `redress` command with a clean environment (no configuration leaking in from the caller).
pub fn redress(folder: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command.current_dir(folder).kill_on_drop(true);
    for (key, _) in std::env::vars() {
        if key.starts_with("REDRESS_") {
            command.env_remove(key);
        }
    }
    command
}

/// Runs a command to completion, feeding `stdin`.
pub async fn run(mut command: Command, stdin: &str) -> Output {
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

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// A running `redress serve`: its URL and, on a first start, the administrator's password.
pub struct Served {
    pub url: String,
    pub admin_password: Option<String>,
    pub child: Child,
}

pub async fn serve(command: Command) -> Served {
    serve_logging_to(command, Stdio::null()).await
}

pub async fn serve_logging_to(command: Command, stderr: impl Into<Stdio>) -> Served {
    serve_on(command, "127.0.0.1:0", stderr).await
}

/// `redress serve --listen <listen>`, its output read for the URL and the first password.
pub async fn serve_on(mut command: Command, listen: &str, stderr: impl Into<Stdio>) -> Served {
    command.args(["serve", "--listen", listen]).stdout(Stdio::piped()).stderr(stderr);
    let mut child = command.spawn().expect("start redress serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut admin_password = None;
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(password) = line.split("contraseña / password:").nth(1) {
                admin_password = Some(password.trim().to_string());
            }
            if let Some(rest) = line.split("listening on ").nth(1) {
                return rest.split_whitespace().next().unwrap().to_string();
            }
        }
        panic!("redress serve exited before listening");
    })
    .await
    .expect("redress serve started in time");
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Served { url, admin_password, child }
}

pub async fn login(url: &str, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

pub fn temporary_folder() -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!("redress-cli-{}", uuid_like()));
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{nanos:x}-{:x}", std::process::id())
}
