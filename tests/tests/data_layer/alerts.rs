//! The data-access layer's alerts, push and attachment tables, on every backend (see `main.rs`): an alert
//! raised once per key, each due call claimed exactly once however many claim it (escalation across crashes
//! and servers relies on it), acknowledgements stopping calls, the homes' lists, devices' subscriptions,
//! deliveries and their retries, and attachments uploaded in parts.

use std::time::Duration;

use zhiban_model::documents::directory::Role;
use zhiban_server::db::alerts::acknowledgements::{self, Acknowledgement};
use zhiban_server::db::alerts::calls::{self, Claim, DueEscalation};
use zhiban_server::db::alerts::{NewAlert, NewEscalation};
use zhiban_server::db::push::deliveries::{self, Attempt};
use zhiban_server::db::push::subscriptions::{NewSubscription, Registration};
use zhiban_server::db::push::vapid_keys::{self, NewKey};
use zhiban_server::db::{self, Database};
use zhiban_server::push::{AlertPayload, Outcome, Urgency};

use super::each_database;

const NOW: i64 = 1_790_000_000_000;
const MINUTE: i64 = 60_000;

/// A chain of one step calling `people` once, waiting five minutes.
fn one_step(people: &[&str]) -> String {
    serde_json::json!([{ "people": people, "wait_minutes": 5, "times": 1 }]).to_string()
}

fn alert<'a>(id: &'a str, key: &'a str) -> NewAlert<'a> {
    NewAlert {
        id, key, kind: "instruction", document: Some("doc-1"), title_class: "新的领导批示", urgency: "high"
    }
}

/// Raises alert `id` (key `key:<id>`) with one escalation per recipient, each calling its one person once,
/// due at `NOW`.
async fn raise_calling(database: &Database, id: &str, recipients: &[(&str, &str)]) {
    let chains: Vec<(&str, String)> = recipients.iter().map(|(r, person)| (*r, one_step(&[person]))).collect();
    let escalations: Vec<NewEscalation> = chains
        .iter()
        .map(|(recipient, chain)| NewEscalation { recipient, chain, next_at: Some(NOW), exhausted_at: None })
        .collect();
    let key = format!("key:{id}");
    assert!(db::alerts::raise(database, alert(id, &key), &escalations, NOW).await.expect("raise"), "{id} is new");
}

/// What a server claims of `due` at `now`: each one-step chain's only call, the chain over once it is made.
fn claims_of(due: &[DueEscalation], now: i64) -> Vec<Claim<'_>> {
    due.iter()
        .map(|d| {
            let chain: serde_json::Value = serde_json::from_str(&d.chain).expect("chain");
            let people = chain[0]["people"].as_array().expect("people");
            Claim {
                alert: &d.alert,
                recipient: &d.recipient,
                step: d.step,
                round: d.round,
                next_at: d.next_at,
                to_step: d.step,
                to_round: d.round,
                to_next_at: None,
                exhausted_at: Some(now + 5 * MINUTE),
                people: people.iter().map(|p| p.as_str().expect("person").to_owned()).collect(),
            }
        })
        .collect()
}

