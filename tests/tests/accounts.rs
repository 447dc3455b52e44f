//! Logging in for real over HTTP: tokens, rotation, reuse, throttling, disabled users and revoked devices,
//! with a clock the test moves. On SQLite, and on PostgreSQL when one is named.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use zhiban_model::documents::directory::Role;
use zhiban_server::ServerConfig;
use zhiban_server::accounts::{AccountPolicy, Accounts, AuthError, NewUser};
use zhiban_server::clock::ManualClock;
use zhiban_tests::accounts::TEST_ADMIN;
use zhiban_tests::{Backend, InProcessServer, TestDatabase};

struct Desk {
    server: InProcessServer,
    clock: Arc<ManualClock>,
    accounts: Accounts,
    http: reqwest::Client,
    _db: TestDatabase,
}

async fn desk(backend: Backend) -> Desk {
    let db = TestDatabase::new(backend).await.expect("database");
    let clock = Arc::new(ManualClock::at_millis(1_790_000_000_000));
    let config = ServerConfig { database_url: db.url.clone(), clock: clock.clone(), ..ServerConfig::default() };
    let server = InProcessServer::start_with(config).await.expect("server");
    let store = zhiban_server::store::open(&db.url).await.expect("store");
    let accounts = Accounts::new(store.database(), clock.clone(), AccountPolicy::default());
    accounts
        .add_user(NewUser {
            username: "li".into(),
            display_name: "李四".into(),
            unit: "east".into(),
            // An administrator too, so these stories about logins can use plain documents.
            roles: vec![Role::Field, Role::Admin],
            password: "correct horse battery".into(),
        })
        .await
        .expect("add user");
    Desk { server, clock, accounts, http: reqwest::Client::new(), _db: db }
}

impl Desk {
    async fn post(&self, path: &str, body: Value) -> (u16, Value, Option<String>) {
        let response =
            self.http.post(format!("{}{path}", self.server.http_url())).json(&body).send().await.expect("POST");
        let status = response.status().as_u16();
        let retry = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        (status, response.json().await.unwrap_or(Value::Null), retry)
    }

    async fn login(&self, password: &str) -> (u16, Value, Option<String>) {
        self.post("/api/v1/auth/login", json!({"username": "li", "password": password, "device_name": "李四的手机"}))
            .await
    }
}

