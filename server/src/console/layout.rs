//! The console's page shell: the header with the office's name, the pages, who is signed in and signing
//! out; the stylesheet, served from the binary.

use axum::http::header;
use axum::response::IntoResponse;
use maud::{DOCTYPE, Markup, html};

use super::session::Desk;

const STYLESHEET: &str = include_str!("console.css");

pub async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], STYLESHEET)
}

/// Who a page of the header is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum For {
    /// Everyone at the console: the page shows what the API answers them.
    Anyone,
    /// The desk and leaders: the API answers no one else (spot checks, the incident analysis).
    DeskAndLeaders,
}

/// The console's pages, as the header lists them: path, name, and who they are for.
const PAGES: [(&str, &str, For); 9] = [
    ("/now", "当前值班", For::Anyone),
    ("/incidents", "突发事件", For::Anyone),
    ("/instructions", "领导批示", For::Anyone),
    ("/rosters", "值班表与报备", For::Anyone),
    ("/checks", "值班抽查", For::DeskAndLeaders),
    ("/log", "值班日志", For::Anyone),
    ("/publications", "刊物与评分", For::Anyone),
    ("/analysis", "事件分析", For::DeskAndLeaders),
    ("/directory", "通讯录", For::Anyone),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · 值班台" }
            link rel="stylesheet" href="/console.css";
            // No icon: without this the browser asks for /favicon.ico on every page.
            link rel="icon" href="data:,";
            script src="/console.js" defer {}
        }
    }
}

/// A page of the console for someone signed in: `current` is the page's path in the header; `now` the
/// server's clock, which the page's reporting clocks count from.
pub fn page(desk: &Desk, current: &str, title: &str, now: i64, body: Markup) -> Markup {
    let sees_everything = desk.sees_everything();
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            (head(title))
            body data-server-now=(now) {
                header.bar {
                    h1 { "总值班室 值班台" }
                    nav aria-label="页面" {
                        @for (path, name, _) in PAGES.iter().filter(|(_, _, f)| *f == For::Anyone || sees_everything) {
                            @if *path == current {
                                a href=(path) aria-current="page" { (name) }
                            } @else {
                                a href=(path) { (name) }
                            }
                        }
                    }
                    div.who {
                        span #live-status role="status" data-state="off" { "未连接实时更新" }
                        span { "当前用户：" (desk.name) }
                        form method="post" action="/signout" {
                            input type="hidden" name="csrf" value=(desk.csrf_token);
                            button type="submit" { "退出" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A page with a single message, for someone not (yet) at the console.
pub fn message_page(title: &str, message: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            (head(title))
            body {
                div.notice role="alert" {
                    h2 { (title) }
                    p { (message) }
                    p { a href="/" { "返回值班台" } }
                }
            }
        }
    }
}

/// A bare page (the sign-in form).
pub fn bare_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            (head(title))
            body { main { (body) } }
        }
    }
}
