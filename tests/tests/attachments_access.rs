//! Attachments and who may have them, against the real server: the bytes and their upload's status only
//! for people who may see an incident listing the hash (and its uploader, for the status); an upload under
//! way belongs to its uploader, so another person's partial upload of a wrong size blocks no one; a partial
//! upload left 24 hours is removed; and each person's uploads stay within the quota. On SQLite, and on
//! PostgreSQL when one is named.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use zhiban_client_core::{ClientError, DocumentId, UploadOptions};
use zhiban_model::documents::incident::{FirstReport, ReportDetails};
use zhiban_server::ServerConfig;
use zhiban_server::clock::ManualClock;
use zhiban_tests::accounts::{TEST_ADMIN, login, password_of};
use zhiban_tests::console::Browser;
use zhiban_tests::duty::{add_people, at, record_directory, small_city};
use zhiban_tests::photos::{photo, sha256_hex};
use zhiban_tests::server::{ServerProcess, free_port, http_get};
use zhiban_tests::{Backend, InProcessServer, Phone, TestDatabase};

const SYNC: Duration = Duration::from_secs(20);
const MIB: usize = 1024 * 1024;

struct Office {
    db: TestDatabase,
    server: InProcessServer,
    /// The server's clock, which the tests move.
    clock: Arc<ManualClock>,
    http: reqwest::Client,
}

/// The small city (the desk and the mayor; east with its chief, officers wang and zhao and reporter li;
/// the water bureau's officer qian) on a server whose clock the test moves.
async fn office(backend: Backend, quota: Option<u64>) -> Office {
    let db = TestDatabase::new(backend).await.expect("database");
    let clock = Arc::new(ManualClock::at_millis(chrono::Utc::now().timestamp_millis()));
    let mut config = ServerConfig { database_url: db.url.clone(), clock: clock.clone(), ..ServerConfig::default() };
    if let Some(quota) = quota {
        config.attachment_quota_bytes = quota;
    }
    let server = InProcessServer::start_with(config).await.expect("server");
    record_directory(&server.http_url(), &small_city()).await.expect("directory");
    add_people(&db.url, &small_city()).await.expect("accounts");
    Office { db, server, clock, http: reqwest::Client::new() }
}

impl Office {
    fn base(&self) -> String {
        self.server.http_url()
    }

    /// A phone of `person` holding the directory, as the phone app sets itself up.
    async fn phone(&self, person: &str) -> Phone {
        let phone = Phone::signed_in(&self.base(), person).await.expect("phone");
        phone.client.directory_from_server(SYNC).await.expect("directory from the server");
        phone.client.set_identity(person, &format!("{person}'s phone")).expect("identity");
        phone
    }

    /// An access token of `person`, fresh by the server's clock.
    async fn token(&self, person: &str) -> String {
        login(&self.base(), person).await.unwrap_or_else(|e| panic!("{person} logs in: {e}"))
    }

    /// `person` files a first report on their phone, attaches `photos` to it and syncs the incident (not the
    /// bytes, which `upload_attachments` sends).
    async fn report_with_photos(&self, phone: &Phone, sensitive: bool, photos: &[&[u8]]) -> (DocumentId, Vec<String>) {
        let report = FirstReport {
            title: "东城区仓库火灾".into(),
            unit: "east".into(),
            received_at: Some(at("2026-10-01T08:00:00+08:00")),
            sensitive,
            details: ReportDetails { account: "仓库起火，消防已到场".into(), ..Default::default() },
            ..Default::default()
        };
        let filed = phone.client.file_first_report(report, at("2026-10-01T08:10:00+08:00")).expect("file");
        let mut hashes = Vec::new();
        for (n, photo) in photos.iter().enumerate() {
            let sha = phone
                .client
                .attach(
                    filed.incident,
                    &format!("现场{n}.jpg"),
                    "image/jpeg",
                    photo,
                    Some(&filed.entry),
                    at("2026-10-01T08:12:00+08:00"),
                )
                .expect("attach");
            hashes.push(sha);
        }
        phone.client.sync_once(SYNC).await.expect("the incident reaches the server");
        (filed.incident, hashes)
    }

