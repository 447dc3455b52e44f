//! The documents' store on every backend (what the server relies on from SQLite and PostgreSQL alike), and
//! what a chunk carries into its transaction: the change log and actor bindings, the document's projection
//! rows (replaced whole) and its audience; a batch is stored whole or not at all.

use std::collections::BTreeSet;
use std::sync::Arc;

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc};
use zhiban_model::DocumentId;
use zhiban_model::access::Audience;
use zhiban_model::documents::directory::Role;
use zhiban_server::db::audiences::DocumentAudience;
use zhiban_server::db::change_log::{ChangeReceipt, SERVER_ACTORS, SERVER_DEVICE};
use zhiban_server::db::projection::instructions::{InstructionRow, RecipientRow};
use zhiban_server::db::projection::rosters::{RosterRow, ShiftRow};
use zhiban_server::db::projection::{Projection, Rows};
use zhiban_server::db::{self, Database};
use zhiban_server::on_conn;
use zhiban_server::store::{self, ChunkKind, GroupCommitter, NewChunk, Store};
use zhiban_tests::{Backend, TestDatabase};

use super::each_database;

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

const NOW: i64 = 1_790_000_000_000;

/// A chunk of `data` for `id` carrying nothing beside it.
fn bare(id: DocumentId, data: Vec<u8>) -> NewChunk {
    NewChunk { document_id: id, data, projection: None, receipts: Vec::new(), audience: None }
}

fn receipt(hash: &str, actor: &str, username: Option<&str>, device: Option<&str>) -> ChangeReceipt {
    ChangeReceipt {
        change_hash: hash.into(),
        actor: actor.into(),
        seq: 1,
        claimed_at: NOW - 5_000,
        received_at: NOW,
        username: username.map(str::to_owned),
        device_id: device.map(str::to_owned),
        touched: "entries/e1".into(),
    }
}

fn instruction(recipients: &[&str]) -> Projection {
    let row = InstructionRow {
        number: Some("2026-001".into()),
        leader: "mayor".into(),
        issued_at: NOW,
        issued_at_text: "2026-09-21T08:00:00+08:00".into(),
        text: "加强值守".into(),
        incident: None,
        status: "issued".into(),
        relay_due_at: NOW + 600_000,
        feedback_due_at: NOW + 86_400_000,
        feedback_due_provisional: false,
        recipient_count: recipients.len() as i64,
        acknowledged_count: 0,
        fed_back_at: None,
        closed_at: None,
    };
    let recipients = recipients
        .iter()
        .map(|r| RecipientRow { recipient_id: (*r).into(), kind: "unit".into(), relayed_at: None, acknowledged: false })
        .collect();
    Projection {
        kind: "instruction",
        schema: 1,
        rows: Ok(Rows::Instruction { instruction: row, recipients, acknowledgements: Vec::new() }),
    }
}

fn roster(shift_ids: &[&str]) -> Projection {
    let row = RosterRow {
        unit_id: "east".into(),
        period_start: NOW,
        period_end: NOW + 7 * 86_400_000,
        period_start_text: "2026-10-01T00:00".into(),
        period_end_text: "2026-10-08T00:00".into(),
        filing_status: "draft".into(),
        problems: "[]".into(),
    };
    let shifts = shift_ids
        .iter()
        .map(|id| ShiftRow {
            shift_id: (*id).into(),
            kind: "shift",
            starts_at: NOW,
            ends_at: NOW + 86_400_000,
            starts_text: "2026-10-01T08:00".into(),
            ends_text: "2026-10-02T08:00".into(),
            main: Some("li".into()),
            deputy: None,
            leader: None,
            on_post: true,
        })
        .collect();
    Projection { kind: "roster", schema: 1, rows: Ok(Rows::Roster { roster: row, shifts, filing: Vec::new() }) }
}

/// How many rows of `table` belong to `document` (`document_id`, or `directory_id` for units and people).
async fn rows_in(database: &Database, table: &str, document: DocumentId) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE document_id = $1");
    let mut pooled = database.acquire().await.expect("connection");
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(document.to_string()).fetch_one(c).await.expect("count")
    })
}

