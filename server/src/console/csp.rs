//! Every Content Security Policy the server sends, and how a router or a route gets one. A policy is set per
//! route: each router applies the policy of its pages (`apply`), a route that needs another says so itself
//! (`on_route`, or headers of its own answer), and a page that one day needs more (WebAssembly, say) gets
//! exactly that, no other page. Each answer also gets `X-Frame-Options: DENY`, for browsers that predate
//! `frame-ancestors`.
//!
//! Nothing the server writes needs inline script or inline style attributes: the console's script and
//! stylesheet are files it serves (`console.js`, `console.css`), and a publication's stylesheet
//! (`publications/publication.css`) is pinned by its hash, since a publication is also a file saved, printed
//! and sent without the server (`zhiban-server report`).

use std::sync::LazyLock;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::MethodRouter;
use base64ct::Encoding;
use sha2::{Digest, Sha256};

/// The console's pages (`console::routes`): its own script, stylesheet and images, no plug-ins, in no frame.
/// `data:` images for the empty icon each page names, so the browser does not ask for `/favicon.ico`.
pub const CONSOLE: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                           object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// The JSON API (`/api/v1/…`): nothing to load or run.
pub const API: &str = "default-src 'none'; frame-ancestors 'none'";

/// Attachment bytes downloaded (`attachments::serve`): should a browser render them all the same, they load
/// nothing and run no script, in a sandbox with an origin of its own.
pub const DOWNLOAD: &str = "default-src 'none'; sandbox";

/// A raster image shown inline (`attachments::serve`): opened on its own, in a sandbox with an origin of its
/// own. No source list: the page a browser draws around an image styles it inline, and an image has nothing
/// to load or run.
pub const IMAGE: &str = "sandbox";

static PUBLICATION: LazyLock<String> = LazyLock::new(|| {
    let hash = base64ct::Base64::encode_string(&Sha256::digest(crate::publications::page::STYLESHEET));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src data:; frame-ancestors 'none'; base-uri 'none'; \
         form-action 'none'"
    )
});

/// A publication's page (as the API and the console serve it): its own stylesheet, inline and named by its
/// SHA-256, and nothing else; its charts are SVG in the page.
pub fn publication() -> &'static str {
    PUBLICATION.as_str()
}

/// `router`'s answers get `policy`, except those that carry their own (a route's `on_route`, attachment bytes).
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>, policy: &'static str) -> Router<S> {
    router.layer(axum::middleware::map_response(move |response: Response| set(response, policy)))
}

/// One route's answers get `policy` instead of its router's.
pub fn on_route<S: Clone + Send + Sync + 'static>(route: MethodRouter<S>, policy: &'static str) -> MethodRouter<S> {
    route.layer(axum::middleware::map_response(move |response: Response| set(response, policy)))
}

async fn set(mut response: Response, policy: &'static str) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    }
    if !headers.contains_key(header::X_FRAME_OPTIONS) {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_policy_allows_inline_script_or_style_or_eval() {
        for policy in [CONSOLE, API, DOWNLOAD, IMAGE, publication()] {
            assert!(!policy.contains("unsafe-"), "{policy}");
            assert!(HeaderValue::from_str(policy).is_ok(), "{policy}");
        }
        assert!(CONSOLE.contains("frame-ancestors 'none'") && publication().contains("frame-ancestors 'none'"));
    }
}