#[tokio::test]
async fn an_alert_is_raised_once_per_key_and_ended_once() {
    each_database(async |backend, database| {
        let nobody = NewEscalation { recipient: "west", chain: "[]", next_at: None, exhausted_at: Some(NOW) };
        let east =
            NewEscalation { recipient: "east", chain: &one_step(&["li"]), next_at: Some(NOW), exhausted_at: None };
        assert!(
            db::alerts::raise(&database, alert("al_1", "instruction:doc-1"), &[east, nobody], NOW)
                .await
                .expect("query")
        );
        // The same situation again, under another id: nothing is written.
        let again = db::alerts::raise(&database, alert("al_2", "instruction:doc-1"), &[east], NOW + 1).await;
        assert!(!again.expect("raise again"), "{backend}");
        assert_eq!(db::alerts::id_of(&database, "instruction:doc-1").await.expect("query").as_deref(), Some("al_1"));
        assert_eq!(db::alerts::id_of(&database, "instruction:other").await.expect("query"), None, "{backend}");
        let shown = db::alerts::desk::newest(&database, None).await.expect("desk");
        assert_eq!(shown.alerts.len(), 1, "{backend}");
        let recipients: Vec<_> =
            shown.escalations.iter().map(|e| (e.recipient.as_str(), e.next_at, e.exhausted_at)).collect();
        assert_eq!(recipients, [("east", Some(NOW), None), ("west", None, Some(NOW))], "{backend}");

        // Two servers raising one new situation at once: one alert, with its escalations whole.
        let (one, both) = ([east], [east, nobody]);
        let (a, b) = tokio::join!(
            db::alerts::raise(&database, alert("al_3", "incident:doc-2:grade:III"), &one, NOW),
            db::alerts::raise(&database, alert("al_4", "incident:doc-2:grade:III"), &both, NOW),
        );
        assert_eq!([a.expect("query"), b.expect("query")].iter().filter(|r| **r).count(), 1, "{backend}: raised once");
        let shown = db::alerts::desk::newest(&database, Some("instruction")).await.expect("desk");
        let ids: Vec<&str> = shown.alerts.iter().map(|a| a.alert.as_str()).collect();
        assert_eq!(ids.len(), 2, "{backend}: {ids:?}");
        let winner = db::alerts::id_of(&database, "incident:doc-2:grade:III").await.expect("query").expect("raised");
        let of_winner = shown.escalations.iter().filter(|e| e.alert == winner).count();
        assert_eq!(of_winner, if winner == "al_3" { 1 } else { 2 }, "{backend}: the winner's escalations only");

        // Calls made, then the situation clears: nobody is called any more, once.
        let due = calls::due(&database, NOW, 500).await.expect("due");
        assert_eq!(due.len(), 2, "{backend}: east of both alerts");
        calls::claim(&database, &claims_of(&due, NOW), NOW).await.expect("claim");
        let open: Vec<String> = db::alerts::open_of_kind(&database, "instruction")
            .await
            .expect("query")
            .into_iter()
            .map(|a| a.key)
            .collect();
        assert_eq!(open.len(), 2, "{backend}");
        let called = db::alerts::resolve(&database, "instruction:doc-1", "已签收", NOW + MINUTE).await.expect("query");
        assert_eq!(called, Some(vec!["li".to_owned()]), "{backend}");
        assert_eq!(
            db::alerts::resolve(&database, "instruction:doc-1", "again", NOW + MINUTE).await.expect("query"),
            None
        );
        let open = db::alerts::open_of_kind(&database, "instruction").await.expect("query");
        assert_eq!(open.len(), 1, "{backend}");
        assert_eq!(open[0].document.as_deref(), Some("doc-1"), "{backend}");
        let ended = db::alerts::desk::newest(&database, None).await.expect("query");
        let al_1 = ended.alerts.iter().find(|a| a.alert == "al_1").expect("al_1");
        assert_eq!((al_1.resolved_at, al_1.resolution.as_deref()), (Some(NOW + MINUTE), Some("已签收")));
    })
    .await;
}

