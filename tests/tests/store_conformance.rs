//! One suite, every store: what the server relies on from SQLite and PostgreSQL alike.

use std::sync::Arc;

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc};
use zhiban_model::DocumentId;
use zhiban_server::store::{self, ChunkKind, GroupCommitter, NewChunk, Store};
use zhiban_tests::{Backend, TestDatabase};

/// A change setting `key` to `value` on top of `doc`, as stored bytes.
fn change(doc: &mut Automerge, key: &str, value: i64) -> Vec<u8> {
    let before = doc.get_heads();
    let mut tx = doc.transaction();
    tx.put(automerge::ROOT, key, value).expect("put");
    tx.commit();
    doc.save_after(&before)
}

fn load(chunks: &[store::StoredChunk]) -> Automerge {
    let mut doc = Automerge::new();
    for chunk in chunks {
        doc.load_incremental(&chunk.data).expect("stored chunk loads");
    }
    doc
}

async fn each_store(test: impl AsyncFn(Arc<dyn Store>)) {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("test database");
        let store = store::open(&db.url).await.expect("store opens");
        test(store).await;
    }
}

#[tokio::test]
async fn appended_chunks_load_back_in_order() {
    each_store(async |store| {
        let id = DocumentId::random();
        assert!(store.load(id).await.expect("load").is_empty(), "{}: unknown document is empty", store.backend());
        let mut doc = Automerge::new();
        let a = change(&mut doc, "a", 1);
        let b = change(&mut doc, "b", 2);
        let seqs = store
            .append(&[
                NewChunk { document_id: id, data: a, projection: None, receipts: Vec::new(), audience: None },
                NewChunk { document_id: id, data: b, projection: None, receipts: Vec::new(), audience: None },
            ])
            .await
            .expect("append");
        assert!(seqs[0] < seqs[1]);
        let chunks = store.load(id).await.expect("load");
        assert_eq!(chunks.iter().map(|c| c.seq).collect::<Vec<_>>(), seqs);
        assert!(chunks.iter().all(|c| c.kind == ChunkKind::Changes));
        assert_eq!(load(&chunks).get_heads(), doc.get_heads());
        assert_eq!(store.chunk_seqs(id).await.expect("seqs"), seqs);
        assert_eq!(store.chunks(id, &seqs[1..]).await.expect("chunks").len(), 1);
        assert_eq!(store.document_count().await.expect("count"), 1);
    })
    .await;
}

#[tokio::test]
async fn compaction_replaces_exactly_the_chunks_it_names() {
    each_store(async |store| {
        let id = DocumentId::random();
        let mut doc = Automerge::new();
        let mut seqs = Vec::new();
        for i in 0..5 {
            let data = change(&mut doc, "n", i);
            seqs.extend(
                store
                    .append(&[NewChunk {
                        document_id: id,
                        data,
                        projection: None,
                        receipts: Vec::new(),
                        audience: None,
                    }])
                    .await
                    .expect("append"),
            );
        }
        // A change written meanwhile (say by another server) that the snapshot does not contain.
        let mut other = doc.fork();
        let late = change(&mut other, "late", 1);
        let late_seq = store
            .append(&[NewChunk { document_id: id, data: late, projection: None, receipts: Vec::new(), audience: None }])
            .await
            .expect("append")[0];

        let snapshot_seq = store.compact(id, &doc.save(), &seqs).await.expect("compact");
        let chunks = store.load(id).await.expect("load");
        let kinds: Vec<_> = chunks.iter().map(|c| (c.seq, c.kind)).collect();
        assert_eq!(kinds, vec![(late_seq, ChunkKind::Changes), (snapshot_seq, ChunkKind::Snapshot)]);
        let loaded = load(&chunks);
        assert_eq!(loaded.get(automerge::ROOT, "n").expect("read").map(|(v, _)| v.as_i64()), Some(Some(4)));
        assert!(loaded.get(automerge::ROOT, "late").expect("read").is_some(), "the late change survived");
    })
    .await;
}

#[tokio::test]
async fn group_commit_stores_every_concurrent_append() {
    each_store(async |store| {
        let committer = GroupCommitter::start(store.clone());
        let ids: Vec<DocumentId> = (0..8).map(|_| DocumentId::random()).collect();
        let mut tasks = Vec::new();
        for (n, id) in ids.iter().copied().enumerate() {
            let committer = committer.clone();
            tasks.push(tokio::spawn(async move {
                let mut doc = Automerge::new();
                for i in 0..25 {
                    let data = change(&mut doc, &format!("k{n}"), i);
                    committer
                        .append(NewChunk {
                            document_id: id,
                            data,
                            projection: None,
                            receipts: Vec::new(),
                            audience: None,
                        })
                        .await
                        .expect("append");
                }
                doc.get_heads()
            }));
        }
        for (task, id) in tasks.into_iter().zip(&ids) {
            let heads = task.await.expect("task");
            assert_eq!(load(&store.load(*id).await.expect("load")).get_heads(), heads);
        }
        assert_eq!(store.document_count().await.expect("count"), ids.len() as u64);
    })
    .await;
}

#[tokio::test]
async fn storage_id_is_made_once() {
    each_store(async |store| {
        let first = store.storage_id().await.expect("id");
        assert_eq!(store.storage_id().await.expect("id"), first);
    })
    .await;
}

#[tokio::test]
async fn data_survives_reopening_the_store() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("test database");
        let id = DocumentId::random();
        let mut doc = Automerge::new();
        let data = change(&mut doc, "kept", 1);
        {
            let store = store::open(&db.url).await.expect("open");
            store
                .append(&[NewChunk { document_id: id, data, projection: None, receipts: Vec::new(), audience: None }])
                .await
                .expect("append");
        }
        let store = store::open(&db.url).await.expect("reopen");
        assert_eq!(load(&store.load(id).await.expect("load")).get_heads(), doc.get_heads());
    }
}

#[tokio::test]
async fn an_unknown_database_url_says_what_to_use() {
    let Err(e) = store::open("mysql://x").await else { panic!("mysql must be refused") };
    assert!(e.to_string().contains("sqlite://"), "{e}");
}
