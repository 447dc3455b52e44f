//! The phone library as an app uses it: the generated Python bindings of `zhiban-mobile-ffi`, loaded by the
//! machine's Python, drive a field reporter's and a leader's phone against a real server on loopback. Each
//! step of `tests/mobile/python/story.py` is a new process, as an app is started and killed.
//!
//! - A field reporter logs in; the server stops; offline, the reporter files a first report with a
//!   pending field and a photo, and the app is killed (SIGKILL) right after it says "saved". The server
//!   starts again on the same address; the app starts again, finds its outbox whole, and `sync_for` sends
//!   the report and uploads the photo: the desk's API shows both.
//! - A leader logs in on another data folder and registers the phone for pushes; the mayor's instruction
//!   to him comes as a real Web Push (the loopback push service decrypts it); `handle_push` fetches the
//!   instruction, the listeners hear it, and he signs for it from the alert: the API shows his signature.

use std::path::Path;

use tokio::process::Command;
use zhiban_client_core::DocumentId;
use zhiban_server::ServerConfig;
use zhiban_tests::accounts::{login, password_of};
use zhiban_tests::alerting::{SYNC, office_with_push, pushes};
use zhiban_tests::duty::{at, small_city};
use zhiban_tests::mobile::{AppRun, KotlinTools, available, generate, stories, tools_required};
use zhiban_tests::server::http_get_as;
use zhiban_tests::{Backend, InProcessServer, Phone};

/// Every password the stories may need, as the apps read them.
fn passwords(command: &mut Command) {
    for user in ["li", "east-chief"] {
        command.env(format!("ZHIBAN_PASSWORD_{}", user.to_uppercase().replace('-', "_")), password_of(user));
    }
}

fn app(bindings: &Path, step: &str, data: &Path, server: &str, args: &[&str]) -> Command {
    let mut command = Command::new("python3");
    command.arg(stories().join("python/story.py")).arg(step).arg(data).arg(server).args(args);
    command.env("ZHIBAN_BINDINGS", bindings);
    passwords(&mut command);
    command
}

async fn run(command: Command) -> serde_json::Value {
    let step = format!("{:?}", command.as_std().get_args().nth(1));
    let mut run = AppRun::start(command).expect("the app starts");
    let said = run.next().await.unwrap_or_else(|e| panic!("step {step}: {e}"));
    run.finish().await.unwrap_or_else(|e| panic!("step {step}: {e}"));
    said
}

