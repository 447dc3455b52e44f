//! What a push carries, as the server writes it and the phone reads it: only what the phone needs to fetch
//! and show the alert. No report text leaves the server in a push; the phone syncs the document it points to.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    Normal,
    /// Instructions and incidents of grade III or higher: the push service wakes the phone at once.
    High,
}

impl Urgency {
    /// The RFC 8030 `Urgency` header value.
    pub fn header(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::High => "high",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertPayload {
    /// What the alert is about: `instruction`, `incident`, `deadline`, `feedback_due`, `roster_filing`.
    pub kind: String,
    /// The document to fetch (`automerge:` URL).
    pub document: Option<String>,
    /// A short class of title the phone shows before it has synced ("新的领导批示", "Ⅲ级突发事件"), never
    /// the report's text.
    pub title_class: String,
    pub urgency: Urgency,
    /// The alert this push belongs to, for the acknowledgement.
    pub alert: Option<String>,
}