#[tokio::test]
async fn each_due_call_is_claimed_exactly_once_by_two_claimers() {
    each_database(async |backend, database| {
        let recipients: Vec<(String, String)> = (0..40).map(|i| (format!("unit-{i:02}"), format!("p{i:02}"))).collect();
        let recipients: Vec<(&str, &str)> = recipients.iter().map(|(r, p)| (r.as_str(), p.as_str())).collect();
        raise_calling(&database, "al_a", &recipients[..20]).await;
        raise_calling(&database, "al_b", &recipients[20..]).await;

        // Both servers read the due calls before either claims: the worst case for a claim.
        let first = calls::due(&database, NOW, 500).await.expect("due");
        let second = calls::due(&database, NOW, 500).await.expect("due");
        assert_eq!((first.len(), second.len()), (40, 40), "{backend}");
        let (first_claims, second_claims) = (claims_of(&first, NOW), claims_of(&second, NOW));
        let (a, b) =
            tokio::join!(calls::claim(&database, &first_claims, NOW), calls::claim(&database, &second_claims, NOW),);
        let mut called = [a.expect("claim a"), b.expect("claim b")].concat();
        called.sort();
        let everyone: Vec<String> = recipients.iter().map(|(_, p)| (*p).to_owned()).collect();
        assert_eq!(called, everyone, "{backend}: each call once between them");
        assert!(
            calls::due(&database, NOW + 10 * MINUTE, 500).await.expect("query").is_empty(),
            "{backend}: chains over"
        );
        let recorded = calls::unsent(&database, NOW).await.expect("unsent");
        assert_eq!(recorded.len(), 40, "{backend}: each call recorded once");

        // A claim read before the escalation moved finds it moved: nothing more is called.
        assert!(calls::claim(&database, &first_claims, NOW).await.expect("query").is_empty(), "{backend}");

        // Reading and claiming side by side, as two schedulers do, a new alert's calls once.
        raise_calling(&database, "al_c", &[("unit-x", "px"), ("unit-y", "py")]).await;
        let claimer = async || {
            let due = calls::due(&database, NOW, 500).await.expect("due");
            calls::claim(&database, &claims_of(&due, NOW), NOW).await.expect("claim")
        };
        let (a, b) = tokio::join!(claimer(), claimer());
        let mut called = [a, b].concat();
        called.sort();
        assert_eq!(called, ["px", "py"], "{backend}");

        // Leased to one sender, then marked sent: no other sender takes them.
        let unsent = calls::unsent(&database, NOW).await.expect("query");
        assert_eq!(unsent.len(), 42, "{backend}");
        let (a, b) = tokio::join!(
            calls::lease(&database, unsent.clone(), NOW + MINUTE, NOW),
            calls::lease(&database, unsent.clone(), NOW + MINUTE, NOW),
        );
        let (a, b) = (a.expect("query"), b.expect("query"));
        assert_eq!(a.len() + b.len(), 42, "{backend}: each call leased once");
        assert!(calls::unsent(&database, NOW + 1).await.expect("query").is_empty(), "{backend}: leased");
        assert_eq!(calls::unsent(&database, NOW + MINUTE + 1).await.expect("query").len(), 42, "{backend}: lease over");
        let sent: Vec<_> = a.iter().chain(&b).map(|call| (call, 2_i64)).collect();
        calls::mark_sent(&database, &sent).await.expect("sent");
        assert!(calls::unsent(&database, NOW + 10 * MINUTE).await.expect("query").is_empty(), "{backend}: sent");
        let shown = db::alerts::desk::newest(&database, None).await.expect("query");
        assert_eq!(shown.calls.len(), 42, "{backend}");
        assert!(shown.calls.iter().all(|c| c.pushed == 2 && c.called_at == NOW), "{backend}");
        assert!(shown.escalations.iter().all(|e| e.next_at.is_none() && e.exhausted_at == Some(NOW + 5 * MINUTE)));
    })
    .await;
}

