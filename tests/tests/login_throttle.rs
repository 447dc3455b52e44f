//! Failed logins under attack, over real HTTP from several loopback addresses (127.0.0.x, each client bound
//! to its own), with a clock the test moves: attempts arriving together are counted before any password is
//! checked; an attacker elsewhere neither stops the person at their usual address nor a signed-in device;
//! delays grow with each failure; and no more passwords are hashed at once than the server allows. On SQLite,
//! and on PostgreSQL when one is named.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};
use zhiban_model::documents::directory::Role;
use zhiban_server::ServerConfig;
use zhiban_server::accounts::{AccountPolicy, Accounts, NewUser, NewUserRecord, PasswordGate};
use zhiban_server::clock::ManualClock;
use zhiban_tests::{Backend, InProcessServer, TestDatabase};

const PASSWORD: &str = "correct horse battery";

struct Desk {
    server: InProcessServer,
    clock: Arc<ManualClock>,
    accounts: Accounts,
    policy: AccountPolicy,
    _db: TestDatabase,
}

/// What the server answered: status, body, `Retry-After` in seconds.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
    retry_after: Option<u64>,
}

async fn desk(backend: Backend, policy: AccountPolicy) -> Desk {
    let db = TestDatabase::new(backend).await.expect("database");
    let clock = Arc::new(ManualClock::at_millis(1_790_000_000_000));
    let config = ServerConfig {
        database_url: db.url.clone(),
        clock: clock.clone(),
        accounts: policy.clone(),
        ..ServerConfig::default()
    };
    let server = InProcessServer::start_with(config).await.expect("server");
    let store = zhiban_server::store::open(&db.url).await.expect("store");
    let accounts = Accounts::new(store.database(), clock.clone(), AccountPolicy::default());
    accounts
        .add_user(NewUser {
            username: "li".into(),
            display_name: "李四".into(),
            unit: "east".into(),
            roles: vec![Role::Field],
            password: PASSWORD.into(),
        })
        .await
        .expect("add user");
    Desk { server, clock, accounts, policy, _db: db }
}

/// An HTTP client whose connections come from `address` (any of 127.0.0.0/8 reaches the loopback server).
fn from(address: &str) -> reqwest::Client {
    let address: IpAddr = address.parse().expect("address");
    reqwest::Client::builder().local_address(address).build().expect("client")
}

impl Desk {
    async fn post(&self, client: &reqwest::Client, path: &str, body: Value) -> Answer {
        let response = client.post(format!("{}{path}", self.server.http_url())).json(&body).send().await.expect("POST");
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok());
        Answer { status, body: response.json().await.unwrap_or(Value::Null), retry_after }
    }

    async fn login(&self, client: &reqwest::Client, username: &str, password: &str) -> Answer {
        let body = json!({"username": username, "password": password, "device_name": "手机"});
        self.post(client, "/api/v1/auth/login", body).await
    }

    async fn refresh(&self, client: &reqwest::Client, refresh_token: &str) -> Answer {
        self.post(client, "/api/v1/auth/refresh", json!({"refresh_token": refresh_token})).await
    }
}

fn statuses(answers: &[Answer]) -> Vec<u16> {
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort();
    statuses
}

/// The finding: forty wrong passwords for one username sent at once were all checked (forty 401s), because
/// each read the count before any of them had written it. Now only the free ones are checked.
#[tokio::test]
async fn concurrent_wrong_passwords_get_only_the_free_tries() {
    for backend in Backend::available() {
        let desk = desk(backend, AccountPolicy::default()).await;
        let free = desk.policy.per_user_at_address.free as usize;
        let here = from("127.0.0.1");
        let answers = join_all((0..40).map(|i| {
            let (desk, here) = (&desk, &here);
            async move { desk.login(here, "li", &format!("wrong guess {i}")).await }
        }))
        .await;
        let checked = answers.iter().filter(|a| a.status == 401).count();
        let refused: Vec<&Answer> = answers.iter().filter(|a| a.status == 429).collect();
        assert_eq!(checked, free, "{backend:?}: {:?}", statuses(&answers));
        assert_eq!(refused.len(), 40 - free, "{backend:?}: {:?}", statuses(&answers));
        assert!(refused.iter().all(|a| a.retry_after.is_some_and(|s| (1..=900).contains(&s))), "{refused:?}");

        // The right password now waits its turn too, a second, and then gets in.
        let waiting = desk.login(&here, "li", PASSWORD).await;
        assert_eq!((waiting.status, waiting.retry_after), (429, Some(1)), "{backend:?}: {}", waiting.body);
        desk.clock.advance(Duration::from_secs(1));
        let answer = desk.login(&here, "li", PASSWORD).await;
        assert_eq!(answer.status, 200, "{backend:?}: {}", answer.body);
        desk.server.stop().await.expect("stop");
    }
}

