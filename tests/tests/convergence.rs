//! Property: whatever the interleaving of edits, syncs, live sessions and disconnects across three phones,
//! once they all sync they hold identical documents with every edit in them.

use std::time::Duration;

use proptest::prelude::*;
use serde_json::json;
use zhiban_tests::accounts::TEST_ADMIN;
use zhiban_tests::{Backend, InProcessServer, Phone, TestDatabase};

#[derive(Debug, Clone)]
enum Step {
    /// A phone edits: a field only it writes, and a field everyone fights over.
    Edit { phone: usize, shared: bool },
    /// A phone connects, syncs everything, disconnects.
    SyncOnce { phone: usize },
    /// A phone's live session starts or stops (a network coming and going).
    Live { phone: usize, on: bool },
    /// Let live sessions run a moment.
    Pause,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..3usize, any::<bool>()).prop_map(|(phone, shared)| Step::Edit { phone, shared }),
        2 => (0..3usize).prop_map(|phone| Step::SyncOnce { phone }),
        2 => (0..3usize, any::<bool>()).prop_map(|(phone, on)| Step::Live { phone, on }),
        1 => Just(Step::Pause),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, max_shrink_iters: 20, ..ProptestConfig::default() })]

    #[test]
    fn three_phones_converge(steps in prop::collection::vec(step(), 1..30)) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(run(steps));
    }
}

async fn run(steps: Vec<Step>) {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let server = InProcessServer::start(&db.url).await.expect("server");
        let mut phones: Vec<Phone> = Vec::new();
        for _ in 0..3 {
            phones.push(Phone::signed_in(&server.http_url(), TEST_ADMIN).await.expect("phone"));
        }
        let id = phones[0].client.create_document(&json!({"log": []})).expect("create");
        phones[0].client.sync_once(Duration::from_secs(10)).await.expect("upload");
        for phone in &phones[1..] {
            phone.client.fetch(id, Duration::from_secs(10)).await.expect("fetch");
        }
        let mut live: Vec<Option<zhiban_client_core::SyncHandle>> = vec![None, None, None];
        let mut made = [0u32; 3];
        for step in &steps {
            match *step {
                Step::Edit { phone, shared } => {
                    made[phone] += 1;
                    let client = &phones[phone].client;
                    client.set_path(id, &format!("p{phone}_{}", made[phone]), &json!(made[phone])).expect("edit");
                    client.set_path(id, "log.-", &json!(format!("{phone}:{}", made[phone]))).expect("append");
                    if shared {
                        client.set_path(id, "shared", &json!(phone)).expect("shared edit");
                    }
                }
                Step::SyncOnce { phone } => {
                    phones[phone].client.sync_once(Duration::from_secs(10)).await.expect("sync");
                }
                Step::Live { phone, on } => live[phone] = on.then(|| phones[phone].client.keep_syncing()),
                Step::Pause => tokio::time::sleep(Duration::from_millis(30)).await,
            }
        }
        drop(live);
        for phone in phones.iter().chain(phones.iter()) {
            phone.client.sync_once(Duration::from_secs(10)).await.expect("final sync");
        }
        let first = phones[0].client.get_json(id).expect("read");
        for phone in &phones {
            assert_eq!(phone.client.heads(id).expect("heads"), phones[0].client.heads(id).expect("heads"));
            assert_eq!(phone.client.get_json(id).expect("read"), first);
            assert_eq!(phone.client.status().expect("status").pending_changes(), 0);
        }
        for (phone, count) in made.iter().enumerate() {
            for n in 1..=*count {
                assert_eq!(first[format!("p{phone}_{n}")], json!(n), "edit {phone}/{n} missing");
            }
        }
        let log_len = first["log"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(log_len as u32, made.iter().sum::<u32>(), "every list append kept");
        server.stop().await.expect("stop");
    }
}
