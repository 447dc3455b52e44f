//! No attachment runs a script on the server's origin, whatever type the phone declared for it: only bytes
//! the server recognises as a raster image are shown inline, as the type it recognised; anything else (an SVG
//! with a script declared `image/svg+xml`, a web page declared `image/png`) is downloaded, never sniffed and
//! sandboxed, from the console and the API alike. And each door's Content Security Policy: the console's
//! pages, a publication's, the API's. Over HTTP on SQLite and PostgreSQL; and in headless Chromium, where the
//! desk opens the SVG from an incident's page and its script runs nothing, and no page of the console nor a
//! publication raises a policy violation.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64ct::Encoding;
use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderMap, HeaderName, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zhiban_client_core::{DocumentId, UploadOptions};
use zhiban_model::documents::incident::{FirstReport, ReportDetails};
use zhiban_tests::accounts::{login, password_of};
use zhiban_tests::console::Browser;
use zhiban_tests::console_browser::{ConsoleBrowser, Opened};
use zhiban_tests::duty::{add_people, at, record_directory, small_city};
use zhiban_tests::photos::png_image;
use zhiban_tests::{Backend, InProcessServer, Phone, TestDatabase};

const SYNC: Duration = Duration::from_secs(20);

/// A GIF of one pixel.
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\
                     \x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// A web page that would read the console's cookies, should a browser render it there.
const HTML: &[u8] = b"<!doctype html><title>XSS</title><script>localStorage.setItem('zhiban-xss', 'html')</script>";

/// An SVG whose script, should it run on the console's origin, leaves marks: the page's title, an item in the
/// console's `localStorage`, and requests to `recorder`.
fn scripted_svg(recorder: &str) -> Vec<u8> {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" onload="fetch('{recorder}/svg-onload')">
<script>//<![CDATA[
document.title = "XSS";
localStorage.setItem("zhiban-xss", "svg");
fetch("{recorder}/svg-script");
//]]></script>
<rect width="120" height="120" fill="red"/>
</svg>"#
    )
    .into_bytes()
}

/// A file a phone attaches: its name, the media type the phone declares, its bytes, and the type the server
/// should show it inline as (`None`: downloaded).
struct File {
    name: &'static str,
    declared: &'static str,
    bytes: Vec<u8>,
    inline: Option<&'static str>,
}

/// The small city on a fresh database of `backend`.
async fn office(backend: Backend) -> (TestDatabase, InProcessServer) {
    let db = TestDatabase::new(backend).await.expect("database");
    let server = InProcessServer::start(&db.url).await.expect("server");
    record_directory(&server.http_url(), &small_city()).await.expect("directory");
    add_people(&db.url, &small_city()).await.expect("accounts");
    (db, server)
}

/// East's field reporter li files a first report with `files` attached, as the phone declares them, and
/// uploads them: the incident and the files' hashes.
async fn report_with(base: &str, files: &[File]) -> (DocumentId, Vec<String>) {
    let phone = Phone::signed_in(base, "li").await.expect("li's phone");
    phone.client.directory_from_server(SYNC).await.expect("directory from the server");
    phone.client.set_identity("li", "li's phone").expect("identity");
    let report = FirstReport {
        title: "东城区仓库火灾".into(),
        unit: "east".into(),
        received_at: Some(at("2026-10-01T08:00:00+08:00")),
        details: ReportDetails { account: "仓库起火，现场照片附后".into(), ..Default::default() },
        ..Default::default()
    };
    let filed = phone.client.file_first_report(report, at("2026-10-01T08:10:00+08:00")).expect("filed");
    let hashes = files
        .iter()
        .map(|f| {
            let when = at("2026-10-01T08:12:00+08:00");
            phone.client.attach(filed.incident, f.name, f.declared, &f.bytes, Some(&filed.entry), when).expect("attach")
        })
        .collect();
    phone.client.sync_once(SYNC).await.expect("the incident reaches the server");
    let upload = phone.client.upload_attachments(UploadOptions::default()).await.expect("upload");
    assert!(upload.all_complete(), "{upload:?}");
    (filed.incident, hashes)
}

