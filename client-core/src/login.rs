//! Logging in from the phone. The tokens are kept in the local store and sent on every connection; when the
//! server says the access token has expired, the refresh token gets new ones. When the refresh is refused
//! (device signed out, account disabled) every local change is kept, the phone says "login required" once,
//! and sync waits for a new login instead of trying again and again.

use serde_json::{Value, json};
use zhiban_model::DocumentId;
use zhiban_model::access::Viewer;
use zhiban_model::documents::directory::Role;
use zhiban_model::refusal::Refusal;

use crate::client::{Client, Inner};
use crate::duty::http::{error_reason, http_client, unreachable};
use crate::error::ClientError;
use crate::home::HOME_DOCUMENT;
use crate::server_url::http_base;

const ACCESS_TOKEN: &str = "access_token";
const REFRESH_TOKEN: &str = "refresh_token";
const DEVICE_ID: &str = "device_id";
const LOGIN_USER: &str = "login_user";
const LOGIN_UNIT: &str = "login_unit";
const LOGIN_ROLES: &str = "login_roles";
/// How long logging out waits for the server before forgetting the tokens anyway.
/// The rule of a logout refused because this phone holds changes the server has not confirmed.
pub const UNSENT_RULE: &str = "phone.unsent";

const LOGOUT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl Client {
    /// Logs in as `username` on this device; returns the device id the server gave it.
    pub async fn login(&self, username: &str, password: &str, device_name: &str) -> Result<String, ClientError> {
        let body = json!({"username": username, "password": password, "device_name": device_name});
        let answer = self.inner.auth_post("api/v1/auth/login", &body, "login").await?;
        if self.logged_in_as()?.is_some_and(|previous| previous != username) {
            self.inner.new_actor()?;
        }
        let device = self.inner.keep_tokens(&answer, Some(username))?;
        // Who uses this phone is who logged in: what they do is recorded, and checked, as theirs.
        self.inner.with_store(|store| store.set_settings(&[("person", username), ("device", device_name)]))?;
        self.inner.login_changed.notify_waiters();
        Ok(device)
    }

    /// Logs out of this phone. The server signs the device out if it can be reached (its tokens stop
    /// working there); here the tokens, who used the phone and their home are forgotten either way, and the
    /// next login writes under a new actor. Changes the server has not confirmed are the user's: logging
    /// out with some is refused unless `discard_unsent`, which gives them up.
    pub async fn logout(&self, discard_unsent: bool) -> Result<(), ClientError> {
        let unsent = self.inner.pending_total()?;
        if unsent > 0 && !discard_unsent {
            return Err(ClientError::Refused {
                what: "log out".into(),
                refusals: vec![Refusal::new(
                    UNSENT_RULE,
                    format!(
                        "{unsent} change(s) made on this phone have not reached the server; sync first, or log \
                         out discarding them"
                    ),
                    format!("本手机上有 {unsent} 项修改尚未送达服务器；请先同步，或放弃这些修改后退出登录"),
                )],
            });
        }
        if let (Some(server), Some(token)) = (self.inner.server.as_ref(), self.inner.access_token()?) {
            let url =
                http_base(server).join("api/v1/auth/logout").map_err(|e| ClientError::InvalidInput(e.to_string()))?;
            let signed_out = http_client()?.post(url).bearer_auth(token).timeout(LOGOUT_WAIT).send().await;
            if let Err(e) = signed_out {
                tracing::warn!(error = %e, "cannot tell the server of the logout; the tokens are forgotten here");
            }
        }
        for (id, _) in self.status()?.pending.iter().map(|d| (d.id, d.pending_changes)) {
            self.discard_local_changes(id)?;
        }
        self.inner.with_store(|store| {
            store.clear_settings(&[
                ACCESS_TOKEN,
                REFRESH_TOKEN,
                DEVICE_ID,
                LOGIN_USER,
                LOGIN_UNIT,
                LOGIN_ROLES,
                HOME_DOCUMENT,
                "person",
                "device",
            ])
        })?;
        self.inner.new_actor()?;
        Ok(())
    }

    /// The logged-in person as the access rules see them (unit and roles as the server last said), so the
    /// phone refuses what the server would refuse. `None` before the first login.
    pub fn viewer(&self) -> Result<Option<Viewer>, ClientError> {
        let (Some(person), Some(unit), Some(roles)) =
            (self.inner.setting(LOGIN_USER)?, self.inner.setting(LOGIN_UNIT)?, self.inner.setting(LOGIN_ROLES)?)
        else {
            return Ok(None);
        };
        let roles = roles.split(',').filter_map(Role::parse).collect();
        Ok(Some(Viewer { person, unit, roles }))
    }

    /// Who this phone is logged in as, if anyone.
    pub fn logged_in_as(&self) -> Result<Option<String>, ClientError> {
        self.inner.setting(LOGIN_USER)
    }
}