#[tokio::test]
async fn an_acknowledgement_stops_the_calls_and_leaves_the_lists() {
    each_database(async |backend, database| {
        let chain = serde_json::json!([
            { "people": ["li"], "wait_minutes": 5, "times": 1 },
            { "people": ["wang", "zhao"], "wait_minutes": 5, "times": 1 },
        ])
        .to_string();
        let east = NewEscalation { recipient: "east", chain: &chain, next_at: Some(NOW), exhausted_at: None };
        let west = NewEscalation { recipient: "west", chain: &chain, next_at: Some(NOW), exhausted_at: None };
        assert!(db::alerts::raise(&database, alert("al_1", "k1"), &[east, west], NOW).await.expect("query"));
        let due = calls::due(&database, NOW, 500).await.expect("query");
        // The first step: li, for both recipients; the next due in five minutes.
        let first: Vec<Claim> = due
            .iter()
            .map(|d| Claim {
                alert: &d.alert,
                recipient: &d.recipient,
                step: 0,
                round: 0,
                next_at: d.next_at,
                to_step: 1,
                to_round: 0,
                to_next_at: Some(NOW + 5 * MINUTE),
                exhausted_at: None,
                people: vec!["li".to_owned()],
            })
            .collect();
        assert_eq!(calls::claim(&database, &first, NOW).await.expect("query"), ["li", "li"], "{backend}");
        let people = ["li".to_owned(), "wang".to_owned(), "nobody".to_owned()];
        let listed = db::alerts::open_for(&database, &people, NOW - MINUTE).await.expect("lists");
        let listed: Vec<_> = listed.iter().map(|l| (l.person.as_str(), l.alert.as_str(), l.called_at)).collect();
        assert_eq!(listed, [("li", "al_1", NOW)], "{backend}: one row per person and alert");

        // East acknowledges: its escalation stops, west's goes on.
        let stale = calls::due(&database, NOW + 5 * MINUTE, 500).await.expect("query");
        let ack = Acknowledgement {
            alert: "al_1",
            recipient: "east",
            by: "li",
            received: NOW + 2 * MINUTE,
            on_device: Some(NOW + MINUTE),
        };
        assert_eq!(acknowledgements::stop(&database, &[ack]).await.expect("query"), ["li"], "{backend}");
        assert!(acknowledgements::stop(&database, &[ack]).await.expect("query").is_empty(), "{backend}: once");
        let unanswered = acknowledgements::unanswered(&database, "al_1").await.expect("query");
        assert_eq!(unanswered.iter().map(|u| u.recipient.as_str()).collect::<Vec<_>>(), ["west"], "{backend}");
        assert_eq!(unanswered[0].chain, chain, "{backend}: the chain as stored");
        let due = calls::due(&database, NOW + 5 * MINUTE, 500).await.expect("query");
        assert_eq!(due.iter().map(|d| d.recipient.as_str()).collect::<Vec<_>>(), ["west"], "{backend}");
        // A claim read before the acknowledgement calls nobody of east.
        assert_eq!(stale.len(), 2, "{backend}");
        let late: Vec<Claim> = stale
            .iter()
            .map(|d| Claim {
                alert: &d.alert,
                recipient: &d.recipient,
                step: 1,
                round: 0,
                next_at: d.next_at,
                to_step: 1,
                to_round: 0,
                to_next_at: None,
                exhausted_at: Some(NOW + 10 * MINUTE),
                people: vec!["wang".to_owned(), "zhao".to_owned()],
            })
            .collect();
        assert_eq!(
            calls::claim(&database, &late, NOW + 5 * MINUTE).await.expect("query"),
            ["wang", "zhao"],
            "{backend}"
        );
        let shown = db::alerts::desk::newest(&database, None).await.expect("query");
        let east = shown.escalations.iter().find(|e| e.recipient == "east").expect("east");
        assert_eq!(
            (east.acknowledged_at, east.acknowledged_by.as_deref(), east.acknowledged_on_device_at, east.next_at),
            (Some(NOW + 2 * MINUTE), Some("li"), Some(NOW + MINUTE), None),
            "{backend}"
        );
        assert_eq!(shown.calls.iter().filter(|c| c.recipient == "east").count(), 1, "{backend}");

        // West acknowledges too: the alert leaves everyone's list; one raised before `since` was never there.
        let ack = Acknowledgement {
            alert: "al_1",
            recipient: "west",
            by: "zhao",
            received: NOW + 6 * MINUTE,
            on_device: None,
        };
        let mut called = acknowledgements::stop(&database, &[ack]).await.expect("query");
        called.sort();
        assert_eq!(called, ["li", "wang", "zhao"], "{backend}");
        let people = ["li".to_owned(), "wang".to_owned(), "zhao".to_owned()];
        assert!(db::alerts::open_for(&database, &people, NOW - MINUTE).await.expect("query").is_empty(), "{backend}");
    })
    .await;
}

