//! Photos, recordings and videos on incidents. Attaching works offline: the bytes are kept in the local
//! store by SHA-256 and the incident records the attachment at once; the bytes go to the server when it
//! can be reached, in chunks, resuming from the server's offset after an interruption.

use chrono::{DateTime, FixedOffset};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zhiban_model::DocumentId;
use zhiban_model::documents::incident::{Attachment, Incident};
use zhiban_model::documents::time::format_instant;

use super::http::{error_reason, unreachable};
use crate::client::Client;
use crate::error::ClientError;

/// The largest attachment the server takes (its limit too).
pub const MAX_ATTACHMENT_BYTES: usize = 64 * 1024 * 1024;

/// How an upload proceeds.
#[derive(Debug, Clone, Copy)]
pub struct UploadOptions {
    /// Bytes per request (the server takes at most 4 MiB).
    pub chunk_bytes: usize,
    /// Stop after this many chunks in this call (the rest goes next time); `None` sends everything.
    pub max_chunks: Option<usize>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self { chunk_bytes: 1024 * 1024, max_chunks: None }
    }
}

/// What happened to one attachment in an upload pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentUpload {
    pub sha256: String,
    pub size: i64,
    /// Where the server was when this pass began.
    pub resumed_from: i64,
    /// Bytes sent in this pass.
    pub sent: i64,
    pub complete: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadReport {
    pub attachments: Vec<AttachmentUpload>,
}

