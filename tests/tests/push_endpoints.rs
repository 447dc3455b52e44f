//! Where the server's pushes may go. A push endpoint is a URL a phone gives, so the server refuses one that
//! points inside its own network (loopback, private, link-local such as a cloud's metadata service, by
//! address or by a name that resolves there) unless the operator allowed it with `--allow-outbound`, and
//! checks again when sending; it follows no redirect. An endpoint stays with the person who registered it,
//! a device keeps its newest ten, and a push service that hangs delays nobody else's alert.

use std::sync::Arc;
use std::time::{Duration, Instant};

use zhiban_client_core::ClientError;
use zhiban_model::documents::directory::{Person, Rank, Role};
use zhiban_model::documents::incident::{Casualties, FirstReport, ReportDetails};
use zhiban_server::ServerConfig;
use zhiban_server::push::deliver::notify;
use zhiban_server::push::{AlertPayload, OutboundPolicy, Outcome, Urgency, VapidKeys, WebPushSender, subscriptions};
use zhiban_tests::accounts::{add_user, password_of};
use zhiban_tests::alerting::{SYNC, east_roster, office_with_push, phone_with_push, roster};
use zhiban_tests::duty::{at, small_city};
use zhiban_tests::push_service::{Answer, PushService, TestSubscription};
use zhiban_tests::server::{TEST_PUSH_SERVICES, free_port, program, wait_healthy};
use zhiban_tests::{Backend, InProcessServer, Phone, TestDatabase};

/// What the server answered a registration: Ok, or the status and reason it refused with.
async fn register(phone: &Phone, endpoint: &str, device: &TestSubscription) -> Result<(), (u16, String)> {
    match phone.client.register_push(endpoint, &device.p256dh, &device.auth).await {
        Ok(()) => Ok(()),
        Err(ClientError::Http { status, reason, .. }) => Err((status, reason)),
        Err(other) => panic!("{endpoint}: not an answer from the server: {other}"),
    }
}

fn endpoints(subscriptions: &[subscriptions::Subscription]) -> Vec<String> {
    subscriptions.iter().map(|s| s.endpoint.clone()).collect()
}

#[tokio::test]
async fn endpoints_inside_the_servers_network_are_refused_when_registered_and_public_https_is_taken() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        // As an operator starts it: no --allow-outbound.
        let config = ServerConfig { database_url: db.url.clone(), ..ServerConfig::default() };
        let server = InProcessServer::start_exactly(free_port().expect("port"), config).await.expect("server");
        add_user(&db.url, "mayor", "city", &[Role::Leader]).await.expect("user");
        let phone = Phone::signed_in(&server.http_url(), "mayor").await.expect("phone");
        let service = PushService::start().await.expect("push service");
        let device = service.subscribe();
        let port = service.addr.port();

        for (endpoint, why) in [
            (device.endpoint.clone(), "the push endpoint is at 127.0.0.1, a loopback address"),
            (format!("https://127.0.0.1:{port}/push/{}", device.id), "is at 127.0.0.1, a loopback address"),
            ("https://169.254.169.254/latest/meta-data/".into(), "is at 169.254.169.254, a link-local address"),
            (format!("https://localhost:{port}/push/x"), "host localhost resolves to 127.0.0.1, a loopback address"),
            ("https://10.0.0.5/push/x".into(), "is at 10.0.0.5, a private address"),
            ("https://[::ffff:7f00:1]/push/x".into(), "is at 127.0.0.1, a loopback address"),
            ("https://[fd00::5]/push/x".into(), "is at fd00::5, a unique local (private) address"),
            ("https://100.64.0.1/push/x".into(), "carrier-grade NAT"),
            ("http://93.184.215.14/push/x".into(), "must use https"),
        ] {
            let refused = register(&phone, &endpoint, &device).await.expect_err(&endpoint);
            assert_eq!(refused.0, 400, "{backend:?} {endpoint}: {refused:?}");
            assert!(refused.1.contains(why), "{backend:?} {endpoint}: {refused:?}");
        }
        let private = register(&phone, "https://10.0.0.5/push/x", &device).await.expect_err("private");
        assert_eq!(
            private.1,
            "the push endpoint is at 10.0.0.5, a private address; an operator may allow it with --allow-outbound"
        );

        // A public https endpoint is taken (registering only resolves; nothing is sent to it).
        register(&phone, "https://93.184.215.14/push/abc", &device).await.expect("public https");
        let store = zhiban_server::store::open(&db.url).await.expect("store");
        let stored = subscriptions::of_user(&store.database(), "mayor").await.expect("subscriptions");
        assert_eq!(endpoints(&stored), vec!["https://93.184.215.14/push/abc".to_owned()], "{backend:?}");
        assert_eq!(service.totals(), (0, 0), "nothing was sent to the loopback push service");
        server.stop().await.expect("stop");
    }
}

