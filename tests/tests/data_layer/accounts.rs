//! The data-access layer's accounts tables, on every backend (see `main.rs`): users, devices and their tokens,
//! console sessions, and the login throttle's counts.

use std::time::Duration;

use futures_util::future::join_all;
use zhiban_model::documents::directory::Role;
use zhiban_server::accounts::Throttle;
use zhiban_server::db::console_sessions::NewConsoleSession;
use zhiban_server::db::devices::NewTokens;
use zhiban_server::db::login_throttle::{Count, Reservation};
use zhiban_server::db::{self, Database};

use super::each_database;

const NOW: i64 = 1_790_000_000_000;

fn account<'a>(username: &'a str, unit: &'a str, roles: &'a [Role]) -> db::accounts::NewAccount<'a> {
    db::accounts::NewAccount { username, display_name: "值班员", unit, roles }
}

/// A user `username` of unit `east`, and a device `device` of theirs.
async fn user_with_device(database: &Database, username: &str, device: &str) {
    let added = db::accounts::add(database, account(username, "east", &[Role::Field]), "$argon2id$hash", NOW).await;
    assert!(added.expect("add user"), "{username} is new");
    assert!(db::devices::add(database, device, username, "手机", NOW).await.expect("add device"));
}

#[tokio::test]
async fn users_are_added_once_changed_and_disabled() {
    each_database(async |backend, database| {
        let roles = [Role::UnitOfficer, Role::Field];
        let added = db::accounts::add(&database, account("li", "east", &roles), "hash-1", NOW).await.expect("add");
        assert!(added, "{backend}");
        let again = db::accounts::add(&database, account("li", "west", &[Role::Desk]), "hash-2", NOW).await;
        assert!(!again.expect("add again"), "{backend}: a taken username is refused");
        let stored = db::accounts::password_of(&database, "li").await.expect("password").expect("li");
        assert_eq!((stored.hash.as_str(), stored.disabled), ("hash-1", false), "{backend}: the first stays");
        assert!(db::accounts::password_of(&database, "nobody").await.expect("password").is_none(), "{backend}");

        let many = [account("wang", "west", &[Role::Desk]), account("li", "west", &[Role::Desk])];
        assert_eq!(db::accounts::add_all(&database, &many, "hash-3", NOW).await.expect("add all"), 1, "{backend}");

        assert!(db::accounts::set_password_hash(&database, "li", "hash-4").await.expect("set"), "{backend}");
        assert!(!db::accounts::set_password_hash(&database, "nobody", "hash-4").await.expect("set"), "{backend}");
        let stored = db::accounts::password_of(&database, "li").await.expect("password").expect("li");
        assert_eq!(stored.hash, "hash-4", "{backend}");

        // Roles keep their order; no unit given keeps the unit.
        let changed = db::accounts::set_unit_and_roles(&database, "li", None, &[Role::Leader, Role::Admin]).await;
        assert!(changed.expect("set roles"), "{backend}");
        let changed = db::accounts::set_unit_and_roles(&database, "wang", Some("north"), &[Role::Desk]).await;
        assert!(changed.expect("set roles"), "{backend}");
        assert!(!db::accounts::set_unit_and_roles(&database, "nobody", None, &[Role::Desk]).await.expect("set"));
        let viewers = db::accounts::active_viewers(&database).await.expect("viewers");
        let seen: Vec<_> = viewers.iter().map(|v| (v.person.as_str(), v.unit.as_str(), v.roles.clone())).collect();
        assert_eq!(
            seen,
            [("li", "east", vec![Role::Leader, Role::Admin]), ("wang", "north", vec![Role::Desk])],
            "{backend}"
        );

        assert!(db::accounts::disable(&database, "li", NOW + 5).await.expect("disable"), "{backend}");
        assert!(!db::accounts::disable(&database, "li", NOW + 9).await.expect("disable"), "{backend}: once");
        assert!(!db::accounts::disable(&database, "nobody", NOW).await.expect("disable"), "{backend}");
        assert!(db::accounts::exists(&database, "li").await.expect("exists"), "{backend}: disabled, still there");
        assert!(!db::accounts::exists(&database, "nobody").await.expect("exists"), "{backend}");
        assert!(db::accounts::password_of(&database, "li").await.expect("password").expect("li").disabled);
        let viewers = db::accounts::active_viewers(&database).await.expect("viewers");
        assert_eq!(viewers.iter().map(|v| v.person.as_str()).collect::<Vec<_>>(), ["wang"], "{backend}");
    })
    .await;
}

