//! A browser at the duty desk's console, as plain HTTP: cookies kept by hand, forms posted as a browser posts
//! them, redirects not followed (so each answer can be looked at).

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, LOCATION, SET_COOKIE};

/// A browser's cookie jar for one server, and its last answer.
pub struct Browser {
    base: String,
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

/// An answer: status, where it sends the browser, its headers and the page.
pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: HeaderMap,
    pub body: String,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { base: base.trim_end_matches('/').to_owned(), http, cookies: Vec::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    /// The value of a cookie the browser holds.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Holds `value` as cookie `name`, as a browser given a copied cookie would.
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.forget_cookie(name);
        self.cookies.push((name.to_owned(), value.to_owned()));
    }

    pub fn forget_cookie(&mut self, name: &str) {
        self.cookies.retain(|(k, _)| k != name);
    }

    async fn keep(&mut self, response: reqwest::Response) -> Answer {
        for set in response.headers().get_all(SET_COOKIE) {
            let Some((pair, attributes)) = set.to_str().ok().map(|s| s.split_once(';').unwrap_or((s, ""))) else {
                continue;
            };
            let Some((name, value)) = pair.split_once('=') else { continue };
            self.forget_cookie(name);
            if !value.is_empty() && !attributes.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        let status = response.status();
        let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Answer { status, location, headers, body }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let response = self.http.get(format!("{}{path}", self.base)).header(COOKIE, self.cookie_header()).send();
        let response = response.await.expect("the server answers");
        self.keep(response).await
    }

    /// Posts a form, fields encoded as a browser encodes them.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the server answers");
        self.keep(response).await
    }

    /// Opens the sign-in form and posts it as `username` with `password`.
    pub async fn sign_in(&mut self, username: &str, password: &str) -> Answer {
        let form = self.get("/signin").await;
        let token = hidden_csrf(&form.body).expect("the sign-in form carries a token");
        self.post("/signin", &[("username", username), ("password", password), ("csrf", &token)]).await
    }
}

/// The CSRF token a page's form carries.
pub fn hidden_csrf(page: &str) -> Option<String> {
    let at = page.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(page[at..].split('"').next()?.to_owned())
}

/// The part of a page from the element with id `id` to the end of its section (the page's rest if none).
pub fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in {page}"));
    let end = page[start..].find("</section>").map(|e| start + e).unwrap_or(page.len());
    &page[start..end]
}
