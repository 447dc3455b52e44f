//! Signing in to the console and out of it. The sign-in form is protected against cross-site posting by a
//! token in a cookie that the form must repeat (a session has none yet); signing out posts the session's
//! own CSRF token. Wrong passwords are throttled exactly as a phone's logins are.

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{bare_page, message_page};
use super::session::{Desk, SESSION_COOKIE, cookie, same_token, session_cookie, set_cookie};
use crate::AppState;
use crate::accounts::LoginError;

/// The cookie holding the sign-in form's token.
const SIGNIN_COOKIE: &str = "zhiban_signin";
/// How long a sign-in form may be left open before it must be loaded again.
const SIGNIN_FORM_SECS: u64 = 3600;

#[derive(Deserialize)]
pub struct SignIn {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// What is wrong with a sign-in, shown next to the field it concerns.
#[derive(Default)]
struct Problems {
    username: Option<String>,
    password: Option<String>,
}

fn signin_page(token: &str, username: &str, problems: &Problems) -> Markup {
    // The cursor goes where the person has to act: the password after a wrong one, else the username.
    let password_first = problems.password.is_some() && problems.username.is_none();
    let body = html! {
        form.signin method="post" action="/signin" novalidate {
            h2 { "总值班室 值班台 · 登录" }
            input type="hidden" name="csrf" value=(token);
            label for="username" { "用户名" }
            input #username name="username" type="text" autocomplete="username" value=(username) autofocus[!password_first]
                aria-invalid=[problems.username.as_ref().map(|_| "true")]
                aria-describedby=[problems.username.as_ref().map(|_| "username-error")];
            @if let Some(problem) = &problems.username {
                p #username-error .field-error role="alert" { (problem) }
            }
            label for="password" { "密码" }
            input #password name="password" type="password" autocomplete="current-password" autofocus[password_first]
                aria-invalid=[problems.password.as_ref().map(|_| "true")]
                aria-describedby=[problems.password.as_ref().map(|_| "password-error")];
            @if let Some(problem) = &problems.password {
                p #password-error .field-error role="alert" { (problem) }
            }
            button type="submit" { "登录" }
        }
    };
    bare_page("登录", body)
}

/// A fresh form with a fresh token, set as a cookie too.
fn fresh_form(username: &str, problems: &Problems, status: StatusCode) -> Response {
    let token = crate::accounts::new_form_token();
    let set = set_cookie(SIGNIN_COOKIE, &token, SIGNIN_FORM_SECS);
    (status, [(header::SET_COOKIE, set)], signin_page(&token, username, problems)).into_response()
}

pub async fn form(desk: Option<Desk>) -> Response {
    if desk.is_some() {
        return Redirect::to("/now").into_response();
    }
    fresh_form("", &Problems::default(), StatusCode::OK)
}

pub async fn submit(
    State(state): State<AppState>,
    address: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(sign_in): Form<SignIn>,
) -> Response {
    let expected = cookie(&headers, SIGNIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_token(&sign_in.csrf, &expected) {
        return (
            StatusCode::FORBIDDEN,
            message_page("表单已失效", "登录表单已过期或不是从本站提交的，请返回重新登录。"),
        )
            .into_response();
    }
    let username = sign_in.username.trim();
    let mut problems = Problems::default();
    if username.is_empty() {
        problems.username = Some("请输入用户名".into());
    }
    if sign_in.password.is_empty() {
        problems.password = Some("请输入密码".into());
    }
    if problems.username.is_some() || problems.password.is_some() {
        return fresh_form(username, &problems, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let browser = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(browser_name).unwrap_or_default();
    let address = address.map(|Extension(ConnectInfo(a))| a.ip());
    match state.accounts.open_console_session(username, sign_in.password, browser, address).await {
        Ok(session_id) => {
            tracing::info!(user = %username, "signed in to the console");
            // Two cookies: `AppendHeaders`, since a plain list of headers keeps only the last of a name.
            let headers = AppendHeaders([
                (header::SET_COOKIE, session_cookie(&session_id)),
                (header::SET_COOKIE, set_cookie(SIGNIN_COOKIE, "", 0)),
            ]);
            (headers, Redirect::to("/now")).into_response()
        }
        Err(e) => {
            let (status, problem) = match e {
                LoginError::BadCredentials => (StatusCode::UNAUTHORIZED, "用户名或密码错误".to_owned()),
                LoginError::Throttled { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("登录失败次数过多，请{}后再试", wait_text(retry_after_secs)),
                ),
                LoginError::Busy { retry_after_secs } => {
                    (StatusCode::SERVICE_UNAVAILABLE, format!("登录的人较多，请{}后再试", wait_text(retry_after_secs)))
                }
                LoginError::Disabled => (StatusCode::FORBIDDEN, "该账户已停用，请联系管理员".to_owned()),
                other => (StatusCode::SERVICE_UNAVAILABLE, format!("暂时无法登录：{other}")),
            };
            fresh_form(username, &Problems { password: Some(problem), ..Problems::default() }, status)
        }
    }
}

#[derive(Deserialize)]
pub struct SignOut {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(State(state): State<AppState>, desk: Desk, Form(form): Form<SignOut>) -> Response {
    if !same_token(&form.csrf, &desk.csrf_token) {
        return (StatusCode::FORBIDDEN, message_page("表单已失效", "退出请求不是从本站页面提交的，未执行。"))
            .into_response();
    }
    if let Err(e) = state.accounts.close_console_session(&desk.principal.device_id).await {
        tracing::warn!(user = %desk.principal.username, error = %e, "cannot end a console session");
    }
    ([(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0))], Redirect::to("/signin")).into_response()
}

/// A wait as a person reads it: seconds under a minute, else minutes.
fn wait_text(secs: u64) -> String {
    if secs < 60 { format!(" {secs} 秒") } else { format!(" {} 分钟", secs.div_ceil(60)) }
}

/// A short name for the browser, for the device list ("Chrome", "Firefox"…).
fn browser_name(agent: &str) -> &'static str {
    for (marker, name) in [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")] {
        if agent.contains(marker) {
            return name;
        }
    }
    "浏览器"
}