#[tokio::test]
async fn the_lists_take_any_number_of_people_as_they_are_written() {
    each_database(async |backend, database| {
        // Names a JSON text must escape, and a thousand people, as one parameter.
        let odd = ["李\"四\\", "o'brien", "p_1"];
        let many: Vec<String> = (0..1000).map(|i| format!("person-{i:04}")).collect();
        let recipients: Vec<(String, &str)> = odd.iter().map(|p| (format!("u-{p}"), *p)).collect();
        let recipients: Vec<(&str, &str)> = recipients.iter().map(|(r, p)| (r.as_str(), *p)).collect();
        raise_calling(&database, "al_odd", &recipients).await;
        let crowd: Vec<(String, &str)> = many.iter().map(|p| (format!("u-{p}"), p.as_str())).collect();
        let crowd: Vec<(&str, &str)> = crowd.iter().map(|(r, p)| (r.as_str(), *p)).collect();
        raise_calling(&database, "al_many", &crowd).await;
        let due = calls::due(&database, NOW, 5000).await.expect("query");
        assert_eq!(due.len(), 1003, "{backend}");
        calls::claim(&database, &claims_of(&due, NOW), NOW).await.expect("query");

        let mut asked: Vec<String> = odd.iter().map(|p| (*p).to_owned()).collect();
        asked.extend(many.iter().cloned());
        asked.push("p%1".to_owned());
        let listed = db::alerts::open_for(&database, &asked, NOW).await.expect("lists");
        assert_eq!(listed.len(), 1003, "{backend}");
        for person in odd {
            assert!(listed.iter().any(|l| l.person == person && l.alert == "al_odd"), "{backend}: {person}");
        }
        assert!(listed.iter().all(|l| l.person != "p%1"), "{backend}: no pattern matching");
        // More people than one statement asks about: asked in turns, none left out.
        let mut crowd: Vec<String> = (0..10_000).map(|i| format!("absent-{i}")).collect();
        crowd.extend(["person-0001".to_owned(), "o'brien".to_owned()]);
        let listed = db::alerts::open_for(&database, &crowd, NOW).await.expect("lists");
        let mut found: Vec<&str> = listed.iter().map(|l| l.person.as_str()).collect();
        found.sort();
        assert_eq!(found, ["o'brien", "person-0001"], "{backend}");
        let one = db::alerts::open_for(&database, &["person-0999".to_owned()], NOW).await.expect("query");
        assert_eq!(one.len(), 1, "{backend}");
        assert_eq!((one[0].kind.as_str(), one[0].document.as_deref()), ("instruction", Some("doc-1")));
        // Raised before `since`: no longer listed. Ended: not listed.
        assert!(db::alerts::open_for(&database, &asked, NOW + 1).await.expect("query").is_empty(), "{backend}");
        db::alerts::resolve(&database, "key:al_many", "已处理", NOW).await.expect("query");
        assert_eq!(db::alerts::open_for(&database, &asked, NOW).await.expect("query").len(), 3, "{backend}");
        assert!(db::alerts::open_for(&database, &[], NOW).await.expect("query").is_empty(), "{backend}");
    })
    .await;
}

fn subscription<'a>(username: &'a str, device_id: &'a str, endpoint: &'a str) -> NewSubscription<'a> {
    NewSubscription { username, device_id, endpoint, p256dh: "BPkey", auth: "auth16bytes" }
}

async fn user_with_device(database: &Database, username: &str, device: &str) {
    let account = db::accounts::NewAccount { username, display_name: "值班员", unit: "east", roles: &[Role::Field] };
    assert!(db::accounts::add(database, account, "$argon2id$hash", NOW).await.expect("user"));
    assert!(db::devices::add(database, device, username, "手机", NOW).await.expect("device"));
}

/// Registers `s` at `now`, a device keeping ten.
async fn register(database: &Database, s: NewSubscription<'_>, now: i64) -> Registration {
    db::push::subscriptions::register(database, s, 10, now).await.expect("register")
}

fn endpoints(subscriptions: &[zhiban_server::push::Subscription]) -> Vec<&str> {
    subscriptions.iter().map(|s| s.endpoint.as_str()).collect()
}

