//! Who is at the console: the session cookie (`HttpOnly`, `SameSite=Strict`) read into a `Desk`, and the
//! CSRF token every form posts back. A page asked for without a valid session sends the browser to the
//! sign-in form; someone signed in without a desk, leader or administrator role is told the console is not
//! theirs.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use zhiban_model::documents::directory::Role;

use crate::AppState;
use crate::accounts::{CONSOLE_SESSION_TTL, Principal};
use crate::api::caller::Caller;
use crate::sync::Author;

pub const SESSION_COOKIE: &str = "zhiban_session";

/// A person signed in at the console, with a role that may use it.
pub struct Desk {
    pub principal: Principal,
    /// Their name as the directory has it (the username if it has none).
    pub name: String,
    pub csrf_token: String,
}

/// The value of cookie `name` in a request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// The `Set-Cookie` value for a cookie only this site's pages send back, never readable by a script.
pub fn set_cookie(name: &str, value: &str, max_age_secs: u64) -> String {
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}")
}

pub fn session_cookie(session_id: &str) -> String {
    set_cookie(SESSION_COOKIE, session_id, CONSOLE_SESSION_TTL.as_secs())
}

/// Whether `sent` is the token expected, compared in constant time.
pub fn same_token(sent: &str, expected: &str) -> bool {
    sent.len() == expected.len() && sent.bytes().zip(expected.bytes()).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0
}

/// Why a request does not get the page it asked for.
pub enum NotAtDesk {
    SignIn,
    NotForRole,
    Unavailable(String),
}

impl IntoResponse for NotAtDesk {
    fn into_response(self) -> Response {
        match self {
            NotAtDesk::SignIn => Redirect::to("/signin").into_response(),
            NotAtDesk::NotForRole => (
                StatusCode::FORBIDDEN,
                super::layout::message_page(
                    "无权使用",
                    "值班台仅供值班室人员、带班领导和管理员使用；请用手机应用办理。",
                ),
            )
                .into_response(),
            NotAtDesk::Unavailable(reason) => (
                StatusCode::SERVICE_UNAVAILABLE,
                super::layout::message_page(
                    "暂时无法使用",
                    &format!("账户数据库暂时无法访问，请稍后重试（{reason}）。"),
                ),
            )
                .into_response(),
        }
    }
}

impl Desk {
    /// The same person as the API sees them, to read what the API reads with the same rights.
    pub fn caller(&self) -> Caller {
        Caller { viewer: self.principal.viewer(), principal: self.principal.clone() }
    }

    /// Whether this person sees every unit's documents (the desk, leaders), as the API decides for the
    /// spot checks, publications and incident analysis, which it answers no one else.
    pub fn sees_everything(&self) -> bool {
        self.caller().viewer.sees_everything()
    }

    /// Refuses (403, as the API does) a page that is the desk's and leaders' alone, naming `what` it is.
    pub fn desk_and_leaders_only(&self, what: &str) -> Result<(), super::failure::Failure> {
        if self.sees_everything() {
            return Ok(());
        }
        Err(super::failure::Failure {
            status: StatusCode::FORBIDDEN,
            reason: format!("{what}仅供值班室人员和带班领导查看。"),
        })
    }

    /// Refuses a form that does not carry this session's token (forged elsewhere, or from an old page).
    pub fn check_form(&self, sent: &str) -> Result<(), super::failure::Failure> {
        if same_token(sent, &self.csrf_token) {
            Ok(())
        } else {
            Err(super::failure::Failure {
                status: StatusCode::FORBIDDEN,
                reason: "表单不是从本站当前页面提交的（令牌不符），未办理；请刷新页面后重试。".into(),
            })
        }
    }

    /// The same person as the sync protocol sees them, writing under this browser session's own actor.
    pub fn author(&self) -> Author {
        Author::on_console(self.principal.clone())
    }
}

impl FromRequestParts<AppState> for Desk {
    type Rejection = NotAtDesk;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session_id = cookie(&parts.headers, SESSION_COOKIE).ok_or(NotAtDesk::SignIn)?;
        let session = match state.accounts.console_session(&session_id).await {
            Ok(session) => session,
            Err(crate::accounts::AuthError::Database(e)) => return Err(NotAtDesk::Unavailable(e.to_string())),
            Err(_) => return Err(NotAtDesk::SignIn),
        };
        let roles = &session.principal.roles;
        if !roles.iter().any(|r| matches!(r, Role::Desk | Role::Leader | Role::Admin)) {
            return Err(NotAtDesk::NotForRole);
        }
        let directory = state.hub.office().directory();
        let name = directory.people.get(&session.principal.username).map(|p| p.name.clone());
        let name = name.unwrap_or_else(|| session.principal.username.clone());
        Ok(Desk { principal: session.principal, name, csrf_token: session.csrf_token })
    }
}

impl OptionalFromRequestParts<AppState> for Desk {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        Ok(<Desk as FromRequestParts<AppState>>::from_request_parts(parts, state).await.ok())
    }
}