#[tokio::test]
async fn login_refresh_rotation_and_reuse() {
    for backend in Backend::available() {
        let desk = desk(backend).await;
        let (status, tokens, _) = desk.login("correct horse battery").await;
        assert_eq!(status, 200, "{backend:?}: {tokens}");
        let access = tokens["access_token"].as_str().expect("access").to_owned();
        let first_refresh = tokens["refresh_token"].as_str().expect("refresh").to_owned();
        assert!(access.starts_with("zat_") && first_refresh.starts_with("zrt_"));
        assert_eq!(tokens["expires_in"], 900);
        let who = desk.accounts.authenticate(&access).await.expect("valid");
        assert_eq!(
            (who.username.as_str(), who.unit.as_str(), who.roles.clone()),
            ("li", "east", vec![Role::Field, Role::Admin])
        );
        assert_eq!(
            tokens["user"],
            json!({"username": "li", "name": "李四", "unit": "east", "roles": ["field", "admin"]})
        );

        // Fifteen minutes later the access token is gone; the refresh token gives new ones, once.
        desk.clock.advance(Duration::from_secs(16 * 60));
        assert!(matches!(desk.accounts.authenticate(&access).await, Err(AuthError::Invalid)));
        let (status, renewed, _) = desk.post("/api/v1/auth/refresh", json!({"refresh_token": first_refresh})).await;
        assert_eq!(status, 200, "{renewed}");
        let second_refresh = renewed["refresh_token"].as_str().expect("refresh").to_owned();
        assert_ne!(second_refresh, first_refresh, "the refresh token rotates");
        let renewed_access = renewed["access_token"].as_str().expect("access").to_owned();
        desk.accounts.authenticate(&renewed_access).await.expect("the new access token works");

        // The old refresh token again: it was copied. The device is signed out, the new tokens die with it.
        let (status, body, _) = desk.post("/api/v1/auth/refresh", json!({"refresh_token": first_refresh})).await;
        assert_eq!(status, 401);
        assert!(body["error"].as_str().expect("reason").contains("already used"), "{body}");
        assert!(desk.accounts.authenticate(&renewed_access).await.is_err());
        let (status, body, _) = desk.post("/api/v1/auth/refresh", json!({"refresh_token": second_refresh})).await;
        assert_eq!(status, 401);
        assert!(body["error"].as_str().expect("reason").contains("signed out"), "{body}");
        let devices = desk.accounts.devices(Some("li")).await.expect("devices");
        assert_eq!(devices.len(), 1);
        assert_eq!(devices[0].name, "李四的手机");
        assert!(devices[0].revoked.as_deref().is_some_and(|why| why.contains("used twice")));
        desk.server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn failed_logins_are_throttled_and_disabled_users_refused() {
    for backend in Backend::available() {
        let desk = desk(backend).await;
        let (status, body, _) = desk.login("wrong password").await;
        assert_eq!(status, 401);
        assert_eq!(body["error"], "wrong username or password");
        let (status, unknown, _) = desk
            .post("/api/v1/auth/login", json!({"username": "nobody", "password": "whatever123", "device_name": "x"}))
            .await;
        assert_eq!((status, &unknown), (401, &body), "an unknown user reads the same as a wrong password");
        for _ in 0..4 {
            desk.login("wrong password").await;
        }
        let (status, body, retry) = desk.login("correct horse battery").await;
        assert_eq!(status, 429, "{backend:?}: even the right password waits out the delay: {body}");
        let retry: u64 = retry.expect("Retry-After").parse().expect("seconds");
        assert!((1..=900).contains(&retry), "{retry}");
        desk.clock.advance(Duration::from_secs(retry));
        let (status, tokens, _) = desk.login("correct horse battery").await;
        assert_eq!(status, 200, "after the window: {tokens}");
        let refresh = tokens["refresh_token"].as_str().expect("refresh").to_owned();

        desk.accounts.disable_user("li").await.expect("disable");
        let (status, body, _) = desk.login("correct horse battery").await;
        assert_eq!(status, 403, "{body}");
        let (status, _, _) = desk.post("/api/v1/auth/refresh", json!({"refresh_token": refresh})).await;
        assert_eq!(status, 403, "a disabled user's device cannot refresh");
        desk.server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn a_revoked_device_and_a_reset_password_sign_devices_out() {
    let desk = desk(Backend::Sqlite).await;
    let (_, phone, _) = desk.login("correct horse battery").await;
    let (_, tablet, _) = desk.login("correct horse battery").await;
    let phone_device = phone["device_id"].as_str().expect("device").to_owned();
    desk.accounts.revoke_device(&phone_device, "phone lost").await.expect("revoke");
    assert!(desk.accounts.authenticate(phone["access_token"].as_str().expect("token")).await.is_err());
    let tablet_access = tablet["access_token"].as_str().expect("token");
    desk.accounts.authenticate(tablet_access).await.expect("the other device stays signed in");
    desk.accounts.reset_password("li", "a new long password".into()).await.expect("reset");
    assert!(desk.accounts.authenticate(tablet_access).await.is_err(), "a reset signs every device out");
    assert_eq!(desk.login("correct horse battery").await.0, 401);
    assert_eq!(desk.login("a new long password").await.0, 200);
    assert!(desk.accounts.reset_password("li", "short".into()).await.is_err(), "too short");
    desk.server.stop().await.expect("stop");
}

/// The sync socket checks a token it is given: a valid one (header or query, as browsers send it) is
/// served, an expired or made-up one is refused before the upgrade with the reason.
#[tokio::test]
async fn the_sync_socket_refuses_a_bad_token_and_serves_a_good_one() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let desk = desk(Backend::Sqlite).await;
    let (_, tokens, _) = desk.login("correct horse battery").await;
    let access = tokens["access_token"].as_str().expect("token").to_owned();

    match tokio_tungstenite::connect_async(desk.server.bare_sync_url()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 401);
            let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).to_string();
            assert!(body.contains("log in first"), "{body}");
        }
        other => panic!("a socket without a token must be refused, got {:?}", other.map(|_| ())),
    }
    let with_query = format!("{}?access_token={access}", desk.server.bare_sync_url());
    zhiban_tests::RawPeer::join(&with_query).await.expect("a valid token in the query is served");
    let mut request = desk.server.bare_sync_url().into_client_request().expect("request");
    request.headers_mut().insert("authorization", format!("Bearer {access}").parse().expect("header"));
    tokio_tungstenite::connect_async(request).await.expect("a valid bearer token is served");

    for bad in ["zat_0000", access.as_str()] {
        if bad == access {
            desk.clock.advance(Duration::from_secs(16 * 60));
        }
        let mut request = desk.server.bare_sync_url().into_client_request().expect("request");
        request.headers_mut().insert("authorization", format!("Bearer {bad}").parse().expect("header"));
        match tokio_tungstenite::connect_async(request).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status().as_u16(), 401);
                let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).to_string();
                assert!(body.contains("refresh it or log in again"), "{body}");
            }
            other => panic!("a bad token must be refused, got {:?}", other.map(|_| ())),
        }
    }
    desk.server.stop().await.expect("stop");
}