/// Five wrong passwords used to lock the person out for 15 minutes wherever they were. Now an attacker at
/// another address is delayed while li, at her usual address, logs in; a hundred failures from many
/// addresses close the username to addresses it has never logged in from, but not to hers, and her phone's
/// refresh token goes on working throughout.
#[tokio::test]
async fn an_attacker_elsewhere_does_not_stop_the_user_at_her_address() {
    for backend in Backend::available() {
        let desk = desk(backend, AccountPolicy::default()).await;
        let (home, attacker) = (from("127.0.0.1"), from("127.0.0.2"));
        let first = desk.login(&home, "li", PASSWORD).await;
        assert_eq!(first.status, 200, "{backend:?}: {}", first.body);
        let mut refresh_token = first.body["refresh_token"].as_str().expect("refresh").to_owned();

        for i in 0..5 {
            assert_eq!(desk.login(&attacker, "li", &format!("guess {i}")).await.status, 401, "{backend:?}");
        }
        let delayed = desk.login(&attacker, "li", "guess 5").await;
        assert_eq!((delayed.status, delayed.retry_after), (429, Some(1)), "{backend:?}: the attacker waits");
        let even_right = desk.login(&attacker, "li", PASSWORD).await;
        assert_eq!(even_right.status, 429, "{backend:?}: the attacker's address waits, whatever it sends");
        let answer = desk.login(&home, "li", PASSWORD).await;
        assert_eq!(answer.status, 200, "{backend:?}: li at her address is not locked out: {}", answer.body);

        // Guessing spread over twenty more addresses, five each: the hundredth failure reaches the ceiling.
        let ceiling = desk.policy.per_user.free;
        let spread = join_all((10..30).map(|host| {
            let desk = &desk;
            async move {
                let client = from(&format!("127.0.0.{host}"));
                let mut answers = Vec::new();
                for i in 0..5 {
                    answers.push(desk.login(&client, "li", &format!("guess {host}.{i}")).await);
                }
                answers
            }
        }))
        .await;
        let spread: Vec<Answer> = spread.into_iter().flatten().collect();
        let failed = 5 + spread.iter().filter(|a| a.status == 401).count() as i64;
        assert_eq!(failed, ceiling, "{backend:?}: {:?}", statuses(&spread));
        let elsewhere = desk.login(&from("127.0.0.50"), "li", PASSWORD).await;
        assert_eq!(elsewhere.status, 429, "{backend:?}: a new address is held to the ceiling: {}", elsewhere.body);
        assert!(elsewhere.retry_after.is_some_and(|s| s > 15 * 60), "{backend:?}: {elsewhere:?}");
        let answer = desk.login(&home, "li", PASSWORD).await;
        assert_eq!(answer.status, 200, "{backend:?}: her own address is not: {}", answer.body);

        // Her phone, signed in all along, refreshes as ever.
        for _ in 0..2 {
            let renewed = desk.refresh(&from("127.0.0.3"), &refresh_token).await;
            assert_eq!(renewed.status, 200, "{backend:?}: {}", renewed.body);
            refresh_token = renewed.body["refresh_token"].as_str().expect("refresh").to_owned();
        }

        // An hour after the last guess the username is open again everywhere.
        desk.clock.advance(Duration::from_secs(3600));
        let answer = desk.login(&from("127.0.0.50"), "li", PASSWORD).await;
        assert_eq!(answer.status, 200, "{backend:?}: {}", answer.body);
        desk.server.stop().await.expect("stop");
    }
}

