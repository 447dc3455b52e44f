//! The printed page every publication shares: A4 with the office's margins, a red masthead (红头) with the
//! publication's name, issue and date, Chinese fonts with fallbacks, tables that repeat their header on
//! each printed page and do not split a row, and charts kept whole.

use maud::{DOCTYPE, Markup, PreEscaped, html};

/// The page's stylesheet, inline so that a publication saved or printed from a file looks the same; the
/// server's Content Security Policy for publications allows exactly this text, by its hash (`console/csp.rs`).
pub(crate) const STYLESHEET: &str = include_str!("publication.css");

/// A whole publication page.
pub fn page(title: &str, issue: &str, date_line: &str, body: Markup, note: &str) -> String {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                // No icon: a printed page needs none, and the browser would ask for /favicon.ico.
                link rel="icon" href="data:,";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLESHEET)) }
            }
            body {
                header.masthead {
                    h1 { (title) }
                    div.issue { span { (issue) } span { (date_line) } }
                }
                hr.red;
                (body)
                footer { (note) }
            }
        }
    }
    .into_string()
}

/// A chart inline, with its caption.
pub fn figure(svg: String, caption: &str) -> Markup {
    html! {
        figure {
            (PreEscaped(svg))
            figcaption { (caption) }
        }
    }
}