/// The calls the desk's API shows for the alert about `document`, once there are some (at most 10 s).
async fn called_for(addr: std::net::SocketAddr, token: &str, document: &DocumentId) -> Vec<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, body) = http_get_as(addr, "/api/v1/alerts", token).await.expect("alerts");
        let answer: serde_json::Value = serde_json::from_str(&body).expect("json");
        let calls: Vec<serde_json::Value> = answer["alerts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["document"] == document.url() || a["document"] == document.to_string())
            .flat_map(|a| a["recipients"].as_array().cloned().unwrap_or_default())
            .flat_map(|r| r["calls"].as_array().cloned().unwrap_or_default())
            .collect();
        if !calls.is_empty() || tokio::time::Instant::now() > deadline {
            return calls;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_python_app_reports_offline_with_a_photo_and_a_leader_signs_for_an_instruction_from_a_push() {
    if !available("python3") {
        assert!(!tools_required(), "python3 is needed for the Python story");
        eprintln!("python3 is not on this machine: the Python story is skipped");
        return;
    }
    let bindings = tempfile::tempdir().expect("folder");
    generate("python", bindings.path()).expect("Python bindings");
    for backend in Backend::available() {
        let now = chrono::Utc::now().to_rfc3339();
        let (db, clock, server, service) = office_with_push(backend, &small_city(), &now).await;
        let url = server.http_url();
        let addr = server.addr;
        let phones = tempfile::tempdir().expect("phones");
        let field = phones.path().join("li");

        let said = run(app(bindings.path(), "field-login", &field, &url, &["li"])).await;
        assert_eq!((said["person"].as_str(), said["unit"].as_str()), (Some("li"), Some("east")), "{said}");

        // The server stops; the report is made offline and the app is killed after it says "saved".
        server.stop().await.expect("stop");
        let photo = phones.path().join("滑坡现场.jpg");
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&photo, &bytes).expect("photo");
        let photo_path = photo.to_string_lossy().into_owned();
        let mut offline =
            AppRun::start(app(bindings.path(), "field-report-offline", &field, &url, &[&photo_path])).expect("app");
        let saved = offline.next().await.expect("saved offline");
        offline.kill().await.expect("killed");
        let incident = saved["incident"].as_str().expect("incident").to_owned();
        let sha256 = saved["sha256"].as_str().expect("sha256").to_owned();
        assert!(saved["offline"].as_str().is_some_and(|r| r.contains(&addr.to_string())), "{saved}");

        // The server comes back where the phone knows it; the app starts again and syncs.
        let config = ServerConfig { database_url: db.url.clone(), clock: clock.clone(), ..ServerConfig::default() };
        let server = InProcessServer::start_on(addr, config).await.expect("the server again");
        let synced = run(app(bindings.path(), "field-sync", &field, &url, &[])).await;
        assert_eq!(synced["pending_after"], 0, "{synced}");

        // The desk sees the report and the photo.
        let desk = login(&url, "desk").await.expect("desk");
        let id = incident.trim_start_matches("automerge:");
        let (status, body) = http_get_as(addr, &format!("/api/v1/incidents/{id}"), &desk).await.expect("incident");
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert!(body.contains("青石村山体滑坡") && body.contains("首报"), "{backend:?}: {body}");
        let (status, photo_status) =
            http_get_as(addr, &format!("/api/v1/attachments/{sha256}/status"), &desk).await.expect("status");
        assert_eq!(status, 200, "{photo_status}");
        let photo_status: serde_json::Value = serde_json::from_str(&photo_status).expect("json");
        assert_eq!(photo_status["complete"], true, "{backend:?}: the photo is whole on the server");
        assert_eq!(photo_status["received"], bytes.len(), "{photo_status}");

        // The leader's phone, registered for pushes.
        let leader = phones.path().join("east-chief");
        let subscription = service.subscribe();
        let said = run(app(
            bindings.path(),
            "leader-login",
            &leader,
            &url,
            &["east-chief", &subscription.endpoint, &subscription.p256dh, &subscription.auth],
        ))
        .await;
        assert_eq!(said["person"], "east-chief", "{said}");

        let mayor = Phone::signed_in(&url, "mayor").await.expect("mayor");
        mayor.client.sync_once(SYNC).await.expect("the mayor's documents");
        let instruction = mayor
            .client
            .issue_instruction("mayor", at(&now), "立即组织青石村群众转移", None, &["east-chief".into()])
            .expect("issued");
        mayor.client.sync_once(SYNC).await.expect("to the server");
        let push = pushes(&service, &subscription, 1).await;
        assert_eq!(push.len(), 1, "{backend:?}: the leader's phone is woken");

        let payload = push[0].to_string();
        let said = run(app(bindings.path(), "leader-push", &leader, &url, &[&payload])).await;
        assert_eq!(said["instruction"], instruction.url(), "{said}");
        assert_eq!(said["text"], "立即组织青石村群众转移", "{said}");
        assert_eq!(said["title_class"], "新的领导批示");

        let (_, body) =
            http_get_as(addr, &format!("/api/v1/instructions/{instruction}"), &desk).await.expect("instruction");
        let answer: serde_json::Value = serde_json::from_str(&body).expect("json");
        let signed = answer.to_string();
        assert!(signed.contains("east-chief") && signed.contains("leader phone"), "{backend:?}: signed: {answer}");

        // He logs out: the server signs the device out, so the next alert reaches him on no device of it.
        let said = run(app(bindings.path(), "logout", &leader, &url, &[])).await;
        assert_eq!(said["step"], "logged out", "{said}");
        let second = mayor
            .client
            .issue_instruction("mayor", at(&now), "汇报转移进展", None, &["east-chief".into()])
            .expect("issued");
        mayor.client.sync_once(SYNC).await.expect("to the server");
        let calls = called_for(addr, &desk, &second).await;
        assert!(!calls.is_empty(), "{backend:?}: the leader is called");
        // The scheduler sends each second: give it three.
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        let calls = called_for(addr, &desk, &second).await;
        assert!(calls.iter().all(|c| c["pushed"] == 0), "{backend:?}: pushed to no signed-out device: {calls:?}");
        assert_eq!(service.received(&subscription.id).len(), 1, "{backend:?}: the signed-out phone stays asleep");
        server.stop().await.expect("stop");
    }
}

/// The same library from Kotlin on the JVM, through JNA as on Android: a field reporter files a report with
/// a photo and syncs it; a leader signs for the mayor's instruction.
#[tokio::test]
async fn a_kotlin_app_on_the_jvm_reports_with_a_photo_and_signs_for_an_instruction() {
    let Some(kotlin) = KotlinTools::find() else {
        assert!(!tools_required(), "the Kotlin compiler, JNA and java are needed for the Kotlin story");
        eprintln!("no Kotlin compiler, JNA or java here (`.ci/run` installs them): the Kotlin story is skipped");
        return;
    };
    let bindings = tempfile::tempdir().expect("folder");
    generate("kotlin", bindings.path()).expect("Kotlin bindings");
    let jar = kotlin.compile(bindings.path(), &stories().join("kotlin/Story.kt")).expect("compiled");
    for backend in Backend::available() {
        let now = chrono::Utc::now().to_rfc3339();
        let (_db, _clock, server, _service) = office_with_push(backend, &small_city(), &now).await;
        let url = server.http_url();
        let phones = tempfile::tempdir().expect("phones");
        let photo = phones.path().join("inundation.jpg");
        std::fs::write(&photo, vec![7u8; 50_000]).expect("photo");
        let step = |step: &str, user: &str, args: &[&str]| {
            let mut command = kotlin.java(&jar, bindings.path(), "StoryKt");
            command.arg(step).arg(phones.path().join(user)).arg(&url).arg(user).args(args);
            passwords(&mut command);
            command
        };

        let said = run(step("field-report", "li", &[&photo.to_string_lossy()])).await;
        let desk = login(&url, "desk").await.expect("desk");
        let id = said["incident"].as_str().expect("incident").trim_start_matches("automerge:").to_owned();
        let (status, body) = http_get_as(server.addr, &format!("/api/v1/incidents/{id}"), &desk).await.expect("get");
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert!(body.contains("解放路内涝"), "{backend:?}: {body}");
        let sha256 = said["sha256"].as_str().expect("sha256");
        let (_, photo_status) =
            http_get_as(server.addr, &format!("/api/v1/attachments/{sha256}/status"), &desk).await.expect("status");
        assert!(photo_status.contains("\"complete\":true"), "{backend:?}: {photo_status}");

        let mayor = Phone::signed_in(&url, "mayor").await.expect("mayor");
        mayor.client.sync_once(SYNC).await.expect("the mayor's documents");
        let instruction = mayor
            .client
            .issue_instruction("mayor", at(&now), "做好排涝准备", None, &["east-chief".into()])
            .expect("issued");
        mayor.client.sync_once(SYNC).await.expect("to the server");
        let said = run(step("leader-ack", "east-chief", &[])).await;
        assert_eq!(said["instruction"], instruction.url(), "{said}");
        let (_, body) =
            http_get_as(server.addr, &format!("/api/v1/instructions/{instruction}"), &desk).await.expect("get");
        assert!(body.contains("android leader phone"), "{backend:?}: signed on the Kotlin phone: {body}");
        server.stop().await.expect("stop");
    }
}

/// iOS: the Swift bindings (module `ZhibanMobile`, its C header and module map for the XCFramework) are
/// generated, and every function the header declares is one the library exports. No Swift compiler runs
/// here: compiling them is the iOS build's part.
#[test]
fn swift_bindings_are_generated_and_match_the_library() {
    let bindings = tempfile::tempdir().expect("folder");
    generate("swift", bindings.path()).expect("Swift bindings");
    let read = |name: &str| std::fs::read_to_string(bindings.path().join(name)).expect(name);
    let swift = read("ZhibanMobile.swift");
    let header = read("ZhibanMobileFFI.h");
    assert!(read("ZhibanMobileFFI.modulemap").contains("ZhibanMobileFFI.h"));
    for api in ["class ZhibanClient", "func syncFor(", "func handlePush(", "enum ZhibanError", "protocol AlertListener"]
    {
        assert!(swift.contains(api), "the Swift module has {api}");
    }
    let declared: std::collections::BTreeSet<&str> = header
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("uniffi_zhiban_mobile_ffi_fn_"))
        .collect();
    assert!(declared.len() > 40, "the header declares the library's functions: {declared:?}");
    let library = std::fs::read(bindings.path().join(zhiban_tests::mobile::LIBRARY)).expect("library");
    let exported =
        |name: &str| library.windows(name.len() + 1).any(|w| &w[..name.len()] == name.as_bytes() && w[name.len()] == 0);
    let missing: Vec<&&str> = declared.iter().filter(|name| !exported(name)).collect();
    assert!(missing.is_empty(), "declared in the Swift header but not in the library: {missing:?}");
}