/// What `document` was last projected as, and its problem.
async fn projected(database: &Database, document: DocumentId) -> Option<(String, Option<String>)> {
    let mut pooled = database.acquire().await.expect("connection");
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT kind, problem FROM projected_documents WHERE document_id = $1")
            .bind(document.to_string())
            .fetch_optional(c)
            .await
            .expect("projected")
    })
}

/// The change log's lines of `document`, as (change hash, chunk seq, username, device).
async fn change_log(database: &Database, document: DocumentId) -> Vec<(String, i64, Option<String>, Option<String>)> {
    let mut pooled = database.acquire().await.expect("connection");
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT change_hash, chunk_seq, username, device_id FROM change_log WHERE document_id = $1 \
             ORDER BY change_hash",
        )
        .bind(document.to_string())
        .fetch_all(c)
        .await
        .expect("change log")
    })
}

#[tokio::test]
async fn a_chunk_carries_its_change_log_and_binds_each_actor_to_who_wrote_first() {
    each_store(async |store| {
        let backend = store.backend();
        let database = store.database();
        let id = DocumentId::random();
        let mut doc = Automerge::new();
        let mut chunk = bare(id, change(&mut doc, "a", 1));
        chunk.receipts = vec![
            receipt("h1", "actor-li", Some("li"), Some("phone-1")),
            receipt("h2", "actor-server", None, Some(SERVER_DEVICE)),
            // Stored before the change log existed: nobody delivered it, so nobody owns its actor.
            receipt("h3", "actor-old", None, None),
        ];
        let first = store.append(&[chunk]).await.expect("append")[0];
        let lines = change_log(&database, id).await;
        assert_eq!(
            lines,
            [
                ("h1".into(), first, Some("li".into()), Some("phone-1".into())),
                ("h2".into(), first, None, Some(SERVER_DEVICE.into())),
                ("h3".into(), first, None, None),
            ],
            "{backend}"
        );
        let owner = async |actor| db::change_log::actor_owner(&database, actor).await.expect("owner");
        assert_eq!(owner("actor-li").await.as_deref(), Some("li"), "{backend}");
        assert_eq!(owner("actor-server").await.as_deref(), Some(SERVER_ACTORS), "{backend}");
        assert_eq!(owner("actor-old").await, None, "{backend}");

        // Another user under li's actor does not take it over, and a change logged before keeps its line.
        let mut chunk = bare(id, change(&mut doc, "b", 2));
        chunk.receipts = vec![
            receipt("h1", "actor-li", Some("wang"), Some("phone-2")),
            receipt("h4", "actor-li", Some("wang"), None),
        ];
        let second = store.append(&[chunk]).await.expect("append")[0];
        assert_eq!(owner("actor-li").await.as_deref(), Some("li"), "{backend}: the first writer keeps the actor");
        let lines = change_log(&database, id).await;
        assert_eq!(lines.len(), 4, "{backend}");
        assert_eq!(lines[0], ("h1".into(), first, Some("li".into()), Some("phone-1".into())), "{backend}");
        assert_eq!(lines[3], ("h4".into(), second, Some("wang".into()), None), "{backend}");
    })
    .await;
}