/// Every stored change is in the document's history with the server's receipt time, the device's claimed
/// time, and who delivered it when they had logged in; the server's own changes are marked as its.
#[tokio::test]
async fn the_history_names_who_delivered_each_change_and_when_the_server_got_it() {
    use automerge::transaction::Transactable;
    use zhiban_client_core::DocumentId;

    let desk = desk(Backend::Sqlite).await;
    let (_, tokens, _) = desk.login("correct horse battery").await;
    let access = tokens["access_token"].as_str().expect("token").to_owned();
    let device = tokens["device_id"].as_str().expect("device").to_owned();
    let mut peer = zhiban_tests::RawPeer::join(&format!("{}?access_token={access}", desk.server.bare_sync_url()))
        .await
        .expect("join with a token");
    let id = DocumentId::random();
    let mut doc = automerge::Automerge::new();
    let mut tx = doc.transaction();
    tx.put(automerge::ROOT, "title", "值班日志").expect("put");
    tx.commit_with(automerge::transaction::CommitOptions::default().with_time(1_789_999_000_000));
    push(&mut peer, id, &mut doc).await.expect("stored");
    let admin = zhiban_tests::Phone::signed_in(&desk.server.http_url(), TEST_ADMIN).await.expect("phone");
    admin.client.fetch(id, Duration::from_secs(10)).await.expect("fetch");
    admin.client.set_path(id, "note", &json!("交班")).expect("edit");
    admin.client.sync_once(Duration::from_secs(10)).await.expect("sync");

    let (status, body) =
        zhiban_tests::server::http_get_as(desk.server.addr, &format!("/api/v1/docs/{}/history", id.url()), &access)
            .await
            .expect("history");
    assert_eq!(status, 200, "{body}");
    let history: Value = serde_json::from_str(&body).expect("json");
    let changes = history["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 2, "{history}");
    assert_eq!(changes[0]["username"], "li");
    assert_eq!(changes[0]["device_id"], device.as_str());
    assert_eq!(changes[0]["claimed_at"], "2026-09-21T21:56:40+08:00", "the device's own time, as it claimed");
    assert_eq!(changes[0]["received_at"], "2026-09-21T22:13:20+08:00", "the server's clock");
    assert_eq!(changes[0]["touched"], json!(["title"]));
    assert_eq!(changes[1]["username"], TEST_ADMIN, "delivered by another user");
    assert_eq!(changes[1]["touched"], json!(["note"]));
    desk.server.stop().await.expect("stop");
}

/// A phone that logged in syncs as its user; after a long offline shift its expired access token is
/// refreshed without the user noticing; once its device is signed out it keeps every local change, says
/// "login required" and waits, and a new login sends what waited.
#[tokio::test]
async fn a_phone_refreshes_after_a_long_shift_and_keeps_its_work_when_signed_out() {
    use zhiban_client_core::{ClientError, ConnectionState};
    let desk = desk(Backend::Sqlite).await;
    let phone = zhiban_tests::Phone::new(&desk.server.http_url()).expect("phone");
    let device = phone.client.login("li", "correct horse battery", "李四的手机").await.expect("login");
    assert_eq!(phone.client.logged_in_as().expect("who").as_deref(), Some("li"));
    let id = phone.client.create_document(&json!({"log": "接班"})).expect("create");
    phone.client.sync_once(Duration::from_secs(10)).await.expect("sync as li");

    // Twelve hours offline: the access token is long expired; the phone refreshes and goes on.
    desk.clock.advance(Duration::from_secs(12 * 3600));
    phone.client.set_path(id, "log", &json!("交班")).expect("edit offline");
    phone.client.sync_once(Duration::from_secs(10)).await.expect("refreshed and synced");
    let on_desk = &desk;
    let history = |id: zhiban_client_core::DocumentId| async move {
        let desk = on_desk;
        let (_, answer, _) = desk.login("correct horse battery").await;
        let token = answer["access_token"].as_str().expect("token").to_owned();
        let path = format!("/api/v1/docs/{}/history", id.url());
        let (_, body) = zhiban_tests::server::http_get_as(desk.server.addr, &path, &token).await.expect("history");
        serde_json::from_str::<Value>(&body).expect("json")
    };
    let changes = history(id).await["changes"].as_array().expect("changes").clone();
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|c| c["username"] == "li" && c["device_id"] == device.as_str()), "{changes:?}");

    // Signed out by an administrator: the change made meanwhile stays, and sync says why instead of looping.
    desk.accounts.revoke_device(&device, "phone reported lost").await.expect("revoke");
    desk.clock.advance(Duration::from_secs(3600));
    phone.client.set_path(id, "note", &json!("夜间无事")).expect("edit");
    let refused = phone.client.sync_once(Duration::from_secs(10)).await.expect_err("login required");
    assert!(
        matches!(&refused, ClientError::LoginRequired(reason) if reason.contains("phone reported lost")),
        "{refused}"
    );
    assert_eq!(phone.client.status().expect("status").pending_changes(), 1, "the change is kept");
    let sync = phone.client.keep_syncing();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(matches!(phone.client.status().expect("status").connection, ConnectionState::LoginRequired { .. }));

    // A new login: the waiting sync goes on by itself and the kept change reaches the server.
    phone.client.login("li", "correct horse battery", "李四的手机").await.expect("log in again");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while phone.client.status().expect("status").pending_changes() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the kept change was not sent after the new login");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(sync);
    desk.server.stop().await.expect("stop");
}

