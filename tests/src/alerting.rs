//! Set-up shared by the alert stories: an office with VAPID keys, a server on a clock the test moves, a
//! loopback push service, phones registered for push, and rosters that say who is on duty.

use std::sync::Arc;
use std::time::Duration;

use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::roster::{LeaderEntry, RosterDocument, ShiftEntry};
use zhiban_server::ServerConfig;
use zhiban_server::clock::ManualClock;
use zhiban_server::office::DutyRules;
use zhiban_server::push::VapidKeys;

use crate::duty::{add_people, at, record_directory};
use crate::push_service::{PushService, TestSubscription};
use crate::{Backend, InProcessServer, Phone, TestDatabase};

/// How long a phone's sync may take in these stories.
pub const SYNC: Duration = Duration::from_secs(20);

/// Waits (at most 10 s) until `subscription` has received `count` pushes; returns their decrypted payloads.
pub async fn pushes(service: &PushService, subscription: &TestSubscription, count: usize) -> Vec<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let received = service.received(&subscription.id);
        if received.len() >= count || tokio::time::Instant::now() > deadline {
            return received.into_iter().map(|r| r.payload).collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `user`'s phone, signed in, synced once, and registered with the push service.
pub async fn phone_with_push(server: &InProcessServer, service: &PushService, user: &str) -> (Phone, TestSubscription) {
    let phone = Phone::signed_in(&server.http_url(), user).await.expect("phone");
    phone.client.sync_once(SYNC).await.expect("the phone's documents");
    let subscription = service.subscribe();
    phone.client.register_push(&subscription.endpoint, &subscription.p256dh, &subscription.auth).await.expect("push");
    (phone, subscription)
}

/// An office of `directory` with VAPID keys, a server whose clock the test moves (starting at `start`, an
/// RFC 3339 time), and a loopback push service.
pub async fn office_with_push(
    backend: Backend,
    directory: &Directory,
    start: &str,
) -> (TestDatabase, Arc<ManualClock>, InProcessServer, PushService) {
    office_with_rules(backend, directory, start, DutyRules::default()).await
}

/// The same, with the office's rules (escalation chains, reminders) as given.
pub async fn office_with_rules(
    backend: Backend,
    directory: &Directory,
    start: &str,
    rules: DutyRules,
) -> (TestDatabase, Arc<ManualClock>, InProcessServer, PushService) {
    let db = TestDatabase::new(backend).await.expect("database");
    let store = zhiban_server::store::open(&db.url).await.expect("store");
    VapidKeys::generate(&store.database(), "mailto:desk@duty.example", false).await.expect("VAPID keys");
    let clock = Arc::new(ManualClock::at_millis(at(start).timestamp_millis()));
    let config = ServerConfig { database_url: db.url.clone(), clock: clock.clone(), rules, ..ServerConfig::default() };
    let server = InProcessServer::start_with(config).await.expect("server");
    record_directory(&server.http_url(), directory).await.expect("directory");
    add_people(&db.url, directory).await.expect("accounts");
    let service = PushService::start().await.expect("push service");
    (db, clock, server, service)
}

/// A roster of `unit` from 08:00 on 1 October 2026 for `days` days, one 24-hour shift a day: `main` and
/// `deputy` the officers, `leader` the leader on duty.
pub fn roster(unit: &str, days: u32, main: &str, deputy: &str, leader: &str) -> RosterDocument {
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 10, d).expect("day").and_hms_opt(8, 0, 0).expect("time");
    let mut roster = RosterDocument::new(unit, day(1), day(1 + days));
    for d in 1..=days {
        let (start, end) = (format!("2026-10-{d:02}T08:00"), format!("2026-10-{:02}T08:00", d + 1));
        let shift = ShiftEntry {
            start: start.clone(),
            end: end.clone(),
            main: Some(main.into()),
            deputy: Some(deputy.into()),
            on_post: true,
        };
        roster.shifts.insert(format!("s{d}"), shift);
        roster.leaders.insert(format!("l{d}"), LeaderEntry { start, end, leader: Some(leader.into()) });
    }
    roster
}

/// East's roster for 1 October: zhao is the deputy officer, wang the main, east-chief the leader.
pub fn east_roster() -> RosterDocument {
    roster("east", 1, "wang", "zhao", "east-chief")
}

/// East's duty room on 1 October, ready to be alerted: wang has filed east's roster, wang, zhao and
/// east-chief have phones registered for push, and the mayor's phone is signed in and synced.
pub struct EastOnDuty {
    pub wang: Phone,
    pub wang_push: TestSubscription,
    pub zhao: Phone,
    pub zhao_push: TestSubscription,
    pub chief: Phone,
    pub chief_push: TestSubscription,
    pub mayor: Phone,
}

impl EastOnDuty {
    pub async fn set_up(server: &InProcessServer, service: &PushService) -> Self {
        let (wang, wang_push) = phone_with_push(server, service, "wang").await;
        wang.client.create_roster(&east_roster()).expect("roster");
        wang.client.sync_once(SYNC).await.expect("roster to the server");
        let (zhao, zhao_push) = phone_with_push(server, service, "zhao").await;
        let (chief, chief_push) = phone_with_push(server, service, "east-chief").await;
        let mayor = Phone::signed_in(&server.http_url(), "mayor").await.expect("mayor");
        mayor.client.sync_once(SYNC).await.expect("the mayor's documents");
        Self { wang, wang_push, zhao, zhao_push, chief, chief_push, mayor }
    }
}

/// The desk's alerts as the API shows them (`query` such as `?kind=incident`).
pub async fn alerts_seen_by_desk(server: &InProcessServer, query: &str) -> serde_json::Value {
    let token = crate::accounts::login(&server.http_url(), "desk").await.expect("desk");
    let path = format!("/api/v1/alerts{query}");
    let (status, body) = crate::server::http_get_as(server.addr, &path, &token).await.expect("alerts");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("json")
}
