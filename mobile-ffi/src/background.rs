//! Work in the few seconds an OS grants a background task (Android's WorkManager, iOS's background
//! refresh or a push's wake-up): the most important first, and an honest account of what is left.

use std::time::{Duration, Instant};

use zhiban_client_core::{ClientError, UploadOptions};

use crate::client::ZhibanClient;
use crate::error::Result;
use crate::records::{SyncReport, SyncStatus};
use crate::runtime::block_on;

/// Bytes per upload request in a background task: small enough that a chunk finishes within the time left.
const BACKGROUND_CHUNK: usize = 256 * 1024;

#[uniffi::export]
impl ZhibanClient {
    /// Syncs for at most `seconds`. The session sends the home document first (what is new for this
    /// person), then this phone's unsent changes (acknowledgements, reports), then documents alerts asked
    /// for, then the rest; photos upload in what time remains. Returns what is still pending, so the app
    /// can schedule another run.
    pub fn sync_for(&self, seconds: u32) -> Result<SyncReport> {
        let started = Instant::now();
        let budget = Duration::from_secs(seconds.into());
        let synced = block_on(self.core.sync_once(budget));
        let mut stopped_because = match &synced {
            Ok(()) => None,
            // Refused changes are kept aside for the user; everything else went through.
            Err(ClientError::ChangesRefused(_)) => None,
            Err(e) => Some(e.to_string()),
        };
        if stopped_because.is_none() {
            let left = budget.saturating_sub(started.elapsed());
            let options = UploadOptions { chunk_bytes: BACKGROUND_CHUNK, max_chunks: None };
            // The timer is made inside the runtime, where it has a clock to run on.
            match block_on(async { tokio::time::timeout(left, self.core.upload_attachments(options)).await }) {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => stopped_because = Some(e.to_string()),
                Err(_) => stopped_because = Some(format!("out of time after {seconds} s; photos upload next time")),
            }
        }
        let status = SyncStatus::of(self.core.status()?, self.photos_to_upload()?);
        Ok(SyncReport {
            finished: stopped_because.is_none() && status.pending_changes == 0 && status.photos_to_upload == 0,
            stopped_because,
            pending_changes: status.pending_changes,
            pending_documents: status.pending_documents,
            photos_to_upload: status.photos_to_upload,
            milliseconds_used: started.elapsed().as_millis() as u64,
        })
    }
}
