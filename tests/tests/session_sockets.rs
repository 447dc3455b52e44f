//! A sync socket lasts no longer than its session: signing out, an administrator's revoke, a password reset,
//! a disabled account and a change of the person's unit or roles (in the accounts or in the directory) end
//! the affected sockets within seconds — made in this server, by an `admin` command in another process
//! (SQLite's watch), or through another server (PostgreSQL's notifications). An access token's ordinary
//! expiry ends nothing. The phone turns the close into "login required", keeping its unsent work.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zhiban_model::documents::directory::Role;
use zhiban_model::wire::{SESSION_CHANGED_RULE, SESSION_ENDED_RULE};
use zhiban_model::{DocumentId, Message};
use zhiban_server::ServerConfig;
use zhiban_server::clock::ManualClock;
use zhiban_tests::accounts::{password_of, with_token};
use zhiban_tests::duty::{add_people, record_directory, small_city};
use zhiban_tests::peer::Received;
use zhiban_tests::server::program;
use zhiban_tests::{Backend, InProcessServer, Phone, RawPeer, TestDatabase};

/// How long a test waits for a socket to end; the promise is "within a few seconds".
const ENDS_WITHIN: Duration = Duration::from_secs(5);

/// A device logged in over HTTP, as a phone does.
struct Device {
    access_token: String,
    device_id: String,
}

async fn log_in(server: &InProcessServer, username: &str) -> Device {
    let body = json!({"username": username, "password": password_of(username), "device_name": "测试手机"});
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", server.http_url()))
        .json(&body)
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("tokens");
    Device {
        access_token: answer["access_token"].as_str().expect("access token").to_owned(),
        device_id: answer["device_id"].as_str().expect("device id").to_owned(),
    }
}

/// A socket of `device` that holds the directory (which everyone may read), so it is a live peer of it.
async fn holding_the_directory(server: &InProcessServer, device: &Device, directory: DocumentId) -> RawPeer {
    let mut peer = RawPeer::join(&with_token(&server.bare_sync_url(), &device.access_token)).await.expect("join");
    assert!(peer.fetch(directory).await.expect("fetch").is_some(), "everyone reads the directory");
    peer
}

/// Waits for the server's `error` naming `rule`, then the close; returns how long it took.
async fn ends_with(peer: &mut RawPeer, rule: &str) -> Duration {
    let started = Instant::now();
    let deadline = started + ENDS_WITHIN;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match peer.recv(left).await {
            Received::Message(Message::Error { message, document_id, refusals, .. }) => {
                assert_eq!(document_id, None, "the whole connection ends: {message}");
                let rules: Vec<&str> = refusals.iter().map(|r| r.rule.as_str()).collect();
                assert_eq!(rules, [rule], "expected rule {rule}: {message}");
                assert!(!refusals[0].reason_zh.is_empty(), "said in Chinese too: {refusals:?}");
                let closed = peer.recv(ENDS_WITHIN).await;
                assert!(matches!(closed, Received::Closed), "closed after the error, got {closed:?}");
                return started.elapsed();
            }
            Received::Message(_) => continue,
            other => panic!("expected an error naming {rule} within {ENDS_WITHIN:?}, got {other:?}"),
        }
    }
}

/// The socket is still served: nothing ends it, and it can still fetch.
async fn still_served(peer: &mut RawPeer, directory: DocumentId) {
    match peer.recv(Duration::from_millis(1500)).await {
        Received::Nothing | Received::Message(Message::Sync { .. }) => {}
        other => panic!("this socket should go on, got {other:?}"),
    }
    assert!(peer.fetch(directory).await.expect("fetch").is_some(), "still served");
}

async fn city(backend: Backend) -> (TestDatabase, InProcessServer, DocumentId) {
    let db = TestDatabase::new(backend).await.expect("database");
    let server = InProcessServer::start(&db.url).await.expect("server");
    let directory = record_directory(&server.http_url(), &small_city()).await.expect("directory");
    add_people(&db.url, &small_city()).await.expect("accounts");
    (db, server, directory)
}

async fn logout(server: &InProcessServer, device: &Device) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/api/v1/auth/logout", server.http_url()))
        .bearer_auth(&device.access_token)
        .send()
        .await
        .expect("logout")
        .status()
        .as_u16()
}