/// `zhiban-server serve` on `database` with these extra arguments and environment.
async fn serve(database: &str, args: &[&str], env: &[(&str, &str)]) -> (tokio::process::Child, String) {
    let addr = free_port().expect("port");
    let child = tokio::process::Command::new(program("test-zhiban-server"))
        .args(["serve", "--listen", &addr.to_string(), "--database", database])
        .args(args)
        .env_remove("ZHIBAN_ALLOW_OUTBOUND")
        .envs(env.iter().copied())
        .env("ZHIBAN_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("server");
    wait_healthy(addr).await.expect("healthy");
    (child, format!("http://{addr}"))
}

#[tokio::test]
async fn the_operator_allows_an_intranet_push_service_with_allow_outbound() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        zhiban_server::store::open(&db.url).await.expect("schema");
        add_user(&db.url, "mayor", "city", &[Role::Leader]).await.expect("user");
        let service = PushService::start().await.expect("push service");
        let device = service.subscribe();

        let (mut plain, url) = serve(&db.url, &[], &[]).await;
        let phone = Phone::signed_in(&url, "mayor").await.expect("phone");
        let refused = register(&phone, &device.endpoint, &device).await.expect_err("not allowed");
        assert!(refused.1.contains("--allow-outbound"), "{refused:?}");
        plain.kill().await.expect("stop");

        let (mut allowing, url) = serve(&db.url, &["--allow-outbound", TEST_PUSH_SERVICES], &[]).await;
        let phone = Phone::signed_in(&url, "mayor").await.expect("phone");
        register(&phone, &device.endpoint, &device).await.expect("the tests' push service, plain http on loopback");
        let refused = register(&phone, "https://127.0.0.2/push/x", &device).await.expect_err("outside what is allowed");
        assert!(refused.1.contains("127.0.0.2, a loopback address"), "{refused:?}");
        allowing.kill().await.expect("stop");

        // In the environment, comma-separated; a network or a host name.
        let env = [("ZHIBAN_ALLOW_OUTBOUND", "10.20.0.0/16, localhost")];
        let (mut from_env, url) = serve(&db.url, &[], &env).await;
        let phone = Phone::signed_in(&url, "mayor").await.expect("phone");
        register(&phone, "http://10.20.3.4:8080/push/x", &device).await.expect("an allowed network");
        let by_name = format!("http://localhost:{}/push/{}", service.addr.port(), device.id);
        register(&phone, &by_name, &device).await.expect("an allowed host");
        let refused = register(&phone, &device.endpoint, &device).await.expect_err("127.0.0.1 itself is not allowed");
        assert!(refused.1.contains("loopback"), "{refused:?}");
        from_env.kill().await.expect("stop");

        let bad = tokio::process::Command::new(program("test-zhiban-server"))
            .args(["serve", "--database", &db.url, "--allow-outbound", "10.0.0.0/33"])
            .output()
            .await
            .expect("run");
        assert!(!bad.status.success());
        let said = String::from_utf8_lossy(&bad.stderr);
        assert!(said.contains("--allow-outbound") && said.contains("10.0.0.0/33"), "{said}");
    }
}

