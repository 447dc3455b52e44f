//! The server's JSON API from the phone, with reqwest (hyper underneath): maintained, async on the tokio the
//! sync loop already runs on. Plain HTTP for now; TLS comes together with the sync socket's.

use std::time::Duration;

use serde_json::Value;

use crate::client::Client;
use crate::error::ClientError;

/// How long one API request may take before the phone gives up (and tries again later).
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) fn http_client() -> Result<reqwest::Client, ClientError> {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| ClientError::Protocol(format!("cannot set up HTTP: {e}")))
}

pub(crate) fn unreachable(url: &reqwest::Url, e: reqwest::Error) -> ClientError {
    ClientError::Unreachable { url: url.to_string(), reason: e.to_string() }
}

/// The `error` of a JSON error body, or the body itself.
pub(crate) fn error_reason(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(300).collect())
}

impl Client {
    /// Sends the request `build` makes, with this phone's access token; when the server says the token has
    /// expired (a long offline shift), refreshes it once and sends again.
    pub(crate) async fn send_authorized(
        &self,
        url: &reqwest::Url,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        let http = http_client()?;
        let send = |token: Option<String>| {
            let request = build(&http);
            let request = match token {
                Some(token) => request.bearer_auth(token),
                None => request,
            };
            async move { request.send().await.map_err(|e| unreachable(url, e)) }
        };
        let response = send(self.inner.access_token()?).await?;
        if response.status() != reqwest::StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        self.inner.refresh_tokens().await?;
        send(self.inner.access_token()?).await
    }

    /// `GET path` on the server's API; the JSON body of a 200.
    pub(crate) async fn api_get(&self, path_and_query: &str, what: &str) -> Result<Value, ClientError> {
        let url = self
            .http_base()?
            .join(path_and_query)
            .map_err(|e| ClientError::InvalidInput(format!("{path_and_query}: {e}")))?;
        let response = self.send_authorized(&url, |http| http.get(url.clone())).await?;
        let status = response.status();
        let body = response.text().await.map_err(|e| unreachable(&url, e))?;
        if !status.is_success() {
            return Err(ClientError::Http {
                what: what.to_owned(),
                status: status.as_u16(),
                reason: error_reason(&body),
            });
        }
        serde_json::from_str(&body)
            .map_err(|e| ClientError::Protocol(format!("{what}: the server's answer is not JSON ({e})")))
    }
}