/// Syncs `doc` until the server holds it, or returns the server's `error`.
async fn push(
    peer: &mut zhiban_tests::RawPeer,
    id: zhiban_client_core::DocumentId,
    doc: &mut automerge::Automerge,
) -> Result<(), String> {
    use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
    let mut state = SyncState::new();
    loop {
        if let Some(message) = doc.generate_sync_message(&mut state) {
            peer.send_sync(id, message.encode()).await.expect("send");
        }
        if state.their_heads.as_deref() == Some(&doc.get_heads()[..]) {
            return Ok(());
        }
        match peer.recv(Duration::from_secs(10)).await {
            zhiban_tests::peer::Received::Message(zhiban_model::Message::Sync { data, .. }) => {
                doc.receive_sync_message(&mut state, SyncMessage::decode(&data).expect("decode")).expect("apply");
            }
            zhiban_tests::peer::Received::Message(zhiban_model::Message::Error { message, .. }) => return Err(message),
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// An actor id belongs to the first user who wrote under it: another user's changes under it are refused,
/// so nobody can pass their edits off as someone else's.
#[tokio::test]
async fn a_change_under_another_users_actor_is_refused() {
    use automerge::transaction::Transactable;
    let desk = desk(Backend::Sqlite).await;
    desk.accounts
        .add_user(NewUser {
            username: "wang".into(),
            display_name: "王五".into(),
            unit: "east".into(),
            roles: vec![Role::UnitOfficer, Role::Admin],
            password: "another long password".into(),
        })
        .await
        .expect("second user");
    let (_, li, _) = desk.login("correct horse battery").await;
    let (_, wang, _) = desk
        .post(
            "/api/v1/auth/login",
            json!({"username": "wang", "password": "another long password", "device_name": "w"}),
        )
        .await;
    let join = |token: &Value| {
        format!("{}?access_token={}", desk.server.bare_sync_url(), token["access_token"].as_str().expect("t"))
    };
    let actor = automerge::ActorId::random();

    let mut li_peer = zhiban_tests::RawPeer::join(&join(&li)).await.expect("li joins");
    let id = zhiban_client_core::DocumentId::random();
    let mut doc = automerge::Automerge::new();
    doc.set_actor(actor.clone());
    let mut tx = doc.transaction();
    tx.put(automerge::ROOT, "log", "李四接班").expect("put");
    tx.commit();
    push(&mut li_peer, id, &mut doc).await.expect("li's change under li's actor");

    // Wang writes another document under li's actor id: refused, nothing stored.
    let mut wang_peer = zhiban_tests::RawPeer::join(&join(&wang)).await.expect("wang joins");
    let other = zhiban_client_core::DocumentId::random();
    let mut forged = automerge::Automerge::new();
    forged.set_actor(actor.clone());
    let mut tx = forged.transaction();
    tx.put(automerge::ROOT, "log", "冒名").expect("put");
    tx.commit();
    let refused = push(&mut wang_peer, other, &mut forged).await.expect_err("forged actor");
    assert!(refused.contains("belong to another user"), "{refused}");
    let (status, _) = zhiban_tests::server::http_get_as(
        desk.server.addr,
        &format!("/api/v1/docs/{}/history", other.url()),
        li["access_token"].as_str().expect("token"),
    )
    .await
    .expect("get");
    assert_eq!(status, 404, "nothing of the forged change was stored");

    // Under an actor of his own, wang writes freely.
    let mut own = automerge::Automerge::new();
    let mut tx = own.transaction();
    tx.put(automerge::ROOT, "log", "王五接班").expect("put");
    tx.commit();
    push(&mut wang_peer, zhiban_client_core::DocumentId::random(), &mut own).await.expect("own actor");
    desk.server.stop().await.expect("stop");
}

/// Only the server writes under the server's actor ids. A phone can read one from its home document's
/// history (the server writes homes); a change under it is refused, not recorded as the server's own — and
/// so is one under the actor of a server process that has since stopped (bound to the server when stored).
#[tokio::test]
async fn a_change_under_the_servers_actor_is_refused() {
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    for backend in Backend::available() {
        let desk = desk(backend).await;
        let (_, li, _) = desk.login("correct horse battery").await;
        let token = li["access_token"].as_str().expect("token").to_owned();
        let home = zhiban_client_core::DocumentId::parse_url_or_id(li["home_document"].as_str().expect("home"))
            .expect("home id");
        let join = |server: &InProcessServer| format!("{}?access_token={token}", server.bare_sync_url());
        let history = |server: &InProcessServer| {
            let (addr, token, path) = (server.addr, token.clone(), format!("/api/v1/docs/{}/history", home.url()));
            async move {
                let (status, body) = zhiban_tests::server::http_get_as(addr, &path, &token).await.expect("GET");
                assert_eq!(status, 200, "{body}");
                serde_json::from_str::<Value>(&body).expect("json")["changes"].as_array().expect("changes").clone()
            }
        };

        // Li's phone holds her home, written by the server: its changes show the server's actor.
        let mut peer = zhiban_tests::RawPeer::join(&join(&desk.server)).await.expect("li joins");
        let (doc, state) = peer.fetch(home).await.expect("fetch").expect("li's home");
        let server_actor = doc.get_changes(&[]).last().expect("the server wrote the home").actor_id().clone();
        let stored = history(&desk.server).await;
        assert!(stored.iter().all(|c| c["device_id"] == "server" && c["username"].is_null()), "{stored:?}");

        // A receipt for an alert (all a person may add to their home), written under `actor`.
        let receipt_under = |doc: &automerge::Automerge, actor: &automerge::ActorId, alert: &str| {
            let mut forged = doc.fork().with_actor(actor.clone());
            let mut tx = forged.transaction();
            let receipts = match tx.get(automerge::ROOT, "acknowledged").expect("read") {
                Some((_, id)) => id,
                None => tx.put_object(automerge::ROOT, "acknowledged", automerge::ObjType::Map).expect("map"),
            };
            let receipt = tx.put_object(&receipts, alert, automerge::ObjType::Map).expect("put");
            tx.put(&receipt, "at", "2026-10-01T09:00:00+08:00").expect("put");
            tx.put(&receipt, "device", "phone").expect("put");
            tx.commit();
            forged
        };

        // Under the server's actor: refused by its rule, nothing stored.
        let mut forged = receipt_under(&doc, &server_actor, "al_0123456789abcdef01234567");
        let refused =
            peer.push_until_confirmed(home, &mut forged, &mut state.clone()).await.expect_err("the server's actor");
        let refused = refused.to_string();
        assert!(refused.contains("(rule actor.server)"), "{backend:?}: {refused}");
        assert_eq!(history(&desk.server).await, stored, "{backend:?}: nothing of it was stored");

        // The server stops; the next one writes under an actor of its own. The old one stays the server's.
        let url = desk.server.database_url.clone();
        let clock = desk.clock.clone();
        desk.server.stop().await.expect("stop");
        let config = ServerConfig { database_url: url, clock, ..ServerConfig::default() };
        let server = InProcessServer::start_with(config).await.expect("the server starts again");
        let mut peer = zhiban_tests::RawPeer::join(&join(&server)).await.expect("li joins again");
        let (doc, state) = peer.fetch(home).await.expect("fetch").expect("li's home");
        let before = history(&server).await;
        let mut forged = receipt_under(&doc, &server_actor, "al_0123456789abcdef01234568");
        let refused = peer
            .push_until_confirmed(home, &mut forged, &mut state.clone())
            .await
            .expect_err("an earlier server's actor")
            .to_string();
        assert!(refused.contains("(rule actor.owner)"), "{backend:?}: {refused}");
        assert_eq!(history(&server).await, before, "{backend:?}: nothing of it was stored");

        // Under her phone's own actor the same receipt is taken, and recorded as hers.
        let mut peer = zhiban_tests::RawPeer::join(&join(&server)).await.expect("li joins again");
        let (doc, mut state) = peer.fetch(home).await.expect("fetch").expect("li's home");
        let mut own = receipt_under(&doc, &automerge::ActorId::random(), "al_0123456789abcdef01234568");
        peer.push_until_confirmed(home, &mut own, &mut state).await.expect("li's own receipt");
        let after = history(&server).await;
        assert!(after.iter().any(|c| c["username"] == "li" && c["device_id"] != "server"), "{after:?}");
        server.stop().await.expect("stop");
    }
}

/// A phone writes under one actor id, kept across app restarts, so the history shows one author per phone;
/// when another user logs in on the same (shared duty) phone, their changes go under an actor of their own,
/// which the server's actor binding accepts.
#[tokio::test]
async fn a_phone_keeps_one_actor_and_a_second_user_on_it_gets_another() {
    let desk = desk(Backend::Sqlite).await;
    desk.accounts
        .add_user(NewUser {
            username: "wang".into(),
            display_name: "王五".into(),
            unit: "east".into(),
            roles: vec![Role::UnitOfficer, Role::Admin],
            password: "another long password".into(),
        })
        .await
        .expect("second user");
    let phone = zhiban_tests::Phone::new(&desk.server.http_url()).expect("phone");
    phone.client.login("li", "correct horse battery", "值班室手机").await.expect("li logs in");
    let id = phone.client.create_document(&json!({"log": "接班"})).expect("create");
    phone.client.sync_once(Duration::from_secs(10)).await.expect("sync");
    let phone = phone.restart(&desk.server.http_url()).expect("the app starts again");
    phone.client.set_path(id, "log", &json!("巡查")).expect("edit after the restart");
    phone.client.sync_once(Duration::from_secs(10)).await.expect("sync");
    phone.client.login("wang", "another long password", "值班室手机").await.expect("wang takes over the phone");
    phone.client.set_path(id, "log", &json!("交班")).expect("wang's edit");
    phone.client.sync_once(Duration::from_secs(10)).await.expect("wang's change is accepted");

    let (_, answer, _) = desk.login("correct horse battery").await;
    let token = answer["access_token"].as_str().expect("token");
    let path = format!("/api/v1/docs/{}/history", id.url());
    let (_, body) = zhiban_tests::server::http_get_as(desk.server.addr, &path, token).await.expect("history");
    let history: Value = serde_json::from_str(&body).expect("json");
    let changes = history["changes"].as_array().expect("changes");
    let by = |user: &str| -> Vec<&str> {
        changes.iter().filter(|c| c["username"] == user).filter_map(|c| c["actor"].as_str()).collect()
    };
    let (li, wang) = (by("li"), by("wang"));
    assert_eq!(li.len(), 2, "{history}");
    assert_eq!(li[0], li[1], "one actor for li's phone, across the restart: {history}");
    assert_eq!(wang.len(), 1, "{history}");
    assert_ne!(wang[0], li[0], "wang writes under an actor of his own");
    desk.server.stop().await.expect("stop");
}