#[tokio::test]
async fn an_endpoint_stays_with_its_person_and_a_device_keeps_its_newest_ten() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        add_user(&db.url, "mayor", "city", &[Role::Leader]).await.expect("user");
        add_user(&db.url, "desk", "city", &[Role::Desk]).await.expect("user");
        let store = zhiban_server::store::open(&db.url).await.expect("store");
        let database = store.database();
        let service = PushService::start().await.expect("push service");
        let device = service.subscribe();
        let signed_in = |user: &'static str, name: &'static str| {
            let url = server.http_url();
            async move {
                let phone = Phone::new(&url).expect("phone");
                let device_id = phone.client.login(user, &password_of(user), name).await.expect("login");
                (phone, device_id)
            }
        };
        let device_of = |endpoint: String| {
            let database = database.clone();
            async move {
                let row: Option<(String, String)> = zhiban_server::on_database!(&database, pool => {
                    sqlx::query_as("SELECT username, device_id FROM push_subscriptions WHERE endpoint = $1")
                        .bind(&endpoint).fetch_optional(pool).await.expect("row")
                });
                row
            }
        };

        // The mayor's phone registers an endpoint; the desk, who learnt it, cannot take it.
        let (mayors_phone, mayors_device) = signed_in("mayor", "the mayor's phone").await;
        register(&mayors_phone, &device.endpoint, &device).await.expect("registered");
        let (desks_phone, _) = signed_in("desk", "the desk's phone").await;
        let taken = register(&desks_phone, &device.endpoint, &device).await.expect_err("another person's endpoint");
        assert_eq!(taken.0, 409, "{backend:?}: {taken:?}");
        assert!(taken.1.contains("registered to another person"), "{taken:?}");
        assert_eq!(device_of(device.endpoint.clone()).await, Some(("mayor".into(), mayors_device)), "{backend:?}");
        assert!(subscriptions::of_user(&database, "desk").await.expect("subscriptions").is_empty());

        // The mayor's new phone may move it to itself.
        let (mayors_tablet, tablet_device) = signed_in("mayor", "the mayor's tablet").await;
        register(&mayors_tablet, &device.endpoint, &device).await.expect("moved to the mayor's tablet");
        assert_eq!(device_of(device.endpoint.clone()).await, Some(("mayor".into(), tablet_device)), "{backend:?}");

        // Twelve subscriptions from one phone: it keeps the newest ten.
        let made: Vec<TestSubscription> = (0..12).map(|_| service.subscribe()).collect();
        for subscription in &made {
            register(&desks_phone, &subscription.endpoint, subscription).await.expect("registered");
            // Distinct registration times, so "oldest" is well defined.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let kept = subscriptions::of_user(&database, "desk").await.expect("subscriptions");
        let newest: Vec<String> = made[2..].iter().map(|s| s.endpoint.clone()).collect();
        assert_eq!(endpoints(&kept), newest, "{backend:?}: the two oldest were replaced");
        // Registering one it has again is no new subscription.
        register(&desks_phone, &made[5].endpoint, &made[5]).await.expect("again");
        assert_eq!(subscriptions::of_user(&database, "desk").await.expect("subscriptions").len(), 10);
        server.stop().await.expect("stop");
    }
}

