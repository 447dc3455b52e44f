//! Who uses this phone (their person id in the directory), this device's name, and which document is the
//! directory: kept in the local store, so every operation offline knows them.

use std::time::Duration;

use serde_json::Value;
use zhiban_model::DocumentId;
use zhiban_model::documents::directory::Directory;

use super::{input, unreadable};
use crate::client::Client;
use crate::error::ClientError;

const PERSON: &str = "person";
const DEVICE: &str = "device";
pub(crate) const DIRECTORY: &str = "directory";

/// Why an operation needing the user waits (`ClientError::NotSetUp`): nobody has logged in on this phone.
pub const NO_IDENTITY: &str = "this phone does not know who you are; log in first";
/// Why an operation needing the directory waits (`ClientError::NotSetUp`): the phone holds none to check
/// against yet (a sync brings the one the home document lists).
pub const NO_DIRECTORY: &str = "this phone has no directory yet; sync to fetch it from the server";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user's id in the directory.
    pub person: String,
    /// This device's name, recorded with each acknowledgement.
    pub device: String,
}

impl Client {
    /// Records who uses this phone and its name (logging in does this). The person is checked against the
    /// directory when the phone holds one, and must be who logged in.
    pub fn set_identity(&self, person: &str, device: &str) -> Result<(), ClientError> {
        let (person, device) = (person.trim(), device.trim());
        let mut reasons = Vec::new();
        if person.is_empty() {
            reasons.push(input("person", "the person id must not be empty", "人员编号不能为空"));
        }
        if device.is_empty() {
            reasons.push(input("device", "the device name must not be empty", "设备名称不能为空"));
        }
        if let Some(user) = self.logged_in_as()?
            && user != person
        {
            reasons.push(input(
                "person",
                format!("this phone is logged in as {user:?}; to work as {person:?}, log in as them"),
                format!("本手机登录的是 {user}；要以 {person} 的身份工作，请以其账号登录"),
            ));
        }
        if !person.is_empty()
            && let Ok(directory) = self.directory()
            && !directory.people.contains_key(person)
        {
            reasons.push(input(
                "person",
                format!("{person:?} is not a person in the directory"),
                format!("{person} 不是通讯录中的人员"),
            ));
        }
        if !reasons.is_empty() {
            return Err(super::refused("set who uses this phone", reasons));
        }
        self.with_store(|store| store.set_settings(&[(PERSON, person), (DEVICE, device)]))
    }

    pub fn identity(&self) -> Result<Option<Identity>, ClientError> {
        self.with_store(|store| {
            Ok(match (store.setting(PERSON)?, store.setting(DEVICE)?) {
                (Some(person), Some(device)) => Some(Identity { person, device }),
                _ => None,
            })
        })
    }

    pub(crate) fn require_identity(&self) -> Result<Identity, ClientError> {
        self.identity()?.ok_or_else(|| ClientError::NotSetUp(NO_IDENTITY.into()))
    }

    /// Records a new directory (the administrator's work) and makes it the one this phone checks against.
    pub fn create_directory(&self, directory: &Directory) -> Result<DocumentId, ClientError> {
        // Checked against itself: it is the directory it will be.
        let id = self.create_typed("record this directory", directory, directory)?;
        self.use_directory(id)?;
        Ok(id)
    }

    /// Makes `id` the directory this phone checks against.
    pub fn use_directory(&self, id: DocumentId) -> Result<(), ClientError> {
        let value = id.to_string();
        self.with_store(|store| store.set_settings(&[(DIRECTORY, &value)]))
    }

    pub fn directory_id(&self) -> Result<Option<DocumentId>, ClientError> {
        let text = self.with_store(|store| store.setting(DIRECTORY))?;
        Ok(text.and_then(|t| t.parse().ok()))
    }

    /// The directory as this phone holds it.
    pub fn directory(&self) -> Result<Directory, ClientError> {
        let id = self.directory_id()?.ok_or_else(|| ClientError::NotSetUp(NO_DIRECTORY.into()))?;
        self.read_with(id, |doc| Directory::read(doc).map_err(unreadable))
    }

    /// Asks the server which document is the directory (`GET /api/v1/directory`), uses it and fetches it.
    pub async fn directory_from_server(&self, timeout: Duration) -> Result<DocumentId, ClientError> {
        let answer = self.api_get("api/v1/directory", "the request for the directory").await?;
        let url = answer
            .get("document")
            .and_then(Value::as_str)
            .ok_or_else(|| ClientError::Protocol(format!("the directory answer has no \"document\": {answer}")))?;
        let id = DocumentId::parse_url_or_id(url).map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.fetch(id, timeout).await?;
        self.use_directory(id)?;
        Ok(id)
    }
}