#[tokio::test]
async fn a_device_keeps_its_newest_subscriptions_and_an_endpoint_stays_its_persons() {
    each_database(async |backend, database| {
        user_with_device(&database, "li", "dev_li").await;
        assert!(db::devices::add(&database, "dev_li_2", "li", "平板", NOW).await.expect("query"));
        user_with_device(&database, "wang", "dev_wang").await;
        let names: Vec<String> = (0..12).map(|i| format!("https://push.example/{i:02}")).collect();
        for (i, endpoint) in names.iter().enumerate().take(10) {
            let registered = register(&database, subscription("li", "dev_li", endpoint), NOW + i as i64).await;
            assert_eq!(registered, Registration::Registered { replaced: vec![] }, "{backend}");
        }
        // The eleventh replaces the device's oldest, the twelfth the next.
        let registered = register(&database, subscription("li", "dev_li", &names[10]), NOW + 10).await;
        assert_eq!(registered, Registration::Registered { replaced: vec![names[0].clone()] }, "{backend}");
        let registered = register(&database, subscription("li", "dev_li", &names[11]), NOW + 11).await;
        assert_eq!(registered, Registration::Registered { replaced: vec![names[1].clone()] }, "{backend}");
        let li = db::push::subscriptions::of_user(&database, "li").await.expect("query");
        let newest: Vec<&str> = names[2..].iter().map(String::as_str).collect();
        assert_eq!(endpoints(&li), newest, "{backend}: the newest ten, oldest first");
        assert_eq!((li[0].p256dh.as_str(), li[0].auth.as_str()), ("BPkey", "auth16bytes"), "{backend}");

        // Another person cannot take it; its person may move it to another device of theirs.
        let taken = register(&database, subscription("wang", "dev_wang", &names[5]), NOW + 12).await;
        assert_eq!(taken, Registration::TakenByAnother, "{backend}");
        assert!(db::push::subscriptions::of_user(&database, "wang").await.expect("query").is_empty(), "{backend}");
        let moved = register(&database, subscription("li", "dev_li_2", &names[5]), NOW + 13).await;
        assert_eq!(moved, Registration::Registered { replaced: vec![] }, "{backend}");
        assert_eq!(db::push::subscriptions::of_user(&database, "li").await.expect("query").len(), 10, "{backend}");

        // Two people registering one new endpoint at once: one has it.
        let (a, b) = tokio::join!(
            register(&database, subscription("li", "dev_li_2", "https://push.example/new"), NOW + 14),
            register(&database, subscription("wang", "dev_wang", "https://push.example/new"), NOW + 14),
        );
        assert_eq!([&a, &b].iter().filter(|r| ***r == Registration::TakenByAnother).count(), 1, "{backend}");

        // A signed-out device is not pushed to.
        assert!(db::devices::revoke(&database, "dev_li", "logout", NOW + 15).await.expect("query"));
        let li = db::push::subscriptions::of_user(&database, "li").await.expect("query");
        assert!(li.iter().all(|s| s.endpoint == names[5] || s.endpoint.ends_with("/new")), "{backend}: {li:?}");
        assert!(li.iter().any(|s| s.endpoint == names[5]), "{backend}: the other device's stays");
    })
    .await;
}

#[tokio::test]
async fn a_new_vapid_key_replaces_the_old_and_may_forget_the_subscriptions() {
    each_database(async |backend, database| {
        assert_eq!(vapid_keys::stored(&database).await.expect("query"), None, "{backend}");
        let first = NewKey { private_key: "priv-1", public_key: "pub-1", subject: "mailto:desk@duty.example" };
        vapid_keys::replace(&database, first, false, NOW).await.expect("store");
        let stored = vapid_keys::stored(&database).await.expect("query").expect("stored");
        assert_eq!((stored.private_key.as_str(), stored.subject.as_str()), ("priv-1", "mailto:desk@duty.example"));
        user_with_device(&database, "li", "dev_li").await;
        let kept = db::push::subscriptions::register(&database, subscription("li", "dev_li", "https://p/1"), 10, NOW);
        assert_eq!(kept.await.expect("query"), Registration::Registered { replaced: vec![] }, "{backend}");
        let second = NewKey { private_key: "priv-2", public_key: "pub-2", subject: "https://duty.example" };
        vapid_keys::replace(&database, second, false, NOW + 1).await.expect("replace");
        assert_eq!(db::push::subscriptions::of_user(&database, "li").await.expect("query").len(), 1, "{backend}");
        vapid_keys::replace(&database, first, true, NOW + 2).await.expect("replace, forgetting");
        assert_eq!(vapid_keys::stored(&database).await.expect("query").expect("stored").private_key, "priv-1");
        assert!(db::push::subscriptions::of_user(&database, "li").await.expect("query").is_empty(), "{backend}");
    })
    .await;
}

