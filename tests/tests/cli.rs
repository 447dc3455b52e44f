//! The `zhiban` and `zhiban-server` programs as a person uses them.

use std::process::Output;

use tokio::process::Command;
use zhiban_model::documents::directory::{Directory, DutyCategory, Person, Rank, Role, Unit};
use zhiban_tests::accounts::{TEST_ADMIN, add_user, password_of};
use zhiban_tests::server::http_get;
use zhiban_tests::{Backend, Phone, ServerProcess, TestDatabase};

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

/// `zhiban login` as `username`, the password given on standard input as a script would.
async fn zhiban_login(data: &std::path::Path, server: &str, username: &str) {
    use tokio::io::AsyncWriteExt;
    let mut child = Command::new(env!("CARGO_BIN_EXE_test-zhiban"))
        .arg("--data")
        .arg(data)
        .args(["--server", server, "login", "--username", username])
        .env_remove("ZHIBAN_DATA")
        .env_remove("ZHIBAN_SERVER")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("zhiban runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(format!("{}\n", password_of(username)).as_bytes()).await.expect("password");
    drop(stdin);
    let out = stdout(&child.wait_with_output().await.expect("login ends"));
    assert!(out.contains(&format!("logged in as {username}")), "{out}");
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
    zhiban_login(phone.path(), &base, TEST_ADMIN).await;
    zhiban_login(desk.path(), &base, TEST_ADMIN).await;

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
    let ws = format!("ws://{}/sync", server.addr);
    let got = stdout(&zhiban(desk.path(), &ws, &["doc", "get", &url]).await);
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

#[tokio::test]
async fn a_first_report_on_the_command_line_offline_then_synced() {
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let server = ServerProcess::start(&db.url).await.expect("server");
    let base = server.http_url();
    let phone = tempfile::tempdir().expect("dir");
    let nobody = format!("http://{}", zhiban_tests::server::free_port().expect("port"));
    // The administrator records the directory (typed documents are not written from raw JSON).
    let admin = Phone::signed_in(&base, TEST_ADMIN).await.expect("admin");
    let admin = &admin.client;
    let mut units = std::collections::BTreeMap::new();
    units.insert(
        "east".to_owned(),
        Unit {
            name: "东城区政府值班室".into(), parent: None, category: DutyCategory::One, duty_phone: "0571".into()
        },
    );
    let mut people = std::collections::BTreeMap::new();
    people.insert(
        "li".to_owned(),
        Person { name: "李四".into(), unit: "east".into(), rank: Rank::Section, phone: "139".into(), roles: vec![] },
    );
    let directory = admin.create_directory(&Directory { units, people, ..Directory::default() }).expect("directory");
    admin.sync_once(std::time::Duration::from_secs(20)).await.expect("directory to the server");
    let directory = directory.url();
    add_user(&db.url, "li", "east", &[Role::Field]).await.expect("li");
    add_user(&db.url, "desk", "east", &[Role::Desk]).await.expect("desk");
    // Online once to log in and fetch the directory; everything after this, until `sync`, is offline.
    zhiban_login(phone.path(), &base, "li").await;
    stdout(&zhiban(phone.path(), &base, &["directory", "use", &directory]).await);

    let bad = zhiban(
        phone.path(),
        &nobody,
        &[
            "report",
            "new",
            "--unit",
            "west",
            "--title",
            "火灾",
            "--received-at",
            "2026-10-01T08:00",
            "--occurred-at",
            "2026-10-01T09:00",
            "--dead",
            "-1",
        ],
    )
    .await;
    assert!(!bad.status.success());
    let reasons = String::from_utf8_lossy(&bad.stderr);
    assert!(reasons.contains("cannot file this first report"), "{reasons}");
    assert!(reasons.contains("unit \"west\" is not in the directory"), "{reasons}");
    assert!(reasons.contains("casualties.dead is -1"), "{reasons}");
    assert!(reasons.contains("after it was received"), "{reasons}");

    let filed = stdout(
        &zhiban(
            phone.path(),
            &nobody,
            &[
                "report",
                "new",
                "--unit",
                "east",
                "--title",
                "东城区仓库火灾",
                "--received-at",
                "2026-10-01T08:00",
                "--dead",
                "1",
                "--injured",
                "2",
                "--pending",
                "cause",
            ],
        )
        .await,
    );
    let url = filed.lines().next().expect("URL").to_owned();
    assert!(url.starts_with("automerge:"), "{filed}");
    assert!(filed.contains("pending: cause"), "{filed}");
    stdout(&zhiban(phone.path(), &nobody, &["report", "follow-up", &url, "--cause", "电气线路故障"]).await);
    stdout(&zhiban(phone.path(), &base, &["sync"]).await);

    let desk = tempfile::tempdir().expect("dir");
    zhiban_login(desk.path(), &base, "desk").await;
    stdout(&zhiban(desk.path(), &base, &["directory", "use", &directory]).await);
    let shown = stdout(&zhiban(desk.path(), &base, &["report", "show", &url]).await);
    assert!(shown.contains("首报") && shown.contains("续报一"), "{shown}");
    assert!(shown.contains("dead 1 injured 2"), "{shown}");
    assert!(!shown.contains("pending:"), "the follow-up filled the cause: {shown}");
    server.kill().await.expect("kill");
}