#[tokio::test]
async fn devices_and_their_tokens_round_trip_until_revoked() {
    each_database(async |backend, database| {
        user_with_device(&database, "li", "dev_a").await;
        assert!(!db::devices::add(&database, "dev_x", "nobody", "手机", NOW).await.expect("add"), "{backend}");
        assert!(db::devices::add(&database, "dev_b", "li", "平板", NOW + 1).await.expect("add"), "{backend}");

        let holder = db::devices::holder(&database, "dev_a").await.expect("holder");
        assert_eq!(
            (holder.principal.username.as_str(), holder.principal.device_id.as_str(), holder.display_name.as_str()),
            ("li", "dev_a", "值班员"),
            "{backend}"
        );
        assert_eq!((holder.principal.unit.as_str(), holder.principal.roles.clone()), ("east", vec![Role::Field]));
        assert!(matches!(db::devices::holder(&database, "dev_x").await, Err(sqlx::Error::RowNotFound)), "{backend}");

        let first = NewTokens {
            device_id: "dev_a",
            access_hash: "access-1",
            access_expires_at: NOW + 1000,
            refresh_hash: "refresh-1",
            refresh_expires_at: NOW + 100_000,
        };
        db::devices::add_tokens(&database, first, NOW).await.expect("tokens");
        let holder = db::devices::access_token_holder(&database, "access-1", NOW + 999).await.expect("auth");
        assert_eq!(holder.map(|p| p.device_id), Some("dev_a".to_owned()), "{backend}");
        let expired = db::devices::access_token_holder(&database, "access-1", NOW + 1000).await.expect("auth");
        assert!(expired.is_none(), "{backend}: expired by the given now");
        assert!(db::devices::access_token_holder(&database, "other", NOW).await.expect("auth").is_none());

        let refresh = db::devices::refresh_token(&database, "refresh-1").await.expect("refresh").expect("stored");
        assert_eq!(refresh.device_id, "dev_a", "{backend}");
        assert_eq!(
            (refresh.expires_at, refresh.used, refresh.revoked, refresh.disabled),
            (NOW + 100_000, false, None, false)
        );
        assert!(db::devices::refresh_token(&database, "other").await.expect("refresh").is_none(), "{backend}");
        // Used once only, even by two at once.
        let claims = join_all((0..4).map(|_| db::devices::use_refresh_token(&database, "refresh-1", NOW + 5))).await;
        let claimed = claims.into_iter().map(|c| c.expect("use")).filter(|c| *c).count();
        assert_eq!(claimed, 1, "{backend}");
        assert!(db::devices::refresh_token(&database, "refresh-1").await.expect("refresh").expect("stored").used);

        // The next tokens drop the access tokens expired by then.
        let second = NewTokens {
            device_id: "dev_a",
            access_hash: "access-2",
            access_expires_at: NOW + 3000,
            refresh_hash: "refresh-2",
            refresh_expires_at: NOW + 100_000,
        };
        db::devices::add_tokens(&database, second, NOW + 2000).await.expect("tokens");
        let dropped = db::devices::access_token_holder(&database, "access-1", NOW).await.expect("auth");
        assert!(dropped.is_none(), "{backend}: the expired access token is gone");
        db::devices::seen(&database, "dev_a", NOW + 2000).await.expect("seen");

        let devices = db::devices::list(&database, Some("li")).await.expect("list");
        let listed: Vec<_> = devices.iter().map(|d| (d.device_id.as_str(), d.name.as_str(), d.last_seen_at)).collect();
        assert_eq!(listed, [("dev_a", "手机", NOW + 2000), ("dev_b", "平板", NOW + 1)], "{backend}");
        assert!(db::devices::list(&database, Some("nobody")).await.expect("list").is_empty(), "{backend}");

        // A revoked device no longer stands; its first reason stays.
        assert!(db::devices::revoke(&database, "dev_a", "stolen", NOW + 10).await.expect("revoke"), "{backend}");
        assert!(db::devices::revoke(&database, "dev_a", "again", NOW + 20).await.expect("revoke"), "{backend}");
        assert!(!db::devices::revoke(&database, "dev_x", "stolen", NOW).await.expect("revoke"), "{backend}");
        assert!(db::devices::access_token_holder(&database, "access-2", NOW + 2500).await.expect("auth").is_none());
        let refresh = db::devices::refresh_token(&database, "refresh-2").await.expect("refresh").expect("stored");
        assert_eq!(refresh.revoked.as_deref(), Some("stolen"), "{backend}");
        let devices = db::devices::list(&database, None).await.expect("list");
        let revoked: Vec<_> = devices.iter().map(|d| (d.device_id.as_str(), d.revoked.as_deref())).collect();
        assert_eq!(revoked, [("dev_a", Some("stolen")), ("dev_b", None)], "{backend}");
        let standing = db::devices::standing(&database, &["dev_a".into(), "dev_b".into()]).await.expect("standing");
        assert_eq!(standing.keys().collect::<Vec<_>>(), ["dev_b"], "{backend}");

        // Revoking every device of a person leaves those revoked already as they were.
        db::devices::revoke_all_of(&database, "li", "password reset", NOW + 30).await.expect("revoke all");
        let devices = db::devices::list(&database, Some("li")).await.expect("list");
        let revoked: Vec<_> = devices.iter().map(|d| d.revoked.as_deref()).collect();
        assert_eq!(revoked, [Some("stolen"), Some("password reset")], "{backend}");
    })
    .await;
}