fn header(headers: &HeaderMap, name: HeaderName) -> &str {
    headers.get(&name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// A policy's directives, each as written.
fn directives(headers: &HeaderMap) -> Vec<String> {
    header(headers, CONTENT_SECURITY_POLICY).split(';').map(|d| d.trim().to_owned()).collect()
}

/// A file name as `filename*` carries it (the names here are Chinese, digits and dots).
fn percent_encoded(name: &str) -> String {
    name.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The console's policy: its own files only, no inline script or style, no plug-ins, in no frame.
fn assert_console_policy(headers: &HeaderMap, what: &str) {
    let directives = directives(headers);
    for wanted in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ] {
        assert!(directives.iter().any(|d| d == wanted), "{what}: {wanted} in {directives:?}");
    }
    assert!(!directives.iter().any(|d| d.contains("unsafe-")), "{what}: {directives:?}");
    assert_eq!(header(headers, X_FRAME_OPTIONS), "DENY", "{what}");
}

#[tokio::test]
async fn only_bytes_recognised_as_raster_images_are_shown_inline_and_anything_else_downloads_sandboxed() {
    for backend in Backend::available() {
        let (_db, server) = office(backend).await;
        let base = server.http_url();
        let files = [
            File {
                name: "现场.svg",
                declared: "image/svg+xml",
                bytes: scripted_svg("http://127.0.0.1:9"),
                inline: None,
            },
            File {
                name: "现场1.png",
                declared: "text/html",
                bytes: png_image(4, 3, [200, 0, 0]),
                inline: Some("image/png"),
            },
            File { name: "说明.html", declared: "image/png", bytes: HTML.to_vec(), inline: None },
            File {
                name: "动图.gif",
                declared: "application/octet-stream",
                bytes: GIF.to_vec(),
                inline: Some("image/gif"),
            },
        ];
        let (incident, hashes) = report_with(&base, &files).await;
        let token = login(&base, "desk").await.expect("the desk logs in to the API");
        let mut desk = Browser::new(&base);
        desk.sign_in("desk", &password_of("desk")).await;
        let http = reqwest::Client::new();
        let incident_page = format!("/incidents/{incident}");

        for (file, sha) in files.iter().zip(&hashes) {
            let api = http.get(format!("{base}/api/v1/attachments/{sha}")).bearer_auth(&token).send().await;
            let api = api.expect("the API answers");
            assert_eq!(api.status(), StatusCode::OK, "{backend:?}: {}", file.name);
            let api_headers = api.headers().clone();
            assert_eq!(api.bytes().await.expect("bytes"), file.bytes, "{backend:?}: the bytes as attached");
            let console = desk.get(&format!("{incident_page}/attachments/{sha}")).await;
            assert_eq!(console.status, StatusCode::OK, "{backend:?}: {}", file.name);
            // The API knows the bytes by their hash only; the console by the incident's name for them.
            for (door, headers, named) in
                [("API", &api_headers, sha.as_str()), ("console", &console.headers, file.name)]
            {
                let what = format!("{backend:?}: {} declared {}, from the {door}", file.name, file.declared);
                let disposition = header(headers, CONTENT_DISPOSITION);
                match file.inline {
                    Some(media_type) => {
                        assert_eq!(header(headers, CONTENT_TYPE), media_type, "{what}: shown as what it is");
                        assert!(disposition.starts_with("inline;"), "{what}: {disposition}");
                    }
                    None => {
                        assert_eq!(header(headers, CONTENT_TYPE), "application/octet-stream", "{what}");
                        assert!(disposition.starts_with("attachment;"), "{what}: downloaded, {disposition}");
                    }
                }
                assert!(disposition.ends_with(&format!("filename*=UTF-8''{}", percent_encoded(named))), "{what}");
                assert_eq!(header(headers, X_CONTENT_TYPE_OPTIONS), "nosniff", "{what}");
                let policy = directives(headers);
                assert!(policy.iter().any(|d| d == "sandbox"), "{what}: sandboxed, {policy:?}");
                if file.inline.is_none() {
                    assert!(policy.iter().any(|d| d == "default-src 'none'"), "{what}: loads nothing, {policy:?}");
                }
            }
        }

        // The incident's page shows as images only what is declared a raster image: the SVG is a download link.
        let page = desk.get(&incident_page).await;
        let svg = format!("{incident_page}/attachments/{}", hashes[0]);
        assert!(page.body.contains(&format!("<a href=\"{svg}\" download=\"现场.svg\">")), "{backend:?}: {}", page.body);
        assert!(!page.body.contains(&format!("<img src=\"{svg}\"")), "{backend:?}: the SVG is not shown");
        let photo = format!("{incident_page}/attachments/{}", hashes[2]);
        assert!(page.body.contains(&format!("<img src=\"{photo}\"")), "{backend:?}: declared image/png, shown");

        // Every console page carries the console's policy, the sign-in form too.
        let signin = Browser::new(&base).get("/signin").await;
        assert_console_policy(&signin.headers, "/signin");
        for path in ["/now", "/incidents", incident_page.as_str(), "/publications", "/directory", "/console.js"] {
            let answer = desk.get(path).await;
            assert_eq!(answer.status, StatusCode::OK, "{backend:?}: {path}");
            assert_console_policy(&answer.headers, &format!("{backend:?}: {path}"));
        }

        // The API's JSON loads and runs nothing, in no frame.
        let incidents = http.get(format!("{base}/api/v1/incidents")).bearer_auth(&token).send().await.expect("API");
        assert_eq!(incidents.status(), StatusCode::OK);
        assert_eq!(header(incidents.headers(), CONTENT_SECURITY_POLICY), "default-src 'none'; frame-ancestors 'none'");
        assert_eq!(header(incidents.headers(), X_FRAME_OPTIONS), "DENY");

        // A publication's page allows its own stylesheet, by its hash, and nothing else; from the API and the
        // console alike.
        let report = http.get(format!("{base}/api/v1/reports/daily/2026-10-01")).bearer_auth(&token).send().await;
        let report = report.expect("the API answers");
        assert_eq!(report.status(), StatusCode::OK);
        let policy = directives(report.headers());
        let html = report.text().await.expect("the page");
        let style = html.split_once("<style>").and_then(|(_, s)| s.split_once("</style>")).expect("its stylesheet").0;
        let hash = base64ct::Base64::encode_string(&Sha256::digest(style));
        for wanted in [
            "default-src 'none'".to_owned(),
            format!("style-src 'sha256-{hash}'"),
            "frame-ancestors 'none'".to_owned(),
            "base-uri 'none'".to_owned(),
        ] {
            assert!(policy.contains(&wanted), "{backend:?}: {wanted} in {policy:?}");
        }
        let opened = desk.get("/publications/open?kind=daily&period=2026-10-01&format=html").await;
        assert_eq!(opened.status, StatusCode::OK, "{backend:?}");
        assert_eq!(directives(&opened.headers), policy, "{backend:?}: the console serves it with the same policy");
        server.stop().await.expect("stop");
    }
}

/// An HTTP server on loopback that records every request it is sent (`204 No Content` to each): a script
/// that ran would be heard here.
struct Recorder {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let heard = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let heard = heard.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0; 8192];
                    let read = socket.read(&mut buffer).await.unwrap_or(0);
                    let request =
                        String::from_utf8_lossy(&buffer[..read]).lines().next().unwrap_or_default().to_owned();
                    if !request.is_empty() {
                        heard.lock().expect("requests").push(request);
                    }
                    let answer = "HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 0\r\n\
                                  Connection: close\r\n\r\n";
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Self { url, requests, task }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("requests").clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn a_scripted_svg_opened_from_an_incident_runs_nothing_and_no_console_page_or_publication_breaks_the_policy() {
    let recorder = Recorder::start().await;
    let (_db, server) = office(Backend::Sqlite).await;
    let base = server.http_url();
    let files = [
        File { name: "现场.svg", declared: "image/svg+xml", bytes: scripted_svg(&recorder.url), inline: None },
        // Declared a JPEG, which it is not: shown all the same, as the PNG it is.
        File {
            name: "现场1.jpg",
            declared: "image/jpeg",
            bytes: png_image(64, 48, [200, 0, 0]),
            inline: Some("image/png"),
        },
    ];
    let (incident, hashes) = report_with(&base, &files).await;
    let Some(mut browser) = ConsoleBrowser::start(&base, 1366, 768).await.expect("browser") else { return };
    browser.goto("/signin").await.expect("the sign-in form");
    browser.fill("#username", "desk").await.expect("username");
    browser.fill("#password", &password_of("desk")).await.expect("password");
    assert_eq!(browser.click("form.signin button[type=submit]").await.expect("sign in"), "/now");

    let page = format!("/incidents/{incident}");
    assert_eq!(browser.goto(&page).await.expect("the incident"), page);
    // The photo is drawn, inline as the server serves it.
    let photo = format!("#attachments a[href$='/attachments/{}']", hashes[1]);
    browser.focus(&photo).await.expect("the photo's link, scrolled to");
    let image = format!("{photo} img");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while browser.property(&image, "naturalWidth").await.expect("width") != json!(64) {
        assert!(tokio::time::Instant::now() < deadline, "the photo is not drawn");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The SVG's address opened in the browser: a download, never a page on the console's origin.
    let svg = format!("{page}/attachments/{}", hashes[0]);
    assert_eq!(browser.open(&svg).await.expect("open the SVG"), Opened::Download("现场.svg".into()));
    // The desk clicks its link on the incident's page: it downloads under its name, and the page stays.
    assert_eq!(browser.goto(&page).await.expect("the incident again"), page);
    let (downloaded, stayed) = browser.download(&format!("#attachments a[href='{svg}']")).await.expect("a download");
    assert_eq!((downloaded.as_str(), stayed.as_str()), ("现场.svg", page.as_str()));
    // The photo's address shows the photo (in a sandbox, where any script the test injects is refused).
    let photo_path = format!("{page}/attachments/{}", hashes[1]);
    let errors_before = browser.console_errors().await.expect("errors").len();
    match browser.open(&photo_path).await.expect("open the photo") {
        Opened::Page { content_type, .. } => assert_eq!(content_type, "image/png", "the photo, shown as what it is"),
        other => panic!("the photo is shown, not {other:?}"),
    }

    // Nothing of the script happened: no mark in the console's storage, no request heard.
    assert_eq!(browser.goto(&page).await.expect("the incident again"), page);
    tokio::time::sleep(Duration::from_secs(1)).await;
    // An image on its own names no icon, so the browser asked for /favicon.ico, which the server has not.
    let errors = browser.console_errors().await.expect("errors").split_off(errors_before);
    assert!(
        errors.iter().all(|e| e.contains("/favicon.ico") || (e.contains("Blocked script") && e.contains("sandboxed"))),
        "opening the photo raises no error of its own: {errors:?}"
    );
    let errors_before = errors_before + errors.len();
    assert_eq!(browser.local_storage("zhiban-xss").await.expect("localStorage"), None, "the script ran");
    assert_eq!(recorder.requests(), Vec::<String>::new(), "the script ran and sent requests");

    // Every page of the console, and a publication with its charts, under their policies: nothing refused.
    for path in [
        "/now",
        "/incidents",
        page.as_str(),
        "/instructions",
        "/instructions/new",
        "/rosters",
        "/checks",
        "/log",
        "/publications",
        "/analysis",
        "/directory",
    ] {
        assert_eq!(browser.goto(path).await.expect("open"), path);
    }
    assert_eq!(
        browser.goto("/publications/open?kind=monthly&period=2026-10&format=html").await.expect("digest"),
        "/publications/open"
    );
    // The publication's stylesheet applies: the masthead in the office's red.
    let red = browser.computed_style("header.masthead h1", "color").await.expect("the masthead's colour");
    assert_eq!(red, "rgb(185, 28, 28)", "the publication's stylesheet applies");
    assert!(browser.count("figure svg").await.expect("charts") > 0, "the digest's charts are drawn");
    assert_eq!(browser.csp_violations().await.expect("violations"), Vec::<String>::new(), "nothing refused");
    let errors = browser.console_errors().await.expect("errors").split_off(errors_before);
    assert_eq!(errors, Vec::<String>::new(), "no errors in the pages");

    // The policies are in force, not only sent: an inline script is refused on the console and on a publication.
    assert!(!browser.inline_script_runs().await.expect("probe"), "an inline script ran on a publication");
    assert_eq!(browser.goto("/now").await.expect("the board"), "/now");
    assert!(!browser.inline_script_runs().await.expect("probe"), "an inline script ran on the console");
    // The violation event is dispatched after the refusal, not with it: wait (a bounded while) for both.
    let mut refused = browser.csp_violations().await.expect("violations");
    for _ in 0..50 {
        if refused.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        refused = browser.csp_violations().await.expect("violations");
    }
    assert_eq!(refused.len(), 2, "the two inline scripts refused: {refused:?}");
    assert!(refused.iter().all(|v| v.contains("script-src")), "{refused:?}");
    assert_eq!(recorder.requests(), Vec::<String>::new(), "no request heard");
    browser.quit().await.expect("quit");
    server.stop().await.expect("stop");
}
