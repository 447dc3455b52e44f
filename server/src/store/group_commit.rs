//! Group commit: appends that arrive while a transaction is being committed are written together in the
//! next one. Each caller still waits for its own commit, so the durability contract is unchanged; the disk
//! sync is shared.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::{ChunkSeq, NewChunk, Store, StoreError};

/// The most appends one transaction takes, so that one commit never grows without bound.
const MAX_BATCH: usize = 512;

/// A commit that takes longer fails its callers (who reload and retry) instead of holding their documents.
const COMMIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A chunk's sequence number, or why its batch failed and whether the database was unreachable.
type Reply = oneshot::Sender<Result<ChunkSeq, (String, bool)>>;

#[derive(Clone)]
pub struct GroupCommitter {
    queue: mpsc::Sender<(NewChunk, Reply)>,
    /// Why the last commit failed, while no commit has succeeded since: a full disk, a database that went
    /// away. The health check reports it, since reads may still work while every change is refused.
    failing: Arc<std::sync::Mutex<Option<String>>>,
}

impl GroupCommitter {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (queue, mut pending) = mpsc::channel::<(NewChunk, Reply)>(4 * MAX_BATCH);
        let failing = Arc::new(std::sync::Mutex::new(None));
        let failing_now = failing.clone();
        let record = move |problem: Option<String>| {
            *failing_now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = problem;
        };
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while pending.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let (chunks, replies): (Vec<NewChunk>, Vec<Reply>) = batch.drain(..).unzip();
                let outcome = tokio::time::timeout(COMMIT_TIMEOUT, store.append(&chunks)).await.unwrap_or_else(|_| {
                    Err(StoreError::BatchFailed {
                        reason: format!("no commit within {COMMIT_TIMEOUT:?}"),
                        unreachable: true,
                    })
                });
                match outcome {
                    Ok(seqs) => {
                        record(None);
                        for (reply, seq) in replies.into_iter().zip(seqs) {
                            let _ = reply.send(Ok(seq));
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, chunks = chunks.len(), "append failed; nothing in this batch is stored");
                        let message = e.to_string();
                        record(Some(message.clone()));
                        let unreachable = e.is_unreachable();
                        for reply in replies {
                            let _ = reply.send(Err((message.clone(), unreachable)));
                        }
                    }
                }
            }
        });
        Self { queue, failing }
    }

    /// Why changes cannot be stored now (the last commit failed, none succeeded since), if so.
    pub fn failing(&self) -> Option<String> {
        self.failing.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Appends one chunk; returns once it is committed.
    pub async fn append(&self, chunk: NewChunk) -> Result<ChunkSeq, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((chunk, reply)).await.map_err(|_| StoreError::WriterStopped)?;
        match answer.await {
            Ok(Ok(seq)) => Ok(seq),
            Ok(Err((reason, unreachable))) => Err(StoreError::BatchFailed { reason, unreachable }),
            Err(_) => Err(StoreError::WriterStopped),
        }
    }
}