#[tokio::test]
async fn a_documents_rows_are_replaced_whole_and_another_kinds_rows_go() {
    each_store(async |store| {
        let backend = store.backend();
        let database = store.database();
        let id = DocumentId::random();
        let other = DocumentId::random();
        let mut doc = Automerge::new();
        let with_rows = |doc: &mut Automerge, projection: Projection| NewChunk {
            projection: Some(projection),
            ..bare(id, change(doc, "n", 1))
        };
        let mut others = Automerge::new();
        let others_chunk =
            NewChunk { projection: Some(instruction(&["west"])), ..bare(other, change(&mut others, "n", 1)) };
        store.append(&[with_rows(&mut doc, instruction(&["east", "north"])), others_chunk]).await.expect("append");
        assert_eq!(rows_in(&database, "instructions", id).await, 1, "{backend}");
        assert_eq!(rows_in(&database, "instruction_recipients", id).await, 2, "{backend}");

        // The same kind again: the old recipients go, the new ones come.
        store.append(&[with_rows(&mut doc, instruction(&["south"]))]).await.expect("append");
        assert_eq!(rows_in(&database, "instruction_recipients", id).await, 1, "{backend}");

        // Another kind: every row of the old one goes.
        store.append(&[with_rows(&mut doc, roster(&["s1", "s2"]))]).await.expect("append");
        assert_eq!(rows_in(&database, "instructions", id).await, 0, "{backend}");
        assert_eq!(rows_in(&database, "instruction_recipients", id).await, 0, "{backend}");
        assert_eq!(rows_in(&database, "rosters", id).await, 1, "{backend}");
        assert_eq!(rows_in(&database, "shifts", id).await, 2, "{backend}");
        assert_eq!(projected(&database, id).await, Some(("roster".into(), None)), "{backend}");
        // Another document's rows are not touched.
        assert_eq!(rows_in(&database, "instruction_recipients", other).await, 1, "{backend}");

        // On its own (a rebuild, another server's change): rows that cannot be made leave none behind.
        let unmade = Projection { kind: "roster", schema: 1, rows: Err("period start is not a time".into()) };
        db::projection::replace(&database, &id.to_string(), &unmade, NOW).await.expect("replace");
        assert_eq!(rows_in(&database, "shifts", id).await, 0, "{backend}");
        assert_eq!(
            projected(&database, id).await,
            Some(("roster".into(), Some("period start is not a time".into()))),
            "{backend}"
        );
        db::projection::replace(&database, &id.to_string(), &roster(&["s3"]), NOW).await.expect("replace");
        assert_eq!(rows_in(&database, "shifts", id).await, 1, "{backend}");
        assert_eq!(projected(&database, id).await, Some(("roster".into(), None)), "{backend}");
    })
    .await;
}

#[tokio::test]
async fn rows_that_cannot_be_written_are_recorded_as_a_problem_and_the_change_is_stored() {
    each_store(async |store| {
        let backend = store.backend();
        let database = store.database();
        let (broken, fine) = (DocumentId::random(), DocumentId::random());
        let (mut a, mut b) = (Automerge::new(), Automerge::new());
        // Two shifts with one id break the table's key.
        let mut first = NewChunk { projection: Some(roster(&["s1", "s1"])), ..bare(broken, change(&mut a, "n", 1)) };
        first.receipts = vec![receipt("h-broken", "actor-li", Some("li"), Some("phone-1"))];
        first.audience =
            Some(DocumentAudience { audience: Audience::Unit { unit: "east".into() }, kind: "roster".into() });
        let second = NewChunk { projection: Some(roster(&["s1", "s2"])), ..bare(fine, change(&mut b, "n", 1)) };
        let seqs = store.append(&[first, second]).await.expect("the batch is stored");
        assert_eq!(seqs.len(), 2, "{backend}");

        assert_eq!(load(&store.load(broken).await.expect("load")).get_heads(), a.get_heads(), "{backend}");
        let (kind, problem) = projected(&database, broken).await.expect("projected");
        assert_eq!(kind, "roster", "{backend}");
        assert!(problem.is_some_and(|p| p.starts_with("rows could not be written")), "{backend}");
        assert_eq!(rows_in(&database, "rosters", broken).await, 0, "{backend}: none of its rows stay");
        assert_eq!(rows_in(&database, "shifts", broken).await, 0, "{backend}");
        // What came with the change after the rows is written all the same, and so is the next chunk's.
        assert_eq!(change_log(&database, broken).await.len(), 1, "{backend}");
        assert!(db::audiences::of(&database, broken).await.expect("audience").is_some(), "{backend}");
        assert_eq!(rows_in(&database, "shifts", fine).await, 2, "{backend}");
        assert_eq!(projected(&database, fine).await, Some(("roster".into(), None)), "{backend}");
    })
    .await;
}

/// Makes every write of an audience of kind `refused` fail, as a full disk or a lost connection would.
async fn refuse_audiences_of_kind_refused(database: &Database) {
    match database {
        Database::Sqlite(pool) => {
            sqlx::raw_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON document_audiences WHEN NEW.kind = 'refused' \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
            )
            .execute(pool)
            .await
            .expect("trigger");
        }
        Database::Postgres(pool) => {
            sqlx::raw_sql(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.kind = 'refused' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$; \
                 CREATE TRIGGER refuse BEFORE INSERT ON document_audiences FOR EACH ROW EXECUTE FUNCTION refuse()",
            )
            .execute(pool)
            .await
            .expect("trigger");
        }
    }
}