    /// `GET path` with `token`: status and body.
    async fn get(&self, path: &str, token: &str) -> (u16, Vec<u8>) {
        let response = self
            .http
            .get(format!("{}{path}", self.base()))
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        (status, response.bytes().await.expect("body").to_vec())
    }

    async fn status_of(&self, sha: &str, token: &str) -> (u16, Value) {
        let (status, body) = self.get(&format!("/api/v1/attachments/{sha}/status"), token).await;
        (status, serde_json::from_slice(&body).expect("JSON"))
    }

    /// One chunk as a phone sends it: status and JSON answer.
    async fn put(&self, sha: &str, offset: usize, total: usize, data: &[u8], token: &str) -> (u16, Value) {
        let url = format!("{}/api/v1/attachments/{sha}?offset={offset}&total={total}", self.base());
        let response =
            self.http.put(url).bearer_auth(token).body(data.to_vec()).send().await.expect("the server answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON"))
    }

    /// Rows and chunks the database holds for `sha`.
    async fn stored(&self, sha: &str) -> (i64, i64) {
        let store = zhiban_server::store::open(&self.db.url).await.expect("the database");
        let database = store.database();
        zhiban_server::on_database!(&database, pool => {
            let uploads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachment_uploads WHERE sha256 = $1")
                .bind(sha)
                .fetch_one(pool)
                .await
                .expect("count uploads");
            let chunks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachment_chunks WHERE sha256 = $1")
                .bind(sha)
                .fetch_one(pool)
                .await
                .expect("count chunks");
            (uploads, chunks)
        })
    }
}