impl UploadReport {
    pub fn all_complete(&self) -> bool {
        self.attachments.iter().all(|a| a.complete)
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// A media type from a file name's extension; what phones produce, else `application/octet-stream`.
pub fn media_type_of(file_name: &str) -> &'static str {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "heic" => "image/heic",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "m4a" => "audio/mp4",
        "mp3" => "audio/mpeg",
        "amr" => "audio/amr",
        "wav" => "audio/wav",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

impl Client {
    /// Attaches `data` to the incident (to report entry `entry`, or to the incident as a whole). The bytes
    /// are kept on this phone until the server holds them; returns their SHA-256.
    pub fn attach(
        &self,
        incident: DocumentId,
        file_name: &str,
        media_type: &str,
        data: &[u8],
        entry: Option<&str>,
        at: DateTime<FixedOffset>,
    ) -> Result<String, ClientError> {
        let me = self.require_identity()?;
        if data.is_empty() {
            return Err(super::refused("attach this file", [super::input("data", "the file is empty", "文件为空")]));
        }
        if data.len() > MAX_ATTACHMENT_BYTES {
            return Err(super::refused(
                "attach this file",
                [super::input(
                    "data",
                    format!("it is {} bytes; an attachment may have at most {MAX_ATTACHMENT_BYTES}", data.len()),
                    format!("文件大小为 {} 字节；附件最多 {MAX_ATTACHMENT_BYTES} 字节", data.len()),
                )],
            ));
        }
        let sha256 = sha256_hex(data);
        let attachment = Attachment {
            sha256: sha256.clone(),
            size: data.len() as i64,
            media_type: media_type.to_owned(),
            file_name: file_name.to_owned(),
            entry: entry.map(str::to_owned),
            added_by: me.person,
            added_at: format_instant(at),
        };
        let directory = self.directory()?;
        // The bytes first: an attachment recorded in the incident always has its bytes on this phone.
        self.with_store(|store| store.keep_attachment(&sha256, media_type, data))?;
        self.update_typed(incident, "attach this file", &directory, |i: &mut Incident| {
            if i.attachments.contains_key(&sha256) {
                return Ok(());
            }
            i.attach(attachment).map_err(|p| super::problems([p]))
        })?;
        Ok(sha256)
    }

    /// Attachments whose bytes the server does not hold whole yet: (sha256, size).
    pub fn attachments_to_upload(&self) -> Result<Vec<(String, i64)>, ClientError> {
        self.with_store(|store| store.attachments_to_upload())
    }

    /// Sends every attachment the server does not hold whole, each from the offset the server reports.
    pub async fn upload_attachments(&self, options: UploadOptions) -> Result<UploadReport, ClientError> {
        let mut report = UploadReport::default();
        for (sha256, size) in self.attachments_to_upload()? {
            report.attachments.push(self.upload_attachment(&sha256, size, options).await?);
        }
        Ok(report)
    }

    async fn upload_attachment(
        &self,
        sha256: &str,
        size: i64,
        options: UploadOptions,
    ) -> Result<AttachmentUpload, ClientError> {
        let base = self.http_base()?;
        let join = |path: &str| {
            base.join(path).map_err(|e| ClientError::InvalidInput(format!("attachment URL for {sha256}: {e}")))
        };
        let status_url = join(&format!("api/v1/attachments/{sha256}/status"))?;
        let response = self.send_authorized(&status_url, |http| http.get(status_url.clone())).await?;
        let code = response.status();
        let body = response.text().await.map_err(|e| unreachable(&status_url, e))?;
        let (mut offset, complete) = if code.is_success() {
            let v: Value = serde_json::from_str(&body)
                .map_err(|e| ClientError::Protocol(format!("attachment status is not JSON ({e})")))?;
            (v["received"].as_i64().unwrap_or(0), v["complete"].as_bool().unwrap_or(false))
        } else if code == reqwest::StatusCode::NOT_FOUND {
            (0, false)
        } else {
            return Err(ClientError::Http {
                what: "the attachment status request".into(),
                status: code.as_u16(),
                reason: error_reason(&body),
            });
        };
        let resumed_from = offset;
        let mut sent = 0;
        if complete {
            self.with_store(|store| store.mark_attachment_uploaded(sha256))?;
            return Ok(AttachmentUpload { sha256: sha256.to_owned(), size, resumed_from, sent, complete: true });
        }
        let chunk = options.chunk_bytes.clamp(1, 4 * 1024 * 1024) as i64;
        let mut chunks = 0;
        while offset < size {
            if options.max_chunks.is_some_and(|max| chunks >= max) {
                return Ok(AttachmentUpload { sha256: sha256.to_owned(), size, resumed_from, sent, complete: false });
            }
            let data = self
                .with_store(|store| store.attachment_slice(sha256, offset, chunk))?
                .ok_or_else(|| ClientError::InvalidInput(format!("attachment {sha256} is no longer on this phone")))?;
            let len = data.len() as i64;
            let url = join(&format!("api/v1/attachments/{sha256}?offset={offset}&total={size}"))?;
            let response = self.send_authorized(&url, |http| http.put(url.clone()).body(data.clone())).await?;
            let code = response.status();
            let body = response.text().await.map_err(|e| unreachable(&url, e))?;
            let answer: Option<Value> = serde_json::from_str(&body).ok();
            let server_offset = answer.as_ref().and_then(|v| v["received"].as_i64());
            match code.as_u16() {
                200 | 201 => {
                    offset = server_offset.unwrap_or(offset + len);
                    sent += len;
                    chunks += 1;
                }
                // Someone (an earlier, interrupted attempt) moved the server on: continue from its offset.
                409 => match server_offset {
                    Some(o) => offset = o,
                    None => {
                        return Err(ClientError::Protocol(format!("409 without an offset: {body}")));
                    }
                },
                status => {
                    return Err(ClientError::Http {
                        what: format!("the upload of attachment {sha256}"),
                        status,
                        reason: error_reason(&body),
                    });
                }
            }
            if answer.as_ref().and_then(|v| v["complete"].as_bool()) == Some(true) {
                self.with_store(|store| store.mark_attachment_uploaded(sha256))?;
                return Ok(AttachmentUpload { sha256: sha256.to_owned(), size, resumed_from, sent, complete: true });
            }
        }
        // Every byte sent but the server did not say complete: ask again next time.
        Ok(AttachmentUpload { sha256: sha256.to_owned(), size, resumed_from, sent, complete: false })
    }
}