#[tokio::test]
async fn a_batch_is_stored_whole_or_not_at_all() {
    each_store(async |store| {
        let backend = store.backend();
        let database = store.database();
        refuse_audiences_of_kind_refused(&database).await;
        let (kept, refused) = (DocumentId::random(), DocumentId::random());
        let (mut a, mut b) = (Automerge::new(), Automerge::new());
        let mut first = NewChunk { projection: Some(roster(&["s1"])), ..bare(kept, change(&mut a, "n", 1)) };
        first.receipts = vec![receipt("h-kept", "actor-li", Some("li"), Some("phone-1"))];
        first.audience =
            Some(DocumentAudience { audience: Audience::Unit { unit: "east".into() }, kind: "roster".into() });
        let mut second = bare(refused, change(&mut b, "n", 1));
        second.audience = Some(DocumentAudience { audience: Audience::Desk, kind: "refused".into() });

        let Err(e) = store.append(&[first, second]).await else { panic!("{backend}: the batch must fail") };
        assert!(e.to_string().contains("refused by the test"), "{backend}: {e}");
        // Nothing of the first chunk either: not its document, chunk, rows, change log, binding or audience.
        assert_eq!(store.document_count().await.expect("count"), 0, "{backend}");
        assert!(store.load(kept).await.expect("load").is_empty(), "{backend}");
        assert_eq!(projected(&database, kept).await, None, "{backend}");
        assert_eq!(rows_in(&database, "shifts", kept).await, 0, "{backend}");
        assert!(change_log(&database, kept).await.is_empty(), "{backend}");
        assert_eq!(db::change_log::actor_owner(&database, "actor-li").await.expect("owner"), None, "{backend}");
        assert_eq!(db::audiences::of(&database, kept).await.expect("audience"), None, "{backend}");

        // The store goes on working after the failed transaction.
        let again = NewChunk { projection: Some(roster(&["s1"])), ..bare(kept, change(&mut a, "n", 2)) };
        store.append(&[again]).await.expect("append after a failure");
        assert_eq!(rows_in(&database, "shifts", kept).await, 1, "{backend}");
    })
    .await;
}

#[tokio::test]
async fn audiences_are_written_with_the_chunk_and_read_back() {
    each_store(async |store| {
        let backend = store.backend();
        let database = store.database();
        let set = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect::<BTreeSet<_>>();
        let incident = DocumentAudience {
            audience: Audience::Incident { unit: "east".into(), sensitive: true, people: set(&["li", "wang"]) },
            kind: "incident".into(),
        };
        let home = DocumentAudience { audience: Audience::Person("li".into()), kind: "home".into() };
        let order = DocumentAudience {
            audience: Audience::Instruction { units: set(&["east", "west"]), people: set(&["zhao"]) },
            kind: "instruction".into(),
        };
        let ids: Vec<DocumentId> = (0..4).map(|_| DocumentId::random()).collect();
        let mut chunks = Vec::new();
        for (id, audience) in ids.iter().zip([Some(&incident), Some(&home), Some(&order), None]) {
            let mut doc = Automerge::new();
            chunks.push(NewChunk { audience: audience.cloned(), ..bare(*id, change(&mut doc, "n", 1)) });
        }
        store.append(&chunks).await.expect("append");
        for (id, audience) in ids.iter().zip([&incident, &home, &order]) {
            assert_eq!(db::audiences::of(&database, *id).await.expect("of").as_ref(), Some(audience), "{backend}");
        }
        let all: Vec<DocumentId> =
            db::audiences::all(&database).await.expect("all").into_iter().map(|(id, _)| id).collect();
        assert_eq!(all.len(), 3, "{backend}");
        let listable = db::audiences::listable(&database).await.expect("listable");
        assert_eq!(listable.len(), 2, "{backend}: a home lists no home documents");
        assert!(listable.iter().all(|(id, _)| *id != ids[1]), "{backend}");

        // A document stored without one is missing until written; a later change replaces it.
        assert_eq!(db::audiences::missing(&database).await.expect("missing"), [ids[3]], "{backend}");
        db::audiences::write(&database, ids[3], &order).await.expect("write");
        assert!(db::audiences::missing(&database).await.expect("missing").is_empty(), "{backend}");
        let opened = DocumentAudience { audience: Audience::Unit { unit: "east".into() }, kind: "incident".into() };
        let mut doc = Automerge::new();
        store
            .append(&[NewChunk { audience: Some(opened.clone()), ..bare(ids[0], change(&mut doc, "m", 1)) }])
            .await
            .expect("append");
        assert_eq!(db::audiences::of(&database, ids[0]).await.expect("of"), Some(opened), "{backend}");
    })
    .await;
}