fn alert() -> AlertPayload {
    AlertPayload {
        kind: "incident".into(),
        document: Some("automerge:abc".into()),
        title_class: "较大突发事件".into(),
        urgency: Urgency::High,
        alert: Some("al_1".into()),
    }
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_policy_is_checked_again_when_sending() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        add_user(&db.url, "mayor", "city", &[Role::Leader]).await.expect("user");
        let store = zhiban_server::store::open(&db.url).await.expect("store");
        let database = store.database();
        let keys = VapidKeys::generate(&database, "mailto:desk@duty.example", false).await.expect("keys");
        let allowed = Arc::new(OutboundPolicy::allowing([TEST_PUSH_SERVICES.parse().expect("network")]));
        let sender = WebPushSender::new(keys, allowed).expect("sender");
        let phone = Phone::signed_in(&server.http_url(), "mayor").await.expect("phone");
        let service = PushService::start().await.expect("push service");
        let device = service.subscribe();
        register(&phone, &device.endpoint, &device).await.expect("registered");

        // The push service answers with a redirect to somewhere else: not followed, recorded as failed.
        service.answer_with(&device.id, Answer::Redirect(service.elsewhere_url("latest/meta-data")));
        let made = notify(&database, &sender, "mayor", &alert(), Duration::from_secs(600)).await.expect("notify");
        assert_eq!(made.len(), 1);
        let delivery = &made[0].delivery;
        assert_eq!((&delivery.outcome, delivery.http_status), (&Outcome::Failed { retry: false }, Some(307)));
        assert!(delivery.detail.contains("redirects are not followed"), "{delivery:?}");
        assert!(
            service.elsewhere().is_empty(),
            "{backend:?}: the redirect's target was hit: {:?}",
            service.elsewhere()
        );
        let recorded: Vec<(String, Option<i64>, bool)> = zhiban_server::on_database!(&database, pool => {
            sqlx::query_as("SELECT outcome, http_status, retry_at IS NOT NULL FROM push_deliveries")
                .fetch_all(pool).await.expect("deliveries")
        });
        assert_eq!(recorded, vec![("failed".to_owned(), Some(307), false)], "{backend:?}");

        // A sender whose policy no longer allows loopback sends nothing there, by address or by name (the
        // name is refused by the resolver, as the connection is made).
        service.answer_with(&device.id, Answer::Accept);
        let by_name = service.subscribe();
        let named = format!("https://localhost:{}/push/{}", service.addr.port(), by_name.id);
        register(&phone, &named, &by_name).await.expect("localhost is 127.0.0.1, allowed on this server");
        let keys = VapidKeys::load(&database).await.expect("load").expect("keys");
        let strict = WebPushSender::new(keys, Arc::new(OutboundPolicy::default())).expect("sender");
        let made = notify(&database, &strict, "mayor", &alert(), Duration::from_secs(600)).await.expect("notify");
        assert_eq!(made.len(), 2, "{made:?}");
        for m in &made {
            assert_eq!(m.delivery.outcome, Outcome::Failed { retry: false }, "{backend:?}: {m:?}");
            assert!(m.delivery.detail.contains("a loopback address"), "{backend:?}: {:?}", m.delivery);
        }
        assert!(made.iter().any(|m| m.delivery.detail.contains("host localhost resolves to 127.0.0.1")), "{made:?}");
        assert_eq!(service.totals(), (0, 0), "{backend:?}: nothing reached the push service");
        assert_eq!(service.most_in_flight(), 1, "only the redirecting request ever arrived");
        server.stop().await.expect("stop");
    }
}