/// After the free failures each further one doubles the wait, up to fifteen minutes: never a wall the
/// person cannot see the end of. The right password clears the count; an hour's quiet forgets it.
#[tokio::test]
async fn delays_grow_with_each_failure_and_the_right_password_clears_them() {
    for backend in Backend::available() {
        let desk = desk(backend, AccountPolicy::default()).await;
        let here = from("127.0.0.1");
        let signed_in = desk.login(&here, "li", PASSWORD).await;
        let refresh_token = signed_in.body["refresh_token"].as_str().expect("refresh").to_owned();
        for i in 0..5 {
            assert_eq!(desk.login(&here, "li", &format!("typo {i}")).await.status, 401, "{backend:?}");
        }
        let mut waits = Vec::new();
        for i in 0..12 {
            let refused = desk.login(&here, "li", "typo again").await;
            assert_eq!(refused.status, 429, "{backend:?}: {}", refused.body);
            let wait = refused.retry_after.expect("Retry-After");
            waits.push(wait);
            desk.clock.advance(Duration::from_secs(wait - 1));
            assert_eq!(desk.login(&here, "li", "typo again").await.status, 429, "{backend:?}: {i}: not yet");
            desk.clock.advance(Duration::from_secs(1));
            assert_eq!(desk.login(&here, "li", "typo again").await.status, 401, "{backend:?}: {i}: its turn");
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900], "{backend:?}");

        // Throttled at her own address, her signed-in phone still refreshes.
        let renewed = desk.refresh(&here, &refresh_token).await;
        assert_eq!(renewed.status, 200, "{backend:?}: {}", renewed.body);

        // The right password, once it is her turn, and the count is gone: the next typo is just a typo.
        desk.clock.advance(Duration::from_secs(900));
        assert_eq!(desk.login(&here, "li", PASSWORD).await.status, 200, "{backend:?}");
        assert_eq!(desk.login(&here, "li", "typo").await.status, 401, "{backend:?}");

        // Failures left alone for an hour are forgotten.
        for _ in 0..5 {
            desk.login(&here, "li", "typo").await;
        }
        assert_eq!(desk.login(&here, "li", "typo").await.status, 429, "{backend:?}");
        desk.clock.advance(Duration::from_secs(3600));
        for _ in 0..5 {
            assert_eq!(desk.login(&here, "li", "typo").await.status, 401, "{backend:?}: forgotten");
        }
        desk.server.stop().await.expect("stop");
    }
}

/// Each password check takes 19 MiB the allocator keeps: a burst of logins must not run them all at once.
/// With one check at a time, a burst of twelve people all get in, one hash after another; a login that
/// cannot have a turn soon is told 503 with `Retry-After: 1`, and counts as no failure.
#[tokio::test]
async fn no_more_passwords_are_checked_at_once_than_allowed() {
    for backend in Backend::available() {
        let gate = PasswordGate::new(1, 100, Duration::from_secs(60));
        let policy = AccountPolicy { password_checks: gate.clone(), ..AccountPolicy::default() };
        let desk = desk(backend, policy).await;
        let people: Vec<String> = (0..12).map(|i| format!("officer{i:02}")).collect();
        let records: Vec<NewUserRecord> = people
            .iter()
            .map(|p| NewUserRecord {
                username: p.clone(),
                display_name: p.clone(),
                unit: "east".into(),
                roles: vec![Role::Field],
            })
            .collect();
        desk.accounts.add_users_sharing_password(&records, PASSWORD.into()).await.expect("people");
        let here = from("127.0.0.1");
        let answers = join_all(people.iter().map(|p| desk.login(&here, p, PASSWORD))).await;
        assert!(answers.iter().all(|a| a.status == 200), "{backend:?}: {:?}", statuses(&answers));
        assert_eq!(gate.most_at_once(), 1, "{backend:?}: one hash at a time");

        // The only turn is taken (a long check, say): nobody may wait (the queue is full), so each is told to
        // come back in a second; their attempts were not failures.
        let gate = PasswordGate::new(1, 0, Duration::from_secs(60));
        let policy = AccountPolicy { password_checks: gate.clone(), ..AccountPolicy::default() };
        let url = desk.server.database_url.clone();
        desk.server.stop().await.expect("stop");
        let config =
            ServerConfig { database_url: url, clock: desk.clock.clone(), accounts: policy, ..ServerConfig::default() };
        let server = InProcessServer::start_with(config).await.expect("server");
        let held = gate.turn().await.expect("the only turn");
        let desk = Desk { server, ..desk };
        let answers = join_all((0..8).map(|_| desk.login(&here, "li", "wrong password"))).await;
        for answer in &answers {
            assert_eq!((answer.status, answer.retry_after), (503, Some(1)), "{backend:?}: {}", answer.body);
        }
        drop(held);
        for i in 0..5 {
            assert_eq!(desk.login(&here, "li", "wrong password").await.status, 401, "{backend:?}: try {i} is free");
        }
        desk.server.stop().await.expect("stop");
    }
}
