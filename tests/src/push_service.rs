//! A Web Push service inside the tests, on loopback: it takes RFC 8030 push requests, verifies the VAPID
//! JWT's signature with the key the request names (RFC 8292), decrypts the `aes128gcm` payload with the
//! subscription's private key (RFC 8291), and keeps what it decrypted for the test to look at. Each
//! subscriber can be told to answer as a real push service does when a subscription is gone (410) or the
//! sender is throttled (429 with `Retry-After`), as a push service that is slow to answer, or with a
//! redirect elsewhere (which the server must not follow; `/elsewhere/…` counts what arrives there).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use base64ct::{Base64UrlUnpadded, Encoding};
use web_push_native::jwt_simple::algorithms::{ES256KeyPair, ES256PublicKey};
use web_push_native::jwt_simple::prelude::{NoCustomClaims, VerificationOptions};
use web_push_native::p256::SecretKey;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;

/// How a subscriber's push service answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Accept,
    /// 410: the subscription expired or was unsubscribed.
    Gone,
    /// 429 with `Retry-After: secs`, this many times, then accept.
    Throttle {
        secs: u64,
        times: u32,
    },
    /// Accepts only after this many seconds: a push service that hangs.
    Stall {
        secs: u64,
    },
    /// 307 to this URL, which keeps the method and body: a push resent wherever the answer says.
    Redirect(String),
}

/// One push as the service decrypted it.
#[derive(Debug, Clone)]
pub struct Received {
    pub payload: serde_json::Value,
    pub ttl: Option<u64>,
    pub urgency: Option<String>,
    /// The VAPID JWT's `sub` and `aud`.
    pub subject: String,
    pub audience: String,
    /// The VAPID public key the request was signed with (base64url).
    pub vapid_key: String,
    /// When the service accepted it, for the alert benchmark's latencies.
    pub accepted_at: Instant,
}

struct Subscriber {
    secret: SecretKey,
    auth: [u8; 16],
    answer: Answer,
    received: Vec<Received>,
    /// Requests refused (bad signature, undecryptable), with why.
    refused: Vec<String>,
}

#[derive(Default)]
struct Service {
    subscribers: HashMap<String, Subscriber>,
    /// Pushes accepted and requests refused, across every subscriber.
    accepted: usize,
    refused: usize,
    /// Requests being handled now, and the most there ever were at once: how parallel the sender is.
    in_flight: usize,
    most_in_flight: usize,
    /// Requests that arrived at `/elsewhere/…`, any method.
    elsewhere: Vec<String>,
}

/// Counts a request as in flight until it is answered, whichever way.
struct InFlight<'a>(&'a Mutex<Service>);

impl<'a> InFlight<'a> {
    fn start(state: &'a Mutex<Service>) -> Self {
        let mut service = state.lock().unwrap_or_else(|p| p.into_inner());
        service.in_flight += 1;
        service.most_in_flight = service.most_in_flight.max(service.in_flight);
        Self(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).in_flight -= 1;
    }
}

/// A subscription as a phone would register it.
#[derive(Debug, Clone)]
pub struct TestSubscription {
    pub id: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

pub struct PushService {
    pub addr: SocketAddr,
    state: Arc<Mutex<Service>>,
    task: tokio::task::JoinHandle<()>,
}

impl PushService {
    pub async fn start() -> anyhow::Result<Self> {
        let state = Arc::new(Mutex::new(Service::default()));
        let app = axum::Router::new()
            .route("/push/{id}", post(push))
            .route("/elsewhere/{*rest}", any(elsewhere))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, state, task })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Service> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new device's subscription: its own key pair and auth secret.
    pub fn subscribe(&self) -> TestSubscription {
        let secret = SecretKey::from_slice(&ES256KeyPair::generate().to_bytes()).expect("a P-256 key");
        let auth: [u8; 16] = rand::random();
        let id = format!("s{:016x}", rand::random::<u64>());
        let p256dh = Base64UrlUnpadded::encode_string(secret.public_key().to_encoded_point(false).as_bytes());
        let subscription = TestSubscription {
            id: id.clone(),
            endpoint: format!("http://{}/push/{id}", self.addr),
            p256dh,
            auth: Base64UrlUnpadded::encode_string(&auth),
        };
        self.lock()
            .subscribers
            .insert(id, Subscriber { secret, auth, answer: Answer::Accept, received: Vec::new(), refused: Vec::new() });
        subscription
    }

    pub fn answer_with(&self, id: &str, answer: Answer) {
        if let Some(s) = self.lock().subscribers.get_mut(id) {
            s.answer = answer;
        }
    }

    pub fn received(&self, id: &str) -> Vec<Received> {
        self.lock().subscribers.get(id).map(|s| s.received.clone()).unwrap_or_default()
    }

    pub fn refused(&self, id: &str) -> Vec<String> {
        self.lock().subscribers.get(id).map(|s| s.refused.clone()).unwrap_or_default()
    }

    /// (pushes accepted, requests refused) across every subscriber: cheap enough to poll.
    pub fn totals(&self) -> (usize, usize) {
        let service = self.lock();
        (service.accepted, service.refused)
    }

    /// The most push requests that were being handled at once.
    pub fn most_in_flight(&self) -> usize {
        self.lock().most_in_flight
    }

    /// Push requests being handled now (a stalled one until it answers).
    pub fn in_flight(&self) -> usize {
        self.lock().in_flight
    }