#[tokio::test]
async fn standing_devices_are_asked_about_in_batches_and_a_disabled_user_stands_nowhere() {
    each_database(async |backend, database| {
        user_with_device(&database, "li", "dev_li").await;
        user_with_device(&database, "wang", "dev_wang").await;
        assert!(db::devices::standing(&database, &[]).await.expect("standing").is_empty(), "{backend}");
        // More ids than one query asks about, the real ones in different batches.
        let mut ids: Vec<String> = (0..1200).map(|i| format!("dev_gone_{i}")).collect();
        ids[3] = "dev_li".into();
        ids[1100] = "dev_wang".into();
        let standing = db::devices::standing(&database, &ids).await.expect("standing");
        assert_eq!(standing.len(), 2, "{backend}");
        assert_eq!(standing["dev_wang"].username, "wang", "{backend}");
        assert_eq!(standing["dev_li"].roles, [Role::Field], "{backend}");

        assert!(db::accounts::disable(&database, "wang", NOW).await.expect("disable"));
        assert!(!db::devices::add(&database, "dev_new", "wang", "手机", NOW).await.expect("add"), "{backend}");
        let standing = db::devices::standing(&database, &ids).await.expect("standing");
        assert_eq!(standing.keys().collect::<Vec<_>>(), ["dev_li"], "{backend}");
    })
    .await;
}

#[tokio::test]
async fn console_sessions_stand_until_they_expire_by_the_given_now() {
    each_database(async |backend, database| {
        user_with_device(&database, "li", "dev_console").await;
        user_with_device(&database, "wang", "dev_other").await;
        let session = |session_hash, device_id, expires_at| NewConsoleSession {
            session_hash,
            device_id,
            csrf_token: "zcf_token",
            expires_at,
        };
        db::console_sessions::open(&database, session("s1", "dev_console", NOW + 1000), NOW).await.expect("open");
        let open = db::console_sessions::standing(&database, "s1", NOW + 999).await.expect("session").expect("s1");
        assert_eq!((open.principal.username.as_str(), open.csrf_token.as_str()), ("li", "zcf_token"), "{backend}");
        assert_eq!(open.principal.device_id, "dev_console", "{backend}");
        assert!(db::console_sessions::standing(&database, "s1", NOW + 1000).await.expect("session").is_none());
        assert!(db::console_sessions::standing(&database, "s2", NOW).await.expect("session").is_none());

        // Opening another clears those expired by its now: s1 is gone even for an earlier now.
        db::console_sessions::open(&database, session("s2", "dev_other", NOW + 9000), NOW + 1000).await.expect("open");
        assert!(db::console_sessions::standing(&database, "s1", NOW).await.expect("session").is_none(), "{backend}");
        assert!(db::console_sessions::standing(&database, "s2", NOW + 1000).await.expect("session").is_some());

        // A revoked device ends it; so does closing it.
        db::console_sessions::open(&database, session("s3", "dev_console", NOW + 9000), NOW + 1000)
            .await
            .expect("open");
        assert!(db::devices::revoke(&database, "dev_console", "signed out", NOW + 1100).await.expect("revoke"));
        assert!(db::console_sessions::standing(&database, "s3", NOW + 1200).await.expect("session").is_none());
        db::console_sessions::close(&database, "dev_other").await.expect("close");
        assert!(db::console_sessions::standing(&database, "s2", NOW + 1200).await.expect("session").is_none());
        // A disabled user's session ends with the account.
        user_with_device(&database, "zhao", "dev_zhao").await;
        db::console_sessions::open(&database, session("s4", "dev_zhao", NOW + 9000), NOW + 1000).await.expect("open");
        assert!(db::console_sessions::standing(&database, "s4", NOW + 1200).await.expect("session").is_some());
        assert!(db::accounts::disable(&database, "zhao", NOW + 1300).await.expect("disable"));
        assert!(db::console_sessions::standing(&database, "s4", NOW + 1400).await.expect("session").is_none());
    })
    .await;
}

