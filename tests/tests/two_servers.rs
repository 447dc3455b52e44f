//! Two `zhiban-server` processes on one PostgreSQL database serve the same documents: a change written
//! through one reaches a phone connected to the other promptly. Runs when `ZHIBAN_TEST_POSTGRES_URL` is set.

use std::time::Duration;

use serde_json::{Value, json};
use zhiban_tests::accounts::TEST_ADMIN;
use zhiban_tests::{Backend, InProcessServer, Phone, ServerProcess, TestDatabase};

async fn wait_for(phone: &Phone, id: zhiban_client_core::DocumentId, key: &str, value: Value) -> bool {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if phone.client.get_json(id).is_ok_and(|doc| doc[key] == value) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_change_through_one_server_reaches_a_phone_on_the_other() {
    if !Backend::available().contains(&Backend::Postgres) {
        eprintln!("skipped: set ZHIBAN_TEST_POSTGRES_URL to run the two-server test");
        return;
    }
    zhiban_tests::init_logging();
    let db = TestDatabase::new(Backend::Postgres).await.expect("database");
    let one = ServerProcess::start(&db.url).await.expect("server one");
    let two = InProcessServer::start(&db.url).await.expect("server two");
    let a = Phone::signed_in(&one.http_url(), TEST_ADMIN).await.expect("phone on server one");
    let b = Phone::signed_in(&two.http_url(), TEST_ADMIN).await.expect("phone on server two");

    let id = a.client.create_document(&json!({"leader": "张三"})).expect("create");
    a.client.sync_once(Duration::from_secs(10)).await.expect("upload through one");
    b.client.fetch(id, Duration::from_secs(10)).await.expect("fetch through two");
    assert_eq!(b.client.get_json(id).expect("read")["leader"], json!("张三"));

    let _a_live = a.client.keep_syncing();
    let _b_live = b.client.keep_syncing();
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.client.set_path(id, "leader", &json!("李四")).expect("edit on a");
    assert!(wait_for(&b, id, "leader", json!("李四")).await, "a's change never reached b through the other server");
    b.client.set_path(id, "deputy", &json!("王五")).expect("edit on b");
    assert!(wait_for(&a, id, "deputy", json!("王五")).await, "b's change never reached a through the other server");
    one.kill().await.expect("stop one");
    two.stop().await.expect("stop two");
}