    /// A URL on this service that is not a push endpoint: where a redirect may point.
    pub fn elsewhere_url(&self, path: &str) -> String {
        format!("http://{}/elsewhere/{path}", self.addr)
    }

    /// The paths of the requests that arrived at `elsewhere_url`.
    pub fn elsewhere(&self) -> Vec<String> {
        self.lock().elsewhere.clone()
    }
}

impl Drop for PushService {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `vapid t=JWT, k=KEY` → (token, key).
fn vapid_header(headers: &HeaderMap) -> Result<(String, String), String> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or("no Authorization")?;
    let rest = value.strip_prefix("vapid ").ok_or("Authorization is not `vapid …`")?;
    let mut token = None;
    let mut key = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(t) = part.strip_prefix("t=") {
            token = Some(t.to_owned());
        } else if let Some(k) = part.strip_prefix("k=") {
            key = Some(k.to_owned());
        }
    }
    Ok((token.ok_or("no t=")?, key.ok_or("no k=")?))
}

fn verify(headers: &HeaderMap) -> Result<(String, String, String), String> {
    let (token, key) = vapid_header(headers)?;
    let raw = Base64UrlUnpadded::decode_vec(&key).map_err(|e| format!("k is not base64url: {e}"))?;
    let public = ES256PublicKey::from_bytes(&raw).map_err(|e| format!("k is not a P-256 key: {e}"))?;
    let claims = web_push_native::jwt_simple::algorithms::ECDSAP256PublicKeyLike::verify_token::<NoCustomClaims>(
        &public,
        &token,
        Some(VerificationOptions::default()),
    )
    .map_err(|e| format!("the VAPID signature does not verify: {e}"))?;
    let subject = claims.subject.ok_or("the JWT has no sub")?;
    let audience = claims.audiences.map(|a| a.into_string().unwrap_or_default()).ok_or("the JWT has no aud")?;
    Ok((subject, audience, key))
}

/// What a push request carried once its signature checked out and its payload decrypted.
struct Checked {
    subject: String,
    audience: String,
    vapid_key: String,
    plain: Vec<u8>,
}

fn check(
    headers: &HeaderMap,
    body: Bytes,
    secret: &SecretKey,
    auth: &[u8; 16],
) -> Result<Checked, (StatusCode, String)> {
    let (subject, audience, vapid_key) = verify(headers).map_err(|reason| (StatusCode::UNAUTHORIZED, reason))?;
    if headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()) != Some("aes128gcm") {
        return Err((StatusCode::BAD_REQUEST, "Content-Encoding is not aes128gcm".into()));
    }
    let plain = web_push_native::decrypt(body.to_vec(), secret, &(*auth).into())
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("cannot decrypt: {e}")))?;
    Ok(Checked { subject, audience, vapid_key, plain })
}

async fn push(
    State(state): State<Arc<Mutex<Service>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let _in_flight = InFlight::start(&state);
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    // The signature check and decryption are the costly part: they run outside the lock and off the async
    // workers, so requests keep being taken while others are checked, and the count in flight is the
    // sender's, not how many workers this process has.
    let Some((secret, auth)) = lock().subscribers.get(&id).map(|s| (s.secret.clone(), s.auth)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let checking = tokio::task::spawn_blocking(move || {
        let checked = check(&headers, body, &secret, &auth);
        (headers, checked)
    });
    let (headers, checked) = match checking.await {
        Ok(done) => done,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, format!("the check failed: {e}")).into_response(),
    };
    // A stalled answer waits without holding the lock, so the service goes on answering everyone else.
    let stall = lock().subscribers.get(&id).and_then(|s| match s.answer {
        Answer::Stall { secs } if checked.is_ok() => Some(secs),
        _ => None,
    });
    if let Some(secs) = stall {
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    }
    let mut service = lock();
    let service = &mut *service;
    let Some(subscriber) = service.subscribers.get_mut(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Checked { subject, audience, vapid_key, plain } = match checked {
        Ok(checked) => checked,
        Err((status, reason)) => {
            subscriber.refused.push(reason.clone());
            service.refused += 1;
            return (status, reason).into_response();
        }
    };
    match &subscriber.answer {
        Answer::Gone => return StatusCode::GONE.into_response(),
        &Answer::Throttle { secs, times } if times > 0 => {
            subscriber.answer = if times > 1 { Answer::Throttle { secs, times: times - 1 } } else { Answer::Accept };
            return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, secs.to_string())]).into_response();
        }
        Answer::Redirect(to) => {
            return (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to.clone())]).into_response();
        }
        _ => {}
    }
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    subscriber.received.push(Received {
        payload: serde_json::from_slice(&plain).unwrap_or(serde_json::Value::Null),
        ttl: text("ttl").and_then(|t| t.parse().ok()),
        urgency: text("urgency"),
        subject,
        audience,
        vapid_key,
        accepted_at: Instant::now(),
    });
    service.accepted += 1;
    let location = format!("/message/{}", subscriber.received.len());
    (StatusCode::CREATED, [(header::LOCATION, location)]).into_response()
}

/// Anything that arrives where a redirect pointed: counted, and answered as a push service would accept.
async fn elsewhere(State(state): State<Arc<Mutex<Service>>>, Path(rest): Path<String>) -> Response {
    state.lock().unwrap_or_else(|p| p.into_inner()).elsewhere.push(rest);
    StatusCode::CREATED.into_response()
}