/// li's first attempt of `payload` to `endpoint`.
fn first_attempt<'a>(
    endpoint: &'a str,
    payload: &'a AlertPayload,
    outcome: &'a Outcome,
    retry_at: Option<i64>,
) -> Attempt<'a> {
    Attempt { endpoint, username: "li", payload, attempt: 1, outcome, http_status: Some(201), detail: "", retry_at }
}

#[tokio::test]
async fn deliveries_are_recorded_with_their_answers_and_retried_once() {
    each_database(async |backend, database| {
        user_with_device(&database, "li", "dev_li").await;
        for (i, endpoint) in ["https://p/ok", "https://p/gone", "https://p/busy"].into_iter().enumerate() {
            register(&database, subscription("li", "dev_li", endpoint), NOW + i as i64).await;
        }
        let payload = AlertPayload {
            kind: "instruction".into(),
            document: Some("automerge:doc".into()),
            title_class: "新的领导批示".into(),
            urgency: Urgency::High,
            alert: Some("al_1".into()),
        };
        let throttled = Outcome::Throttled { retry_after: Duration::from_secs(30) };
        let attempts = [
            first_attempt("https://p/ok", &payload, &Outcome::Accepted, None),
            first_attempt("https://p/gone", &payload, &Outcome::Gone, None),
            first_attempt("https://p/busy", &payload, &throttled, Some(NOW + 30_000)),
        ];
        deliveries::record(&database, &attempts, NOW).await.expect("record");
        let left = db::push::subscriptions::of_user(&database, "li").await.expect("query");
        assert_eq!(endpoints(&left), ["https://p/ok", "https://p/busy"], "{backend}: the gone one removed");

        assert!(deliveries::due_retries(&database, NOW + 29_999).await.expect("query").is_empty(), "{backend}");
        let due = deliveries::due_retries(&database, NOW + 30_000).await.expect("query");
        assert_eq!(due.len(), 1, "{backend}");
        assert_eq!((due[0].endpoint.as_str(), due[0].attempt), ("https://p/busy", 1), "{backend}");
        assert_eq!(due[0].payload, payload, "{backend}: what the push carried, whole");
        let (a, b) = tokio::join!(
            deliveries::claim_retry(&database, &due[0].delivery),
            deliveries::claim_retry(&database, &due[0].delivery),
        );
        assert!(a.expect("query") ^ b.expect("query"), "{backend}: retried by one");
        assert!(deliveries::due_retries(&database, NOW + 60_000).await.expect("query").is_empty(), "{backend}");
    })
    .await;
}

const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const OTHER: &str = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