/// A photo, its bytes, who may see an incident listing it, and who may not.
type Row<'a> = (&'a str, &'a [u8], &'a [&'a str], &'a [&'a str]);

fn reason(answer: &Value) -> &str {
    answer["error"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn only_people_who_may_see_an_incident_listing_the_hash_get_its_bytes_and_status() {
    for backend in Backend::available() {
        let office = office(backend, None).await;
        let li = office.phone("li").await;
        let ordinary = photo(300_000, 1);
        let (incident, hashes) = office.report_with_photos(&li, false, &[&ordinary]).await;
        let ordinary_sha = hashes[0].clone();
        assert!(li.client.upload_attachments(UploadOptions::default()).await.expect("upload").all_complete());
        let wang = office.phone("wang").await;
        let secret = photo(200_000, 2);
        let (_, hashes) = office.report_with_photos(&wang, true, &[&secret]).await;
        let secret_sha = hashes[0].clone();
        assert!(wang.client.upload_attachments(UploadOptions::default()).await.expect("upload").all_complete());

        let table: [Row; 2] = [
            (&ordinary_sha, &ordinary, &["desk", "mayor", "east-chief", "wang", "li"], &["qian", TEST_ADMIN]),
            (&secret_sha, &secret, &["desk", "mayor", "wang", "zhao"], &["li", "qian", TEST_ADMIN]),
        ];
        let unknown = sha256_hex(b"bytes nobody attached");
        for (sha, bytes, may, may_not) in table {
            for person in may {
                let token = office.token(person).await;
                let (status, got) = office.get(&format!("/api/v1/attachments/{sha}"), &token).await;
                assert_eq!(status, 200, "{backend:?}: {person} downloads {sha}");
                assert_eq!(got, bytes, "{backend:?}: {person} gets the bytes");
                let (status, answer) = office.status_of(sha, &token).await;
                assert_eq!((status, &answer["complete"]), (200, &Value::Bool(true)), "{backend:?}: {person}");
            }
            for person in may_not {
                let token = office.token(person).await;
                let (status, body) = office.get(&format!("/api/v1/attachments/{sha}"), &token).await;
                assert_eq!(status, 404, "{backend:?}: {person} may not download {sha}");
                // Told exactly what they are told of a hash nobody attached.
                let (_, unknown_body) = office.get(&format!("/api/v1/attachments/{unknown}"), &token).await;
                let as_unknown = String::from_utf8_lossy(&unknown_body).replace(&unknown, sha);
                assert_eq!(String::from_utf8_lossy(&body), as_unknown, "{backend:?}: {person}");
                let (status, answer) = office.status_of(sha, &token).await;
                assert_eq!(status, 404, "{backend:?}: {person} may not see the upload of {sha}: {answer}");
                assert_eq!(reason(&answer), format!("no attachment {sha}"), "{backend:?}");
            }
        }

        // The console serves the bytes through the same check: the desk has the photo, an administrator
        // (who sees no unit's incidents) is told it does not exist.
        let path = format!("/incidents/{incident}/attachments/{ordinary_sha}");
        let mut desk = Browser::new(&office.base());
        desk.sign_in("desk", &password_of("desk")).await;
        assert_eq!(desk.get(&path).await.status, 200, "{backend:?}: the desk's console shows the photo");
        let mut admin = Browser::new(&office.base());
        admin.sign_in(TEST_ADMIN, &password_of(TEST_ADMIN)).await;
        assert_eq!(admin.get(&path).await.status, 404, "{backend:?}: not to an administrator");
        office.server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn the_uploader_follows_and_resumes_their_own_upload_that_no_incident_they_see_lists() {
    for backend in Backend::available() {
        let office = office(backend, None).await;
        let data = photo(10_000, 3);
        let sha = sha256_hex(&data);
        let admin = office.token(TEST_ADMIN).await;
        let qian = office.token("qian").await;
        assert_eq!(office.put(&sha, 0, data.len(), &data[..4_000], &admin).await.0, 200);
        let (status, answer) = office.status_of(&sha, &admin).await;
        assert_eq!((status, &answer["received"]), (200, &Value::from(4_000)), "{backend:?}: {answer}");
        let (status, answer) = office.status_of(&sha, &qian).await;
        assert_eq!(status, 404, "{backend:?}: nobody else hears of it: {answer}");
        assert_eq!(office.put(&sha, 4_000, data.len(), &data[4_000..], &admin).await.0, 201);
        let (status, answer) = office.status_of(&sha, &admin).await;
        assert_eq!((status, &answer["complete"]), (200, &Value::Bool(true)), "{backend:?}: {answer}");
        // The bytes go only to people who may see an incident listing them: here nobody.
        let (status, _) = office.get(&format!("/api/v1/attachments/{sha}"), &admin).await;
        assert_eq!(status, 404, "{backend:?}");
        office.server.stop().await.expect("stop");
    }
}

fn http_status(result: Result<zhiban_client_core::UploadReport, ClientError>) -> Option<u16> {
    match result {
        Err(ClientError::Http { status, .. }) => Some(status),
        _ => None,
    }
}

#[tokio::test]
async fn someone_elses_partial_upload_does_not_block_the_real_uploader() {
    for backend in Backend::available() {
        let office = office(backend, None).await;
        let li = office.phone("li").await;
        let qian = office.token("qian").await;
        let garbage = photo(1_000, 99);
        let desk = office.token("desk").await;
        let downloaded = |sha: String| {
            let office = &office;
            let desk = &desk;
            async move { office.get(&format!("/api/v1/attachments/{sha}"), desk).await }
        };

        // Someone announces the photo's name with another size: the phone starts over and replaces it.
        let wrong_size = photo(3 * MIB + 100, 4);
        let (_, hashes) = office.report_with_photos(&li, false, &[&wrong_size]).await;
        assert_eq!(office.put(&hashes[0], 0, 5_000, &garbage, &qian).await.0, 200);
        let upload = li.client.upload_attachments(UploadOptions::default()).await.expect("the photo uploads");
        assert!(upload.all_complete(), "{backend:?}: {upload:?}");
        assert_eq!(downloaded(hashes[0].clone()).await, (200, wrong_size), "{backend:?}: the real bytes, whole");

        // Someone else's upload of the same size, a chunk a moment ago: left to them for a minute (most
        // likely the same photo from another phone), then the phone's bytes replace it.
        let same_size = photo(2 * MIB + 7, 5);
        let (_, hashes) = office.report_with_photos(&li, false, &[&same_size]).await;
        assert_eq!(office.put(&hashes[0], 0, same_size.len(), &garbage, &qian).await.0, 200);
        let busy = li.client.upload_attachments(UploadOptions::default()).await;
        assert_eq!(http_status(busy), Some(503), "{backend:?}");
        office.clock.advance(Duration::from_secs(61));
        let upload = li.client.upload_attachments(UploadOptions::default()).await.expect("the photo uploads");
        assert!(upload.all_complete(), "{backend:?}: {upload:?}");
        assert_eq!(downloaded(hashes[0].clone()).await, (200, same_size), "{backend:?}");

        // Nobody appends to bytes someone else sent: continuing the phone's upload, they are told to start
        // from 0, and the phone's upload goes on undisturbed.
        let interrupted = photo(2 * MIB + 9, 6);
        let (_, hashes) = office.report_with_photos(&li, false, &[&interrupted]).await;
        let sha = &hashes[0];
        let one = UploadOptions { chunk_bytes: MIB, max_chunks: Some(1) };
        li.client.upload_attachments(one).await.expect("the first chunk");
        let (status, answer) = office.put(sha, MIB, interrupted.len(), &interrupted[MIB..2 * MIB], &qian).await;
        assert_eq!((status, &answer["received"]), (409, &Value::from(0)), "{backend:?}: {answer}");
        assert!(reason(&answer).contains("someone else"), "{backend:?}: {answer}");
        let (_, answer) = office.status_of(sha, &office.token("li").await).await;
        assert_eq!(answer["received"], MIB, "{backend:?}: {answer}");
        let upload = li.client.upload_attachments(UploadOptions::default()).await.expect("the rest");
        let resumed = &upload.attachments[0];
        assert_eq!((resumed.resumed_from, resumed.complete), (MIB as i64, true), "{backend:?}");
        assert_eq!(downloaded(sha.clone()).await, (200, interrupted), "{backend:?}");
        office.server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn a_partial_upload_left_24_hours_is_removed() {
    for backend in Backend::available() {
        let office = office(backend, None).await;
        let li = office.phone("li").await;
        let data = photo(2 * MIB + 11, 7);
        let (_, hashes) = office.report_with_photos(&li, false, &[&data]).await;
        let sha = &hashes[0];
        let one = UploadOptions { chunk_bytes: MIB, max_chunks: Some(1) };
        li.client.upload_attachments(one).await.expect("the first chunk");
        assert_eq!(office.stored(sha).await, (1, 1));

        // A day less a minute later it is still there to resume.
        office.clock.advance(Duration::from_secs(24 * 3600 - 60));
        let (_, answer) = office.status_of(sha, &office.token("li").await).await;
        assert_eq!(answer["received"], MIB, "{backend:?}: {answer}");
        // Two minutes more without a chunk: the server removes it, bytes and row, by itself.
        office.clock.advance(Duration::from_secs(120));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while office.stored(sha).await != (0, 0) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(office.stored(sha).await, (0, 0), "{backend:?}: the partial upload is gone");
        let li_token = office.token("li").await;
        let (_, answer) = office.status_of(sha, &li_token).await;
        assert_eq!((&answer["received"], &answer["complete"]), (&Value::from(0), &Value::Bool(false)), "{answer}");
        let (status, answer) = office.put(sha, MIB, data.len(), &data[MIB..2 * MIB], &li_token).await;
        assert_eq!((status, &answer["received"]), (409, &Value::from(0)), "{backend:?}: {answer}");
        // The phone sends it again from the start.
        let upload = li.client.upload_attachments(UploadOptions::default()).await.expect("again");
        assert_eq!((upload.attachments[0].resumed_from, upload.attachments[0].complete), (0, true), "{backend:?}");
        office.server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn each_persons_uploads_stay_within_the_quota() {
    for backend in Backend::available() {
        let office = office(backend, Some(100_000)).await;
        let li = office.phone("li").await;
        let first = photo(60_000, 8);
        let second = photo(50_000, 9);
        let (_, hashes) = office.report_with_photos(&li, false, &[&first]).await;
        assert!(li.client.upload_attachments(UploadOptions::default()).await.expect("upload").all_complete());
        let (_, hashes_2) = office.report_with_photos(&li, false, &[&second]).await;
        let refused = li.client.upload_attachments(UploadOptions::default()).await;
        match &refused {
            Err(ClientError::Http { status: 413, reason, .. }) => {
                assert!(reason.contains("ask an administrator to raise --attachment-quota-bytes"), "{reason}");
            }
            other => panic!("{backend:?}: past the quota: {other:?}"),
        }
        let li_token = office.token("li").await;
        let (_, answer) = office.status_of(&hashes_2[0], &li_token).await;
        assert_eq!(answer["received"], 0, "{backend:?}: nothing of it stored: {answer}");
        // An upload under way counts at its announced size.
        let third = photo(30_000, 10);
        let fourth = photo(20_000, 11);
        assert_eq!(office.put(&sha256_hex(&third), 0, third.len(), &third[..1_000], &li_token).await.0, 200);
        let (status, answer) = office.put(&sha256_hex(&fourth), 0, fourth.len(), &fourth[..1_000], &li_token).await;
        assert_eq!(status, 413, "{backend:?}: 60 000 + 30 000 + 20 000 bytes: {answer}");
        // The quota is each person's: another stores what li may not.
        let wang = office.token("wang").await;
        assert_eq!(office.put(&hashes_2[0], 0, second.len(), &second, &wang).await.0, 201, "{backend:?}");
        assert_eq!(office.put(&hashes[0], 0, first.len(), &first[..10], &wang).await.1["complete"], true);
        office.server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn the_quota_is_set_with_the_servers_option() {
    let backend = Backend::Sqlite;
    let db = TestDatabase::new(backend).await.expect("database");
    let addr = free_port().expect("port");
    let server = ServerProcess::start_with_env(addr, &db.url, &[("ZHIBAN_ATTACHMENT_QUOTA_BYTES", "1000")])
        .await
        .expect("server");
    let data = photo(2_000, 12);
    let url = format!("{}/api/v1/attachments/{}?offset=0&total={}", server.http_url(), sha256_hex(&data), data.len());
    let response = reqwest::Client::new()
        .put(url)
        .bearer_auth(&server.admin_token)
        .body(data[..500].to_vec())
        .send()
        .await
        .expect("put");
    assert_eq!(response.status(), 413);
    let answer: Value = response.json().await.expect("JSON");
    assert!(reason(&answer).contains("quota of 1000 bytes"), "{answer}");
    server.kill().await.expect("stop");
}

#[tokio::test]
async fn a_chunk_at_the_wrong_offset_is_refused_and_bytes_that_do_not_hash_to_their_name_are_discarded() {
    for backend in Backend::available() {
        let office = office(backend, None).await;
        let li = office.phone("li").await;
        let data = b"0123456789".to_vec();
        let (_, hashes) = office.report_with_photos(&li, false, &[&data]).await;
        let sha = &hashes[0];
        let token = office.token("li").await;
        let (status, _) =
            http_get(office.server.addr, &format!("/api/v1/attachments/{sha}/status")).await.expect("get");
        assert_eq!(status, 401, "uploads need a login");
        assert_eq!(office.put(sha, 0, 10, &data[..5], &token).await.0, 200);
        let (status, answer) = office.put(sha, 0, 10, &data[..5], &token).await;
        assert_eq!((status, &answer["received"]), (409, &Value::from(5)), "{backend:?}: {answer}");
        // The second half, but not the bytes named: the whole upload is discarded.
        let (status, answer) = office.put(sha, 5, 10, b"xxxxx", &token).await;
        assert_eq!(status, 422, "{backend:?}: {answer}");
        assert!(reason(&answer).contains("do not hash"), "{answer}");
        assert_eq!(office.status_of(sha, &token).await.1["received"], 0);
        assert_eq!(office.stored(sha).await, (0, 0), "{backend:?}");
        let (status, _) = office.get(&format!("/api/v1/attachments/{sha}"), &token).await;
        assert_eq!(status, 404, "{backend:?}");
        // Sent again properly, it completes.
        assert_eq!(office.put(sha, 0, 10, &data[..5], &token).await.0, 200);
        assert_eq!(office.put(sha, 5, 10, &data[5..], &token).await.0, 201);
        assert_eq!(office.get(&format!("/api/v1/attachments/{sha}"), &token).await, (200, data), "{backend:?}");
        office.server.stop().await.expect("stop");
    }
}
