//! An instruction to a unit escalates along its roster until someone signs for it, with a clock the test
//! moves: the deputy officer on duty is called, called again, then the main officer; the main officer's
//! acknowledgement, made offline and synced later, stops it there, and the leader on duty is never called.
//! Every call is a real Web Push the loopback push service verifies and decrypts.

use std::time::Duration;

use zhiban_server::ServerConfig;
use zhiban_tests::alerting::{EastOnDuty, SYNC, east_roster, office_with_push, phone_with_push, pushes};
use zhiban_tests::duty::{at, small_city};
use zhiban_tests::{Backend, InProcessServer, Phone};

const TEN_O_CLOCK: &str = "2026-10-01T10:00:00+08:00";

#[tokio::test]
async fn an_unacknowledged_instruction_escalates_until_an_offline_acknowledgement_reaches_the_server() {
    for backend in Backend::available() {
        let (_db, clock, server, service) = office_with_push(backend, &small_city(), TEN_O_CLOCK).await;

        let EastOnDuty { wang, wang_push, zhao, zhao_push, chief_push, mayor, .. } =
            EastOnDuty::set_up(&server, &service).await;

        // The mayor instructs east.
        let instruction = mayor
            .client
            .issue_instruction("mayor", at("2026-10-01T10:00:00+08:00"), "立即组织排查", None, &["east".into()])
            .expect("issued");
        mayor.client.sync_once(SYNC).await.expect("to the server");

        // Once the mayor hears it is stored, the deputy's home already lists the alert (claimed with the
        // instruction, not at the scheduler's next tick), and the instruction itself can be fetched.
        zhao.client.sync_once(SYNC).await.expect("zhao's home");
        let listed = zhao.client.open_alerts().expect("zhao's open alerts");
        assert_eq!(listed.len(), 1, "{backend:?}: listed with the instruction: {listed:?}");
        zhao.client.fetch(instruction, SYNC).await.expect("zhao has the instruction");

        // The deputy officer is called at once, with a push that says only what to fetch.
        let first = pushes(&service, &zhao_push, 1).await;
        assert_eq!(first.len(), 1, "{backend:?}: the deputy officer is called");
        assert_eq!(first[0]["kind"], "instruction");
        assert_eq!(first[0]["document"], instruction.url());
        assert_eq!(first[0]["urgency"], "high");
        assert_eq!(first[0]["title_class"], "新的领导批示");
        assert!(!first[0].to_string().contains("立即组织排查"), "no instruction text in a push");

        // Three minutes without an answer: the deputy again; three more: the main officer.
        clock.advance(Duration::from_secs(180));
        assert_eq!(pushes(&service, &zhao_push, 2).await.len(), 2, "{backend:?}: the deputy, again");
        assert!(service.received(&wang_push.id).is_empty(), "not the main officer yet");
        clock.advance(Duration::from_secs(180));
        assert_eq!(pushes(&service, &wang_push, 1).await.len(), 1, "{backend:?}: then the main officer");

        // Wang signs for it on his phone, offline; the server does not know yet and calls him again.
        wang.client.fetch(instruction, SYNC).await.expect("wang has the instruction");
        wang.client.acknowledge(instruction, Some("east"), at("2026-10-01T10:06:30+08:00")).expect("signed offline");
        clock.advance(Duration::from_secs(180));
        assert_eq!(pushes(&service, &wang_push, 2).await.len(), 2, "{backend:?}: called again while offline");
        zhao.client.sync_once(SYNC).await.expect("zhao's home");
        let listed = zhao.client.open_alerts().expect("zhao's open alerts");
        assert_eq!(listed.len(), 1, "{backend:?}: the deputy's home lists the alert: {listed:?}");

        // The acknowledgement arrives: the escalation stops; the leader on duty is never called.
        wang.client.sync_once(SYNC).await.expect("the acknowledgement to the server");
        for _ in 0..3 {
            clock.advance(Duration::from_secs(600));
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
        assert_eq!(service.received(&wang_push.id).len(), 2, "{backend:?}: no more calls to wang");
        assert_eq!(service.received(&zhao_push.id).len(), 2, "{backend:?}: no more calls to zhao");
        assert!(service.received(&chief_push.id).is_empty(), "{backend:?}: the leader was never called");
        // Answered for east, the alert leaves the home of everyone it called for east.
        zhao.client.sync_once(SYNC).await.expect("zhao's home");
        assert!(zhao.client.open_alerts().expect("open alerts").is_empty(), "{backend:?}: answered, not listed");

        // The desk sees who was called when and who acknowledged.
        let token = zhiban_tests::accounts::login(&server.http_url(), "desk").await.expect("desk");
        let (_, body) = zhiban_tests::server::http_get_as(server.addr, "/api/v1/alerts", &token).await.expect("alerts");
        let alerts: serde_json::Value = serde_json::from_str(&body).expect("json");
        let east = &alerts["alerts"][0]["recipients"][0];
        assert_eq!(east["recipient"], "east", "{alerts}");
        assert_eq!(east["acknowledged_by"], "wang", "{alerts}");
        assert_eq!(east["overdue"], false);
        let called: Vec<&str> =
            east["calls"].as_array().expect("calls").iter().filter_map(|c| c["person"].as_str()).collect();
        assert_eq!(called, vec!["zhao", "zhao", "wang", "wang"], "{backend:?}: {alerts}");
        assert!(east["calls"].as_array().expect("calls").iter().all(|c| c["pushed"] == 1), "{alerts}");

        // And on the command line.
        let folder = tempfile::tempdir().expect("folder");
        let zhiban = |args: &[&str]| {
            let mut command = tokio::process::Command::new(zhiban_tests::server::program("test-zhiban"));
            command.arg("--data").arg(folder.path()).args(["--server", &server.http_url()]).args(args);
            command.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
            command
        };
        let mut login = zhiban(&["login", "--username", "desk"]).spawn().expect("login");
        let password = zhiban_tests::accounts::password_of("desk");
        tokio::io::AsyncWriteExt::write_all(
            &mut login.stdin.take().expect("stdin"),
            format!("{password}\n").as_bytes(),
        )
        .await
        .expect("password");
        assert!(login.wait().await.expect("login").success());
        let shown = zhiban(&["alerts"]).output().await.expect("alerts");
        let shown = String::from_utf8_lossy(&shown.stdout);
        assert!(shown.contains("east: acknowledged by wang"), "{shown}");
        assert!(shown.contains("called zhao") && shown.contains("called wang"), "{shown}");
        server.stop().await.expect("stop");
    }
}

/// The escalation lives in the database: a server stopped mid-chain calls nobody; the next server started on
/// the database goes on from the next step without repeating one; two servers sharing the database make
/// each call once between them.
#[tokio::test]
async fn an_escalation_resumes_after_a_restart_and_two_servers_make_each_call_once() {
    for backend in Backend::available() {
        let (db, clock, first, service) = office_with_push(backend, &small_city(), TEN_O_CLOCK).await;
        let config = || ServerConfig { database_url: db.url.clone(), clock: clock.clone(), ..ServerConfig::default() };
        let (wang, wang_push) = phone_with_push(&first, &service, "wang").await;
        wang.client.create_roster(&east_roster()).expect("roster");
        wang.client.sync_once(SYNC).await.expect("roster to the server");
        let (_zhao, zhao_push) = phone_with_push(&first, &service, "zhao").await;
        let mayor = Phone::signed_in(&first.http_url(), "mayor").await.expect("mayor");
        mayor.client.sync_once(SYNC).await.expect("the mayor's documents");
        mayor
            .client
            .issue_instruction("mayor", at("2026-10-01T10:00:00+08:00"), "核查", None, &["east".into()])
            .expect("issued");
        mayor.client.sync_once(SYNC).await.expect("to the server");
        assert_eq!(pushes(&service, &zhao_push, 1).await.len(), 1, "{backend:?}: the first call");
        first.stop().await.expect("stop");

        // Stopped: the next call is due but nobody makes it.
        clock.advance(Duration::from_secs(180));
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(service.received(&zhao_push.id).len(), 1, "{backend:?}: a stopped server calls nobody");

        // Two servers on the database: the due call is made once, the next step too.
        let second = InProcessServer::start_with(config()).await.expect("second server");
        let third = InProcessServer::start_with(config()).await.expect("third server");
        assert_eq!(pushes(&service, &zhao_push, 2).await.len(), 2, "{backend:?}: resumed");
        clock.advance(Duration::from_secs(180));
        assert_eq!(pushes(&service, &wang_push, 1).await.len(), 1, "{backend:?}: the next step");
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(service.received(&zhao_push.id).len(), 2, "{backend:?}: no call repeated");
        assert_eq!(service.received(&wang_push.id).len(), 1, "{backend:?}: no call made twice");
        second.stop().await.expect("stop");
        third.stop().await.expect("stop");
    }
}
