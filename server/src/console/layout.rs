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

/// The console's pages, as the header lists them: path and name.
const PAGES: [(&str, &str); 1] = [("/now", "当前值班")];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · 值班台" }
            link rel="stylesheet" href="/console.css";
        }
    }
}

/// A page of the console for someone signed in: `current` is the page's path in the header.
pub fn page(desk: &Desk, current: &str, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            (head(title))
            body {
                header.bar {
                    h1 { "总值班室 值班台" }
                    nav aria-label="页面" {
                        @for (path, name) in PAGES {
                            @if path == current {
                                a href=(path) aria-current="page" { (name) }
                            } @else {
                                a href=(path) { (name) }
                            }
                        }
                    }
                    div.who {
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
                    p { a href="/signin" { "返回登录" } }
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