fn throttle(free: i64) -> Throttle {
    Throttle {
        free,
        first_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(900),
        memory: Duration::from_secs(3600),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempts_arriving_together_are_each_counted_and_no_more_pass_than_free() {
    each_database(async |backend, database| {
        // Twenty at once, under two keys: the second allows three, so three are counted under both and the
        // rest under neither.
        let counts = vec![("pair:203.0.113.7 li".to_owned(), throttle(5)), ("user:li".to_owned(), throttle(3))];
        let attempts: Vec<_> = (0..20)
            .map(|_| {
                let (database, counts) = (database.clone(), counts.clone());
                tokio::spawn(async move { db::login_throttle::reserve(&database, &counts, NOW).await })
            })
            .collect();
        let mut counted = 0;
        for attempt in join_all(attempts).await {
            match attempt.expect("task").expect("reserve") {
                Reservation::Counted => counted += 1,
                Reservation::Refused { index, count } => {
                    assert_eq!((index, count), (1, Count { attempts: 3, last_at: NOW }), "{backend}");
                }
            }
        }
        assert_eq!(counted, 3, "{backend}");
        let keys = ["pair:203.0.113.7 li", "user:li", "address:203.0.113.7"];
        let stored = db::login_throttle::counts(&database, &keys).await.expect("counts");
        let three = Some(Count { attempts: 3, last_at: NOW });
        assert_eq!(stored, [three, three, None], "{backend}: the refused were counted nowhere");

        // After the first delay one more goes ahead; a count left alone for its memory starts again from one.
        let later = NOW + 1000;
        assert_eq!(
            db::login_throttle::reserve(&database, &counts, later).await.expect("reserve"),
            Reservation::Counted
        );
        let refused = db::login_throttle::reserve(&database, &counts, later).await.expect("reserve");
        assert_eq!(refused, Reservation::Refused { index: 1, count: Count { attempts: 4, last_at: later } });
        let forgotten = later + 3_600_000;
        assert_eq!(
            db::login_throttle::reserve(&database, &counts, forgotten).await.expect("reserve"),
            Reservation::Counted
        );
        let stored = db::login_throttle::counts(&database, &keys[..2]).await.expect("counts");
        assert_eq!(stored, [Some(Count { attempts: 1, last_at: forgotten }); 2], "{backend}");
    })
    .await;
}

#[tokio::test]
async fn a_login_that_proved_right_clears_its_pair_and_is_taken_back_from_the_rest() {
    each_database(async |backend, database| {
        user_with_device(&database, "li", "dev_li").await;
        let counts = vec![
            ("pair:203.0.113.7 li".to_owned(), throttle(5)),
            ("address:203.0.113.7".to_owned(), throttle(20)),
            ("user:li".to_owned(), throttle(100)),
        ];
        for _ in 0..2 {
            assert_eq!(
                db::login_throttle::reserve(&database, &counts, NOW).await.expect("reserve"),
                Reservation::Counted
            );
        }
        let address = Some(("li", "203.0.113.7"));
        let taken_back = ["address:203.0.113.7", "user:li"];
        db::login_throttle::succeeded(&database, "pair:203.0.113.7 li", &taken_back, address, NOW + 10)
            .await
            .expect("succeeded");
        let keys = ["pair:203.0.113.7 li", "address:203.0.113.7", "user:li"];
        let one = Some(Count { attempts: 1, last_at: NOW });
        assert_eq!(db::login_throttle::counts(&database, &keys).await.expect("counts"), [None, one, one], "{backend}");
        // Taken back no lower than nothing.
        for _ in 0..2 {
            db::login_throttle::succeeded(&database, "pair:203.0.113.7 li", &taken_back, None, NOW + 20)
                .await
                .expect("succeeded");
        }
        let zero = Some(Count { attempts: 0, last_at: NOW });
        assert_eq!(
            db::login_throttle::counts(&database, &keys).await.expect("counts"),
            [None, zero, zero],
            "{backend}"
        );

        let known = |since| db::login_throttle::is_known_address(&database, "li", "203.0.113.7", since);
        assert!(known(NOW + 9).await.expect("known"), "{backend}");
        assert!(!known(NOW + 10).await.expect("known"), "{backend}: logged in at, not after, the given time");
        let elsewhere = db::login_throttle::is_known_address(&database, "li", "198.51.100.1", NOW).await;
        assert!(!elsewhere.expect("known"), "{backend}");

        // The sweep removes counts and addresses as old as it is told, and nothing newer.
        db::login_throttle::reserve(&database, &counts[..1], NOW + 50).await.expect("reserve");
        db::login_throttle::sweep(&database, NOW, NOW + 10).await.expect("sweep");
        let stored = db::login_throttle::counts(&database, &keys).await.expect("counts");
        assert_eq!(stored, [Some(Count { attempts: 1, last_at: NOW + 50 }), None, None], "{backend}");
        assert!(!known(0).await.expect("known"), "{backend}: the address is forgotten");
    })
    .await;
}
