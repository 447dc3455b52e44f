//! A form field's problem, as every console form shows it: the message right after the field
//! (`<id>-error`, read out when it appears), and the field marked invalid and pointing at it.

use maud::{Markup, html};

/// `aria-invalid` for a field: `true` when it has a problem.
pub fn invalid(problem: &Option<String>) -> Option<&'static str> {
    problem.as_ref().map(|_| "true")
}

/// `aria-describedby` for a field with id `id`: its message, when it has one.
pub fn described_by(problem: &Option<String>, id: &str) -> Option<String> {
    problem.as_ref().map(|_| format!("{id}-error"))
}

/// The message by field `id`, or nothing.
pub fn error(problem: &Option<String>, id: &str) -> Markup {
    html! { @if let Some(p) = problem { p.field-error id=(format!("{id}-error")) role="alert" { (p) } } }
}