impl Inner {
    fn setting(&self, key: &str) -> Result<Option<String>, ClientError> {
        self.with_store(|store| store.setting(key))
    }

    pub(crate) fn access_token(&self) -> Result<Option<String>, ClientError> {
        self.setting(ACCESS_TOKEN)
    }

    async fn auth_post(&self, path: &str, body: &Value, what: &str) -> Result<Value, ClientError> {
        let server = self.server.as_ref().ok_or(ClientError::NoServer)?;
        let url = http_base(server).join(path).map_err(|e| ClientError::InvalidInput(format!("{path}: {e}")))?;
        let response = http_client()?.post(url.clone()).json(body).send().await.map_err(|e| unreachable(&url, e))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| unreachable(&url, e))?;
        match status {
            200 => serde_json::from_str(&text)
                .map_err(|e| ClientError::Protocol(format!("{what}: the server's answer is not JSON ({e})"))),
            401 | 403 => Err(ClientError::LoginRequired(error_reason(&text))),
            _ => Err(ClientError::Http { what: what.to_owned(), status, reason: error_reason(&text) }),
        }
    }

    fn keep_tokens(&self, answer: &Value, username: Option<&str>) -> Result<String, ClientError> {
        let field = |name: &str| {
            answer
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| ClientError::Protocol(format!("the token answer has no {name:?}")))
        };
        let (access, refresh, device) = (field("access_token")?, field("refresh_token")?, field("device_id")?);
        let user = answer.get("user");
        let text = |name: &str| user.and_then(|u| u.get(name)).and_then(Value::as_str).unwrap_or_default().to_owned();
        let unit = text("unit");
        let roles: Vec<&str> = user
            .and_then(|u| u.get("roles"))
            .and_then(Value::as_array)
            .map(|roles| roles.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let roles = roles.join(",");
        let home =
            answer.get("home_document").and_then(Value::as_str).and_then(|u| DocumentId::parse_url_or_id(u).ok());
        let home_text = home.map(|h| h.to_string()).unwrap_or_default();
        let mut settings = vec![
            (ACCESS_TOKEN, access.as_str()),
            (REFRESH_TOKEN, refresh.as_str()),
            (DEVICE_ID, device.as_str()),
            (LOGIN_UNIT, unit.as_str()),
            (LOGIN_ROLES, roles.as_str()),
        ];
        if home.is_some() {
            settings.push((HOME_DOCUMENT, home_text.as_str()));
        }
        if let Some(user) = username {
            settings.push((LOGIN_USER, user));
        }
        self.with_store(|store| store.set_settings(&settings))?;
        Ok(device)
    }

    /// Exchanges the refresh token for new tokens. A refusal means a new login is needed.
    pub(crate) async fn refresh_tokens(&self) -> Result<(), ClientError> {
        let Some(refresh) = self.setting(REFRESH_TOKEN)? else {
            return Err(ClientError::LoginRequired("this phone is not logged in".to_owned()));
        };
        let answer = self.auth_post("api/v1/auth/refresh", &json!({"refresh_token": refresh}), "token refresh").await?;
        self.keep_tokens(&answer, None)?;
        Ok(())
    }
}