/// Signing out on one phone ends that phone's socket (it stopped receiving instructions and the directory
/// only when it disconnected), and not the person's other phone.
#[tokio::test]
async fn signing_out_ends_that_devices_socket_and_no_other() {
    for backend in Backend::available() {
        let (_db, server, directory) = city(backend).await;
        let phone = log_in(&server, "wang").await;
        let tablet = log_in(&server, "wang").await;
        let mut on_phone = holding_the_directory(&server, &phone, directory).await;
        let mut on_tablet = holding_the_directory(&server, &tablet, directory).await;

        assert_eq!(logout(&server, &phone).await, 204);
        let took = ends_with(&mut on_phone, SESSION_ENDED_RULE).await;
        eprintln!("{backend:?}: the signed-out socket ended {took:?} after the logout");
        still_served(&mut on_tablet, directory).await;
        server.stop().await.expect("stop");
    }
}

/// `zhiban-server admin …` in its own process, against the server's database.
async fn admin(args: &[&str], password: Option<&str>) {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(program("test-zhiban-server"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    if let Some(password) = password {
        stdin.write_all(format!("{password}\n").as_bytes()).await.expect("password");
    }
    drop(stdin);
    let output = child.wait_with_output().await.expect("run");
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// An administrator's commands, run as separate processes while the server runs (on SQLite, seen through
/// the database watch): a revoked device, a reset password and a disabled account end their sockets as a
/// lost login; new roles end them as changed, and the same token reconnects with the new rights.
#[tokio::test]
async fn an_administrators_commands_in_another_process_end_sockets() {
    for backend in Backend::available() {
        let (db, server, directory) = city(backend).await;
        let database = ["--database", db.url.as_str()];
        let li = log_in(&server, "li").await;
        let wang = log_in(&server, "wang").await;
        let zhao = log_in(&server, "zhao").await;
        let qian = log_in(&server, "qian").await;
        let mut li_socket = holding_the_directory(&server, &li, directory).await;
        let mut wang_socket = holding_the_directory(&server, &wang, directory).await;
        let mut zhao_socket = holding_the_directory(&server, &zhao, directory).await;
        let mut qian_socket = holding_the_directory(&server, &qian, directory).await;

        admin(&[&["admin", "device", "revoke"][..], &database, &[li.device_id.as_str()]].concat(), None).await;
        ends_with(&mut li_socket, SESSION_ENDED_RULE).await;
        admin(
            &[&["admin", "user", "reset-password"][..], &database, &["--username", "wang", "--password-stdin"]]
                .concat(),
            Some("一个新的足够长的密码"),
        )
        .await;
        ends_with(&mut wang_socket, SESSION_ENDED_RULE).await;
        admin(&[&["admin", "user", "disable"][..], &database, &["--username", "zhao"]].concat(), None).await;
        ends_with(&mut zhao_socket, SESSION_ENDED_RULE).await;
        still_served(&mut qian_socket, directory).await;

        admin(
            &[
                &["admin", "user", "roles"][..],
                &database,
                &["--username", "qian", "--role", "unit_officer", "--role", "field"],
            ]
            .concat(),
            None,
        )
        .await;
        ends_with(&mut qian_socket, SESSION_CHANGED_RULE).await;
        // The session stands: the same token is served again, as qian is now.
        let mut again = holding_the_directory(&server, &qian, directory).await;
        still_served(&mut again, directory).await;
        server.stop().await.expect("stop");
    }
}

/// A person's line in the directory (their roles there) changed by the administrator's phone: their socket
/// ends as changed; others' go on.
#[tokio::test]
async fn a_change_of_a_persons_line_in_the_directory_ends_their_socket() {
    for backend in Backend::available() {
        let (_db, server, directory) = city(backend).await;
        let zhao = log_in(&server, "zhao").await;
        let li = log_in(&server, "li").await;
        let mut zhao_socket = holding_the_directory(&server, &zhao, directory).await;
        let mut li_socket = holding_the_directory(&server, &li, directory).await;

        let admin = Phone::signed_in(&server.http_url(), zhiban_tests::accounts::TEST_ADMIN).await.expect("admin");
        admin.client.fetch(directory, Duration::from_secs(10)).await.expect("the directory");
        admin.client.set_path(directory, "/people/zhao/roles", &json!(["field"])).expect("zhao becomes a reporter");
        admin.client.sync_once(Duration::from_secs(10)).await.expect("sent");

        ends_with(&mut zhao_socket, SESSION_CHANGED_RULE).await;
        still_served(&mut li_socket, directory).await;
        server.stop().await.expect("stop");
    }
}

/// An access token that expires in the ordinary way ends no socket while its device's session stands, even
/// when the server checks that person's sessions (their other phone signs out).
#[tokio::test]
async fn an_expired_access_token_ends_no_socket() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let clock = Arc::new(ManualClock::at_millis(1_790_000_000_000));
        let config = ServerConfig { database_url: db.url.clone(), clock: clock.clone(), ..ServerConfig::default() };
        let server = InProcessServer::start_with(config).await.expect("server");
        let directory = record_directory(&server.http_url(), &small_city()).await.expect("directory");
        add_people(&db.url, &small_city()).await.expect("accounts");
        let phone = log_in(&server, "wang").await;
        let tablet = log_in(&server, "wang").await;
        let mut on_phone = holding_the_directory(&server, &phone, directory).await;

        clock.advance(Duration::from_secs(60 * 60));
        assert_eq!(logout(&server, &tablet).await, 401, "the tablet's token expired too");
        // Signed out by the server instead, which makes it check wang's sessions.
        let accounts = zhiban_server::accounts::Accounts::new(
            zhiban_server::store::open(&db.url).await.expect("store").database(),
            clock.clone(),
            zhiban_server::accounts::AccountPolicy::default(),
        );
        accounts.revoke_device(&tablet.device_id, "lost").await.expect("revoke the tablet");
        tokio::time::sleep(Duration::from_secs(3)).await;
        still_served(&mut on_phone, directory).await;
        server.stop().await.expect("stop");
    }
}

/// Two servers on one PostgreSQL: signing out through one ends the socket held by the other.
#[tokio::test]
async fn signing_out_through_one_server_ends_the_socket_on_the_other() {
    if !Backend::available().contains(&Backend::Postgres) {
        eprintln!("skipped: set ZHIBAN_TEST_POSTGRES_URL to run the two-server test");
        return;
    }
    let (db, one, directory) = city(Backend::Postgres).await;
    let two = InProcessServer::start(&db.url).await.expect("server two");
    let phone = log_in(&one, "wang").await;
    let mut on_two = holding_the_directory(&two, &phone, directory).await;
    assert_eq!(logout(&one, &phone).await, 204);
    let took = ends_with(&mut on_two, SESSION_ENDED_RULE).await;
    eprintln!("the socket on the other server ended {took:?} after the logout");

    let roles_changed = log_in(&one, "qian").await;
    let mut qian_on_two = holding_the_directory(&two, &roles_changed, directory).await;
    let accounts = zhiban_server::accounts::Accounts::new(
        zhiban_server::store::open(&db.url).await.expect("store").database(),
        Arc::new(zhiban_server::clock::SystemClock),
        zhiban_server::accounts::AccountPolicy::default(),
    );
    accounts.set_roles("qian", None, &[Role::Field]).await.expect("new roles");
    ends_with(&mut qian_on_two, SESSION_CHANGED_RULE).await;
    one.stop().await.expect("stop one");
    two.stop().await.expect("stop two");
}

/// The phone's library: a socket ended because the device was signed out turns into "login required", and
/// what the person writes meanwhile stays on the phone, waiting for the next login.
#[tokio::test]
async fn the_phone_says_login_required_and_keeps_its_work() {
    use zhiban_client_core::ConnectionState;
    let (db, server, directory) = city(Backend::Sqlite).await;
    let phone = Phone::signed_in(&server.http_url(), "wang").await.expect("wang's phone");
    phone.client.fetch(directory, Duration::from_secs(10)).await.expect("directory");
    let _live = phone.client.keep_syncing();
    let online = async {
        while !matches!(phone.client.status().expect("status").connection, ConnectionState::Online) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), online).await.expect("online");

    let accounts = zhiban_server::accounts::Accounts::new(
        zhiban_server::store::open(&db.url).await.expect("store").database(),
        Arc::new(zhiban_server::clock::SystemClock),
        zhiban_server::accounts::AccountPolicy::default(),
    );
    let device = accounts.devices(Some("wang")).await.expect("devices").pop().expect("wang's phone");
    accounts.revoke_device(&device.device_id, "phone lost").await.expect("revoke");
    let login_required = async {
        loop {
            if let ConnectionState::LoginRequired { reason } = phone.client.status().expect("status").connection {
                return reason;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let reason = tokio::time::timeout(ENDS_WITHIN, login_required).await.expect("login required within seconds");
    assert!(reason.contains("signed out"), "{reason}");

    let note = phone.client.create_document(&json!({"note": "离线时写的"})).expect("written while signed out");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = phone.client.status().expect("status");
    assert!(status.pending.iter().any(|d| d.id == note), "kept, waiting for a login: {status:?}");
    server.stop().await.expect("stop");
}
