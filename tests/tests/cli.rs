//! The `zhiban` and `zhiban-server` programs as a person uses them.

use std::process::Output;

use tokio::process::Command;
use zhiban_tests::server::http_get;
use zhiban_tests::{Backend, ServerProcess, TestDatabase};

async fn zhiban(data: &std::path::Path, server: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_test-zhiban"))
        .arg("--data")
        .arg(data)
        .args(["--server", server])
        .args(args)
        .env_remove("ZHIBAN_DATA")
        .env_remove("ZHIBAN_SERVER")
        .output()
        .await
        .expect("zhiban runs")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[tokio::test]
async fn create_sync_and_read_from_another_device() {
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let server = ServerProcess::start(&db.url).await.expect("server");
    let (_, health) = http_get(server.addr, "/health").await.expect("health");
    let health: serde_json::Value = serde_json::from_str(&health).expect("health is JSON");
    assert_eq!(health["backend"], "sqlite");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));

    let phone = tempfile::tempdir().expect("dir");
    let desk = tempfile::tempdir().expect("dir");
    let base = server.http_url();

    let url =
        stdout(&zhiban(phone.path(), &base, &["doc", "create", "--json", r#"{"title":"火情 首报","dead":0}"#]).await);
    assert!(url.starts_with("automerge:"), "{url}");
    stdout(&zhiban(phone.path(), &base, &["doc", "set", &url, "/dead", "1"]).await);
    let status = stdout(&zhiban(phone.path(), &base, &["status"]).await);
    assert!(status.contains("waiting for the server: 2 change(s)"), "{status}");
    stdout(&zhiban(phone.path(), &base, &["sync"]).await);
    let status = stdout(&zhiban(phone.path(), &base, &["status"]).await);
    assert!(status.contains("nothing waiting"), "{status}");

    // A ws:// URL works as well as the base URL.
    let got = stdout(&zhiban(desk.path(), &server.sync_url(), &["doc", "get", &url]).await);
    let doc: serde_json::Value = serde_json::from_str(&got).expect("JSON");
    assert_eq!(doc, serde_json::json!({"title": "火情 首报", "dead": 1}));
    server.kill().await.expect("kill");
}

#[tokio::test]
async fn sync_without_a_server_fails_with_a_reason_and_keeps_the_change() {
    let phone = tempfile::tempdir().expect("dir");
    let nobody = format!("http://{}", zhiban_tests::server::free_port().expect("port"));
    let url = stdout(&zhiban(phone.path(), &nobody, &["doc", "create", "--json", r#"{"n":1}"#]).await);
    let sync = zhiban(phone.path(), &nobody, &["sync", "--timeout", "5"]).await;
    assert!(!sync.status.success());
    let reason = String::from_utf8_lossy(&sync.stderr);
    assert!(reason.contains("cannot reach the server"), "{reason}");
    let status = stdout(&zhiban(phone.path(), &nobody, &["status"]).await);
    assert!(status.contains("1 change(s)") && status.contains(&url), "{status}");
    let bad = zhiban(phone.path(), &nobody, &["doc", "set", &url, "missing.deeper", "1"]).await;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`missing` does not exist"));
}
