//! `ZhibanClient`: one per data folder (per user profile on the phone). Opening, the account, and sync.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zhiban_client_core::{Client, SyncHandle};

use crate::error::{Result, ZhibanError};
use crate::records::{CurrentUser, SyncStatus};
use crate::runtime::{block_on, runtime};

/// How long logging in waits for the directory, which every offline operation checks against.
const DIRECTORY_WAIT: Duration = Duration::from_secs(20);

#[derive(uniffi::Object)]
pub struct ZhibanClient {
    pub(crate) core: Client,
    /// The background sync, while it runs.
    syncing: Mutex<Option<SyncHandle>>,
}

impl ZhibanClient {
    pub(crate) fn photos_to_upload(&self) -> Result<usize> {
        Ok(self.core.attachments_to_upload()?.len())
    }
}

#[uniffi::export]
impl ZhibanClient {
    /// Opens (or creates) the client's data in `data_folder` (the app's private files folder), for the
    /// server at `server_url` (`https://duty.example.gov.cn`). Changes made earlier and not yet sent, and
    /// photos not yet uploaded, are still there: the next sync sends them.
    #[uniffi::constructor]
    pub fn new(data_folder: String, server_url: Option<String>) -> Result<Arc<Self>> {
        if data_folder.trim().is_empty() {
            return Err(ZhibanError::invalid("data_folder", "the data folder must be given"));
        }
        let core = Client::open(Path::new(&data_folder), server_url.as_deref().filter(|s| !s.trim().is_empty()))
            .map_err(|e| match e {
                zhiban_client_core::ClientError::BadServerUrl(_) => ZhibanError::invalid("server_url", e.to_string()),
                e => e.into(),
            })?;
        Ok(Arc::new(ZhibanClient { core, syncing: Mutex::new(None) }))
    }

    /// Logs in as `username` on this device (`device_name`, shown to the desk and recorded with each
    /// acknowledgement), then fetches the office's directory. Returns who is logged in.
    pub fn login(&self, username: String, password: String, device_name: String) -> Result<CurrentUser> {
        if username.trim().is_empty() {
            return Err(ZhibanError::invalid("username", "the username must be given"));
        }
        if device_name.trim().is_empty() {
            return Err(ZhibanError::invalid("device_name", "the device name must be given"));
        }
        block_on(async {
            self.core.login(username.trim(), &password, device_name.trim()).await?;
            if let Err(e) = self.core.directory_from_server(DIRECTORY_WAIT).await {
                // Logged in all the same: the next sync brings the directory.
                tracing::warn!(error = %e, "logged in, but the directory did not come yet");
            }
            Ok::<_, ZhibanError>(())
        })?;
        self.current_user()?.ok_or_else(|| ZhibanError::LoginRequired { reason: "the login was not kept".into() })
    }

    /// Logs out: the server signs this device out (when reachable), and the phone forgets the tokens and
    /// who used it. Refused while changes are waiting for the server, unless `discard_unsent`.
    pub fn logout(&self, discard_unsent: bool) -> Result<()> {
        // Refused (changes unsent), the user stays logged in and the sync goes on.
        block_on(self.core.logout(discard_unsent))?;
        self.stop_sync();
        Ok(())
    }

    /// Who is logged in on this phone, if anyone.
    pub fn current_user(&self) -> Result<Option<CurrentUser>> {
        let Some(viewer) = self.core.viewer()? else { return Ok(None) };
        let directory = self.core.directory().ok();
        let person = directory.as_ref().and_then(|d| d.people.get(&viewer.person));
        Ok(Some(CurrentUser {
            name: person.map(|p| p.name.clone()),
            unit_name: directory.as_ref().and_then(|d| d.units.get(&viewer.unit)).map(|u| u.name.clone()),
            roles: viewer.roles.iter().map(|r| r.code().to_owned()).collect(),
            device: self.core.identity()?.map(|i| i.device),
            person: viewer.person,
            unit: viewer.unit,
        }))
    }

    /// How this phone stands with the server: connection, changes waiting, refusals, photos to upload.
    pub fn status(&self) -> Result<SyncStatus> {
        Ok(SyncStatus::of(self.core.status()?, self.photos_to_upload()?))
    }

    /// Keeps syncing in the background (reconnecting with backoff) until `stop_sync`, logout, or the
    /// client is dropped. For the app in the foreground.
    pub fn start_sync(&self) {
        let mut syncing = self.syncing.lock().unwrap_or_else(|p| p.into_inner());
        if syncing.is_none() {
            let _entered = runtime().enter();
            *syncing = Some(self.core.keep_syncing());
        }
    }

    pub fn stop_sync(&self) {
        let handle = self.syncing.lock().unwrap_or_else(|p| p.into_inner()).take();
        drop(handle);
    }

    /// Syncs everything now and returns once the server has every change made here and this phone has
    /// everything the server has for it, or after `timeout_seconds` (`Offline`, with what is still waiting).
    pub fn sync_now(&self, timeout_seconds: u32) -> Result<()> {
        block_on(self.core.sync_once(Duration::from_secs(timeout_seconds.into())))?;
        Ok(())
    }
}