/// A first report from east with three dead: grade Ⅲ, which wakes the desk's officers on duty.
fn three_dead() -> FirstReport {
    let received = "2026-10-01T10:00:00+08:00";
    FirstReport {
        title: "东城区客车侧翻".into(),
        unit: "east".into(),
        received_at: Some(at(received)),
        details: ReportDetails {
            occurred_at: Some(received.into()),
            account: "死亡3人".into(),
            casualties: Some(Casualties { dead: 3, ..Default::default() }),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// How long after a serious incident is filed the desk's push arrives, while zhao's three subscriptions
/// (at another push service) answer as `zhao_answers` an instruction pushed to him just before.
async fn desks_push_while_zhao_is_pushed(backend: Backend, zhao_answers: Answer) -> Duration {
    let mut city = small_city();
    let desk2 = Person {
        name: "值班员乙".into(),
        unit: "city".into(),
        rank: Rank::Section,
        phone: "139-desk2".into(),
        roles: vec![Role::Desk],
    };
    city.people.insert("desk2".into(), desk2);
    let (db, _clock, server, service) = office_with_push(backend, &city, "2026-10-01T10:00:00+08:00").await;
    let (wang, _wang_push) = phone_with_push(&server, &service, "wang").await;
    wang.client.create_roster(&east_roster()).expect("east's roster");
    wang.client.sync_once(SYNC).await.expect("roster to the server");
    let (desk, desk_push) = phone_with_push(&server, &service, "desk").await;
    desk.client.create_roster(&roster("city", 3, "desk", "desk2", "mayor")).expect("the desk's roster");
    desk.client.sync_once(SYNC).await.expect("roster to the server");

    let elsewhere = PushService::start().await.expect("zhao's push service");
    let zhao = Phone::signed_in(&server.http_url(), "zhao").await.expect("zhao");
    zhao.client.sync_once(SYNC).await.expect("zhao's documents");
    let zhaos: Vec<TestSubscription> = (0..3).map(|_| elsewhere.subscribe()).collect();
    for subscription in &zhaos {
        elsewhere.answer_with(&subscription.id, zhao_answers.clone());
        register(&zhao, &subscription.endpoint, subscription).await.expect("zhao's subscription");
    }
    let li = Phone::signed_in(&server.http_url(), "li").await.expect("li");
    li.client.sync_once(SYNC).await.expect("li's documents");

    // The mayor instructs east: zhao, the deputy officer on duty, is called at once.
    let mayor = Phone::signed_in(&server.http_url(), "mayor").await.expect("mayor");
    mayor.client.sync_once(SYNC).await.expect("the mayor's documents");
    let issued = mayor.client.issue_instruction(
        "mayor",
        at("2026-10-01T10:00:00+08:00"),
        "立即组织排查",
        None,
        &["east".into()],
    );
    issued.expect("issued");
    mayor.client.sync_once(SYNC).await.expect("to the server");
    let deadline = Instant::now() + Duration::from_secs(10);
    while elsewhere.in_flight() == 0 && elsewhere.totals().0 == 0 {
        assert!(Instant::now() < deadline, "{backend:?}: zhao was never pushed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Meanwhile a serious incident is filed: the desk is woken.
    let filed = Instant::now();
    li.client.file_first_report(three_dead(), at("2026-10-01T10:00:00+08:00")).expect("filed");
    li.client.sync_once(SYNC).await.expect("to the server");
    // Long enough to measure how late it comes when a slow push service holds everyone up.
    let deadline = Instant::now() + Duration::from_secs(120);
    let arrived = loop {
        if let Some(push) = service.received(&desk_push.id).first() {
            break push.accepted_at;
        }
        assert!(Instant::now() < deadline, "{backend:?}: the desk was never woken");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let delay = arrived.saturating_duration_since(filed);

    if let Answer::Stall { .. } = zhao_answers {
        // Zhao's pushes time out and are recorded as failed, to be tried again with the usual backoff.
        let store = zhiban_server::store::open(&db.url).await.expect("store");
        let database = store.database();
        let deadline = Instant::now() + Duration::from_secs(30);
        let failed = loop {
            let rows: Vec<(String, String, bool)> = zhiban_server::on_database!(&database, pool => {
                sqlx::query_as(
                    "SELECT outcome, detail, retry_at IS NOT NULL FROM push_deliveries WHERE username = 'zhao'",
                )
                .fetch_all(pool).await.expect("deliveries")
            });
            if rows.len() >= 3 || Instant::now() > deadline {
                break rows;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(failed.len(), 3, "{backend:?}: {failed:?}");
        for (outcome, detail, retried) in &failed {
            assert_eq!(outcome, "failed", "{backend:?}: {detail}");
            assert!(detail.contains("did not answer within 10 s"), "{backend:?}: {detail}");
            assert!(retried, "{backend:?}: a timed-out push is tried again");
        }
    }
    server.stop().await.expect("stop");
    delay
}

#[tokio::test]
async fn a_push_service_that_hangs_delays_nobody_elses_alert() {
    for backend in Backend::available() {
        let usual = desks_push_while_zhao_is_pushed(backend, Answer::Accept).await;
        let hanging = desks_push_while_zhao_is_pushed(backend, Answer::Stall { secs: 60 }).await;
        eprintln!("{backend:?}: the desk's push came {usual:?} after the report, {hanging:?} while zhao's hung");
        assert!(
            hanging < usual + Duration::from_secs(1) || hanging < Duration::from_millis(2500),
            "{backend:?}: the desk's push came {hanging:?} after the report while zhao's push service hung \
             ({usual:?} otherwise)"
        );
    }
}