#[tokio::test]
async fn a_persons_home_document_is_made_once() {
    each_database(async |backend, database| {
        let (first, second) = (DocumentId::random(), DocumentId::random());
        let made = db::audiences::home_document_id(&database, "li", first).await.expect("home");
        assert_eq!(made, first, "{backend}");
        let again = db::audiences::home_document_id(&database, "li", second).await.expect("home");
        assert_eq!(again, first, "{backend}: the first one made stays");
        let other = db::audiences::home_document_id(&database, "wang", second).await.expect("home");
        assert_eq!(other, second, "{backend}");
    })
    .await;
}

#[tokio::test]
async fn many_chunks_are_read_and_compacted_in_bounded_statements() {
    each_store(async |store| {
        let backend = store.backend();
        let id = DocumentId::random();
        let mut doc = Automerge::new();
        // More seqs than one statement takes.
        let chunks: Vec<NewChunk> = (0..1_200).map(|i| bare(id, change(&mut doc, "n", i))).collect();
        let seqs = store.append(&chunks).await.expect("append");
        let read = store.chunks(id, &seqs).await.expect("chunks");
        assert_eq!(read.iter().map(|c| c.seq).collect::<Vec<_>>(), seqs, "{backend}: every one, in order");
        assert!(store.chunks(id, &[]).await.expect("none asked").is_empty(), "{backend}");
        let snapshot = store.compact(id, &doc.save(), &seqs).await.expect("compact");
        let left = store.load(id).await.expect("load");
        assert_eq!(left.iter().map(|c| (c.seq, c.kind)).collect::<Vec<_>>(), [(snapshot, ChunkKind::Snapshot)]);
        assert_eq!(load(&left).get_heads(), doc.get_heads(), "{backend}");
        let database = store.database();
        let after: Vec<i64> = db::documents::chunks_after(&database, seqs[1_199])
            .await
            .expect("after")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(after, [snapshot], "{backend}: what another process's watch would see");
    })
    .await;
}

#[tokio::test]
async fn ledger_numbers_count_up_per_year() {
    each_database(async |backend, database| {
        let mut taken = Vec::new();
        for year in [2026, 2026, 2027, 2026] {
            taken.push(db::ledger::next_number(&database, year).await.expect("number"));
        }
        assert_eq!(taken, [1, 2, 1, 3], "{backend}");
    })
    .await;
}

#[tokio::test]
async fn session_events_are_read_after_a_seq() {
    each_database(async |backend, database| {
        let account =
            db::accounts::NewAccount { username: "li", display_name: "李", unit: "east", roles: &[Role::Field] };
        assert!(db::accounts::add(&database, account, "$argon2id$hash", NOW).await.expect("add"), "{backend}");
        let before = db::session_events::last_seq(&database).await.expect("last");
        assert!(db::accounts::disable(&database, "li", NOW).await.expect("disable"), "{backend}");
        let events = db::session_events::after(&database, before).await.expect("after");
        assert_eq!(events.iter().map(|(_, who)| who.as_str()).collect::<Vec<_>>(), ["li"], "{backend}");
        assert_eq!(db::session_events::last_seq(&database).await.expect("last"), events[0].0, "{backend}");
        assert!(db::session_events::after(&database, events[0].0).await.expect("after").is_empty(), "{backend}");
    })
    .await;
}
