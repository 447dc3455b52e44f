//! Sending one push: encrypt the payload for the subscription (RFC 8291), sign a VAPID JWT for the push
//! service's origin (RFC 8292), POST it (RFC 8030) with a TTL and an `Urgency`, and say what the push service
//! answered, so the caller records it: accepted (201), gone (404/410: forget the subscription), throttled
//! (429: try again after `Retry-After`), or failed (try again with backoff). Only to where the outbound
//! policy allows (`outbound.rs`), checked as the connection is made, following no redirect, and each request
//! given at most `SEND_TIMEOUT`: a push service that does not answer costs one failed delivery, retried
//! later, and holds up nobody else's.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64ct::{Base64UrlUnpadded, Encoding};
use web_push_native::p256::PublicKey;
use web_push_native::{Auth, WebPushBuilder};

use super::outbound::{CheckingResolver, OutboundPolicy, Refused};
use super::{AlertPayload, PushError, Subscription, VapidKeys};

/// How long to wait before trying a throttled push again when the push service does not say.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The longest one push request may take, connecting and answering; then it is a failed delivery.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Push requests one sender has in flight at once, however many alerts and retries are being sent.
pub const MAX_IN_FLIGHT: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    /// The subscription no longer exists; it must be removed.
    Gone,
    Throttled {
        retry_after: Duration,
    },
    Failed {
        retry: bool,
    },
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Gone => "gone",
            Outcome::Throttled { .. } => "throttled",
            Outcome::Failed { .. } => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub outcome: Outcome,
    pub http_status: Option<u16>,
    /// What went wrong, in words, or the push service's message id.
    pub detail: String,
}

/// Something that delivers a push to a device: Web Push today; APNs or FCM could come behind it.
#[async_trait]
pub trait PushSender: Send + Sync + 'static {
    async fn send(&self, subscription: &Subscription, payload: &AlertPayload, ttl: Duration) -> Delivery;
}

pub struct WebPushSender {
    http: reqwest::Client,
    keys: Arc<VapidKeys>,
    outbound: Arc<OutboundPolicy>,
    in_flight: Arc<tokio::sync::Semaphore>,
}

impl WebPushSender {
    /// A sender to the endpoints `outbound` allows.
    pub fn new(keys: VapidKeys, outbound: Arc<OutboundPolicy>) -> Result<Self, PushError> {
        let http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            // A push service answers; a redirect could point anywhere, the server's own network included.
            .redirect(reqwest::redirect::Policy::none())
            // Straight to the address the resolver checked, never through a proxy that connects elsewhere.
            .no_proxy()
            .dns_resolver(CheckingResolver::new(outbound.clone()))
            .build()
            .map_err(|e| PushError::BadKey(format!("cannot set up HTTPS for push: {e}")))?;
        Ok(Self {
            http,
            keys: Arc::new(keys),
            outbound,
            in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
        })
    }

    fn request(
        &self,
        subscription: &Subscription,
        payload: &AlertPayload,
        ttl: Duration,
    ) -> Result<reqwest::Request, String> {
        let endpoint = subscription.endpoint.parse().map_err(|e| format!("endpoint: {e}"))?;
        let public = Base64UrlUnpadded::decode_vec(&subscription.p256dh).map_err(|e| format!("p256dh: {e}"))?;
        let public = PublicKey::from_sec1_bytes(&public).map_err(|_| "p256dh is not a P-256 key".to_owned())?;
        let auth = Base64UrlUnpadded::decode_vec(&subscription.auth).map_err(|e| format!("auth: {e}"))?;
        let auth: [u8; 16] = auth.try_into().map_err(|_| "auth is not 16 bytes".to_owned())?;
        let auth = Auth::from(auth);
        let body = serde_json::to_vec(payload).map_err(|e| e.to_string())?;
        // The VAPID JWT's `exp` is set from the machine's clock, never the office's: the push service judges it
        // by its own real clock, and an office clock days off (a test's) would give an `exp` already past or
        // beyond the 24 h a push service accepts, so every push would be refused.
        let mut request = WebPushBuilder::new(endpoint, public, auth)
            .with_valid_duration(ttl)
            .with_vapid(&self.keys.key_pair, &self.keys.subject)
            .build(body)
            .map_err(|e| format!("cannot encrypt or sign: {e}"))?;
        request.headers_mut().insert("urgency", reqwest::header::HeaderValue::from_static(payload.urgency.header()));
        reqwest::Request::try_from(request).map_err(|e| e.to_string())
    }
}

#[async_trait]
impl PushSender for WebPushSender {
    async fn send(&self, subscription: &Subscription, payload: &AlertPayload, ttl: Duration) -> Delivery {
        let request = match self.request(subscription, payload, ttl) {
            Ok(request) => request,
            Err(detail) => return Delivery { outcome: Outcome::Failed { retry: false }, http_status: None, detail },
        };
        // Again at every send: the endpoint was checked when registered, but the operator's list may have
        // changed since. A name is checked by the resolver, on the addresses connected to.
        if let Err(refused) = self.outbound.check_before_sending(request.url()).await {
            return refused_delivery(&refused);
        }
        let Ok(_permit) = self.in_flight.acquire().await else {
            return Delivery { outcome: Outcome::Failed { retry: true }, http_status: None, detail: "closed".into() };
        };
        let response = match self.http.execute(request).await {
            Ok(response) => response,
            Err(e) => {
                if let Some(refused) = refused_by_resolver(&e) {
                    return refused_delivery(refused);
                }
                let detail = if e.is_timeout() {
                    format!("the push service did not answer within {} s", SEND_TIMEOUT.as_secs())
                } else {
                    format!("cannot reach the push service: {}", with_causes(&e))
                };
                return Delivery { outcome: Outcome::Failed { retry: true }, http_status: None, detail };
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let location =
            response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = response.text().await.unwrap_or_default();
        let outcome = match status {
            200..=299 => Outcome::Accepted,
            404 | 410 => Outcome::Gone,
            429 => Outcome::Throttled { retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER) },
            // Redirects are not followed (see `new`), and a push service that sends us elsewhere will again.
            300..=399 => Outcome::Failed { retry: false },
            // The payload or request is wrong: sending it again cannot help.
            400 | 401 | 403 | 413 => Outcome::Failed { retry: false },
            _ => Outcome::Failed { retry: true },
        };
        let detail = match &outcome {
            Outcome::Accepted => location.unwrap_or_default(),
            _ if (300..400).contains(&status) => {
                format!("the push service redirected to {}; redirects are not followed", location.unwrap_or_default())
            }
            _ => body.chars().take(300).collect(),
        };
        Delivery { outcome, http_status: Some(status), detail }
    }
}

fn refused_delivery(refused: &Refused) -> Delivery {
    tracing::warn!(%refused, "push not sent");
    Delivery {
        outcome: Outcome::Failed { retry: refused.may_pass_later() },
        http_status: None,
        detail: refused.to_string(),
    }
}

/// The policy's refusal, when it was the resolver that stopped the connection.
fn refused_by_resolver(e: &reqwest::Error) -> Option<&Refused> {
    let mut cause = std::error::Error::source(e);
    while let Some(error) = cause {
        if let Some(refused) = error.downcast_ref::<Refused>() {
            return Some(refused);
        }
        cause = error.source();
    }
    None
}

/// An error with what caused it, which reqwest's own message leaves out ("error sending request").
fn with_causes(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    text
}