#[tokio::test]
async fn an_attachment_is_uploaded_in_parts_then_whole() {
    each_database(async |backend, database| {
        // The first chunk: a new upload, whole with its bytes or not at all.
        let mut tx = database.begin().await.expect("begin");
        let mut conn = tx.conn();
        assert_eq!(db::attachments::lock(&mut conn, SHA).await.expect("query"), None, "{backend}");
        assert_eq!(db::attachments::held_by(&mut conn, "li", SHA).await.expect("query"), 0, "{backend}");
        assert!(db::attachments::start(&mut conn, SHA, 6, 3, "li", NOW).await.expect("query"));
        db::attachments::add_chunk(&mut conn, SHA, 0, b"abc").await.expect("query");
        drop(tx);
        assert_eq!(db::attachments::upload(&database, SHA).await.expect("query"), None, "{backend}: rolled back whole");
        let mut tx = database.begin().await.expect("begin");
        let mut conn = tx.conn();
        assert!(db::attachments::start(&mut conn, SHA, 6, 3, "li", NOW).await.expect("query"));
        assert!(!db::attachments::start(&mut conn, SHA, 9, 3, "wang", NOW).await.expect("query"), "{backend}: once");
        db::attachments::add_chunk(&mut conn, SHA, 0, b"abc").await.expect("query");
        tx.commit().await.expect("commit");
        let partial = db::attachments::upload(&database, SHA).await.expect("query").expect("partial");
        assert_eq!(
            (partial.total, partial.received, partial.complete, partial.uploaded_by.as_deref(), partial.updated_at),
            (6, 3, false, Some("li"), NOW),
            "{backend}"
        );

        // Two chunks from offset 3 at once: one is stored.
        let chunk = async |data: &'static [u8], now: i64| {
            let mut tx = database.begin().await.expect("begin");
            let mut conn = tx.conn();
            assert!(db::attachments::lock(&mut conn, SHA).await.expect("query").is_some());
            if !db::attachments::advance(&mut conn, SHA, 3, 6, now).await.expect("query") {
                return false;
            }
            db::attachments::add_chunk(&mut conn, SHA, 3, data).await.expect("query");
            tx.commit().await.expect("commit");
            true
        };
        let (a, b) = tokio::join!(chunk(b"def", NOW + 1), chunk(b"xyz", NOW + 2));
        assert!(a != b, "{backend}: {a} {b}");
        let whole = db::attachments::chunks(&database, SHA).await.expect("query").concat();
        assert!(whole == b"abcdef" || whole == b"abcxyz", "{backend}: {whole:?}");
        let mut tx = database.begin().await.expect("begin");
        let mut conn = tx.conn();
        assert!(!db::attachments::advance(&mut conn, SHA, 3, 6, NOW + 3).await.expect("query"), "{backend}: moved on");
        drop(tx);

        db::attachments::mark_complete(&database, SHA, NOW + 4).await.expect("query");
        let complete = db::attachments::upload(&database, SHA).await.expect("query").expect("complete");
        assert_eq!((complete.received, complete.complete, complete.updated_at), (6, true, NOW + 4), "{backend}");
        // Whole: neither discarded, nor removed as a partial one, nor swept.
        db::attachments::discard_unverified(&database, SHA).await.expect("query");
        let mut tx = database.begin().await.expect("begin");
        db::attachments::remove_partial(&mut tx.conn(), SHA).await.expect("query");
        tx.commit().await.expect("query");
        assert_eq!(db::attachments::remove_partial_before(&database, NOW + 1000).await.expect("query"), 0, "{backend}");
        assert!(db::attachments::upload(&database, SHA).await.expect("query").is_some_and(|u| u.complete), "{backend}");

        // Another of li's, partial: what li holds counts the others; swept when left, bytes and all.
        let mut tx = database.begin().await.expect("begin");
        let mut conn = tx.conn();
        assert!(db::attachments::start(&mut conn, OTHER, 100, 2, "li", NOW).await.expect("query"));
        db::attachments::add_chunk(&mut conn, OTHER, 0, b"gh").await.expect("query");
        assert_eq!(db::attachments::held_by(&mut conn, "li", OTHER).await.expect("query"), 6, "{backend}");
        assert_eq!(db::attachments::held_by(&mut conn, "li", "none").await.expect("query"), 106, "{backend}");
        assert_eq!(db::attachments::held_by(&mut conn, "wang", "none").await.expect("query"), 0, "{backend}");
        tx.commit().await.expect("query");
        assert_eq!(db::attachments::remove_partial_before(&database, NOW).await.expect("query"), 0, "{backend}");
        assert_eq!(db::attachments::remove_partial_before(&database, NOW + 1).await.expect("query"), 1, "{backend}");
        assert_eq!(db::attachments::upload(&database, OTHER).await.expect("query"), None, "{backend}");
        assert!(db::attachments::chunks(&database, OTHER).await.expect("query").is_empty(), "{backend}: its bytes too");

        // Every byte came but the hash did not match: discarded with its chunks.
        let mut tx = database.begin().await.expect("begin");
        let mut conn = tx.conn();
        assert!(db::attachments::start(&mut conn, OTHER, 2, 2, "wang", NOW).await.expect("query"));
        db::attachments::add_chunk(&mut conn, OTHER, 0, b"ij").await.expect("query");
        tx.commit().await.expect("query");
        db::attachments::discard_unverified(&database, OTHER).await.expect("query");
        assert_eq!(db::attachments::upload(&database, OTHER).await.expect("query"), None, "{backend}");
        assert!(db::attachments::chunks(&database, OTHER).await.expect("query").is_empty(), "{backend}");
        assert!(db::attachments::incidents_listing(&database, SHA).await.expect("query").is_empty(), "{backend}");
    })
    .await;
}
