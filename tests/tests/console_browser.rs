//! The duty desk's console in a real browser (headless Chromium, driven by Playwright) on the demo city: the
//! desk officer signs in from the keyboard alone and reads the on-duty board on a 1366×768 laptop and a
//! 1920×1080 wall screen, with no sideways scrolling and no errors in the page; a mistyped password is shown
//! next to the password field; a phone's report and a phone's acknowledgement appear on the open pages
//! without a reload; the monthly digest opens; a filed roster is returned with a reason; a spot check is
//! recorded from the keyboard during the call; the duty log, spot checks and analysis pages fit a laptop.
//! Screenshots are kept in `target/test-artefacts/console/`.

use std::sync::Arc;
use std::time::Duration;

use zhiban_model::DocumentId;
use zhiban_model::documents::incident::{FirstReport, ReportDetails};
use zhiban_server::demo::DemoSummary;
use zhiban_server::office::{DutyRules, Office};
use zhiban_tests::alerting::{SYNC, roster};
use zhiban_tests::browser::{Picture, has_chinese_fonts};
use zhiban_tests::console_browser::{ConsoleBrowser, Focused};
use zhiban_tests::{Backend, InProcessServer, Phone, TestDatabase};

/// The demo's desk officer (`zhiban-server demo` prints the demo's logins).
const DESK_OFFICER: &str = "city-officer-1";
const PASSWORD: &str = "demo-city-officer-1";

/// A database holding the demo city, a server on it, and what the demo loaded. One backend: the console's
/// pages read the same projections on both, and the stories in `console.rs` cover both.
async fn demo_city() -> (TestDatabase, InProcessServer, DemoSummary) {
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let store: Arc<dyn zhiban_server::store::Store> = zhiban_server::store::open(&db.url).await.expect("store");
    let office = Office::new(store.database(), DutyRules::default());
    let summary = zhiban_server::demo::load(store, office).await.expect("demo");
    let server = InProcessServer::start(&db.url).await.expect("server");
    (db, server, summary)
}

/// Errors the page logged (scripts failing, resources missing).
async fn page_errors(browser: &mut ConsoleBrowser) -> Vec<String> {
    browser.console_errors().await.expect("console errors")
}

fn is_field(focused: &Focused, id: &str) -> bool {
    focused.tag == "input" && focused.id == id
}

#[tokio::test]
async fn the_desk_officer_signs_in_from_the_keyboard_and_reads_the_board_on_a_laptop_and_a_wall_screen() {
    let (_db, server, demo) = demo_city().await;
    let Some(mut browser) = ConsoleBrowser::start(&server.http_url(), 1366, 768).await.expect("browser") else {
        return;
    };
    assert!(has_chinese_fonts(), "no font for Chinese is installed (apt-get install fonts-noto-cjk)");

    // Not signed in: the front door leads to the sign-in form, with the cursor already in the username.
    assert_eq!(browser.goto("/").await.expect("open /"), "/signin");
    let focused = browser.focused().await.expect("focus");
    assert!(is_field(&focused, "username"), "the form opens with the username focused: {focused:?}");
    browser.screenshot_not_blank("signin-1366x768").await.expect("the sign-in form is drawn");

    // Keyboard only: type the name, Tab to the password, type it, Tab reaches the button and back, Enter.
    browser.type_text(DESK_OFFICER).await.expect("type the username");
    assert_eq!(browser.focused().await.expect("focus").value, DESK_OFFICER, "typed into the username");
    browser.press("Tab").await.expect("Tab");
    let focused = browser.focused().await.expect("focus");
    assert!(is_field(&focused, "password"), "Tab goes from the username to the password: {focused:?}");
    browser.type_text(PASSWORD).await.expect("type the password");
    browser.press("Tab").await.expect("Tab");
    let focused = browser.focused().await.expect("focus");
    assert_eq!((focused.tag.as_str(), focused.text.as_str()), ("button", "登录"), "then the button: {focused:?}");
    browser.press("Shift+Tab").await.expect("Shift+Tab");
    assert!(is_field(&browser.focused().await.expect("focus"), "password"), "Shift+Tab goes back");
    let loaded_before = browser.navigations().await.expect("navigations");
    assert_eq!(browser.press("Enter").await.expect("Enter"), "/now", "Enter in the password field signs in");
    assert_eq!(browser.navigations().await.expect("navigations"), loaded_before + 1, "one page load, the board's");

    // The board: every unit of the city, the desk's own first.
    assert_eq!(browser.text("main h2").await.expect("heading"), "当前值班");
    assert!(browser.text("header").await.expect("header").contains("当前用户："), "who is signed in is shown");
    let rows = "table#on-duty tbody tr[data-unit]";
    assert_eq!(browser.count(rows).await.expect("rows"), demo.units, "a row for each unit");
    assert_eq!(browser.attribute(rows, "data-unit").await.expect("first row").as_deref(), Some("city"));
    browser.wait_text("table#on-duty", "市文化和旅游局", Duration::from_secs(2)).await.expect("the units by name");

    for (width, height) in [(1366, 768), (1920, 1080)] {
        browser.set_viewport(width, height).await.expect("window size");
        let size = format!("{width}x{height}");
        // Nothing sideways to scroll to: the page and its table fit the window.
        let page = browser.page_width().await.expect("page width");
        assert!(page.scroll_width <= page.inner_width, "{size}: the page scrolls sideways: {page:?}");
        let table = browser.bounding_box("table#on-duty").await.expect("table");
        assert!(table.right() <= width as f64, "{size}: the board is wider than the window: {table:?}");
        browser.screenshot_not_blank(&format!("now-{size}")).await.expect("the board is drawn");
    }
    assert_eq!(browser.navigations().await.expect("navigations"), loaded_before + 1, "resizing reloads nothing");
    assert_eq!(page_errors(&mut browser).await, Vec::<String>::new(), "no errors in the page");
    browser.quit().await.expect("quit");
    server.stop().await.expect("stop");
}

#[tokio::test]
async fn a_mistyped_password_is_shown_next_to_the_password_field() {
    let (_db, server, _demo) = demo_city().await;
    let Some(mut browser) = ConsoleBrowser::start(&server.http_url(), 1366, 768).await.expect("browser") else {
        return;
    };
    assert_eq!(browser.goto("/signin").await.expect("open the form"), "/signin");
    browser.fill("#username", DESK_OFFICER).await.expect("username");
    browser.fill("#password", "demo-city-officer-2").await.expect("password");
    assert_eq!(browser.click("form.signin button[type=submit]").await.expect("submit"), "/signin", "not signed in");

    // The message belongs to the password field, in words and to a screen reader, and is drawn just below it.
    assert_eq!(browser.attribute("#password", "aria-invalid").await.expect("attribute").as_deref(), Some("true"));
    let described_by = browser.attribute("#password", "aria-describedby").await.expect("attribute");
    assert_eq!(described_by.as_deref(), Some("password-error"));
    assert_eq!(browser.text("#password-error").await.expect("message"), "用户名或密码错误");
    assert_eq!(browser.count(".field-error").await.expect("messages"), 1, "only the password is in error");
    assert_eq!(browser.attribute("#username", "aria-invalid").await.expect("attribute"), None);
    let field = browser.bounding_box("#password").await.expect("field");
    let message = browser.bounding_box("#password-error").await.expect("message box");
    assert!(
        message.y >= field.bottom() - 1.0 && message.y - field.bottom() < 24.0 && (message.x - field.x).abs() < 24.0,
        "the message sits right under the field: field {field:?}, message {message:?}"
    );
    // The cursor is back in the password, where the person has to act.
    assert!(is_field(&browser.focused().await.expect("focus"), "password"), "the password field has focus");
    // The name typed is kept; the password is not.
    assert_eq!(browser.value("#username").await.expect("username"), DESK_OFFICER);
    assert_eq!(browser.value("#password").await.expect("password"), "");
    let png = browser.screenshot_not_blank("signin-wrong-password-1366x768").await.expect("the form is drawn");
    // The message is drawn, in the console's red, where its box is.
    let picture = Picture::open(&png).expect("png");
    let red = picture.share(message.y as u32, message.bottom() as u32, |r, g, b| r > 120 && g < 60 && b < 60);
    assert!(red > 0.002, "the message is drawn in red ({red:.4} of its band)");
    let errors = page_errors(&mut browser).await;
    // Chromium logs the 401 the form is answered with; anything else would be the page's fault.
    let unexpected: Vec<_> = errors.iter().filter(|e| !e.contains("status of 401")).collect();
    assert!(unexpected.is_empty(), "no errors in the page: {errors:?}");
    browser.quit().await.expect("quit");
    server.stop().await.expect("stop");
}

/// A phone of the demo city, logged in with the demo's password.
async fn demo_phone(server: &InProcessServer, username: &str) -> Phone {
    let phone = Phone::new(&server.http_url()).expect("phone");
    phone.client.login(username, &format!("demo-{username}"), "phone").await.expect("login");
    phone.client.sync_once(SYNC).await.expect("the phone's documents");
    phone
}

#[tokio::test]
async fn reports_and_acknowledgements_from_phones_appear_without_reloading_and_the_monthly_digest_opens() {
    let (_db, server, _demo) = demo_city().await;
    let Some(mut browser) = ConsoleBrowser::start(&server.http_url(), 1366, 768).await.expect("browser") else {
        return;
    };
    browser.goto("/signin").await.expect("open the form");
    browser.fill("#username", DESK_OFFICER).await.expect("username");
    browser.fill("#password", PASSWORD).await.expect("password");
    assert_eq!(browser.click("form.signin button[type=submit]").await.expect("sign in"), "/now");
    browser.wait_text("#live-status", "实时更新中", Duration::from_secs(10)).await.expect("the live connection");
    let loaded = browser.navigations().await.expect("navigations");

    // A field reporter files a first report on the phone: it appears on the open board by itself.
    let field = demo_phone(&server, "beiling-field").await;
    let title = "北岭区道路塌陷（浏览器测试）";
    let report = FirstReport {
        title: title.into(),
        unit: "beiling".into(),
        received_at: Some(now()),
        details: ReportDetails { account: "道路塌陷，一辆货车陷入".into(), ..Default::default() },
        ..Default::default()
    };
    field.client.file_first_report(report, now()).expect("filed");
    field.client.sync_once(SYNC).await.expect("the report to the server");
    browser.wait_text("#open-incidents", title, Duration::from_secs(10)).await.expect("the report on the board");
    assert_eq!(browser.navigations().await.expect("navigations"), loaded, "the board was not reloaded");
    browser.screenshot_not_blank("now-live-report-1366x768").await.expect("the board is drawn");

    // The desk records the mayor's instruction to 北岭区 from the form.
    browser.goto("/instructions/new").await.expect("the form");
    browser.select("#leader", "mayor").await.expect("leader");
    browser.fill("#text", "立即组织抢修，确保群众安全").await.expect("text");
    browser.check("input[name=recipients][value=beiling]").await.expect("recipient");
    let page = browser.click("form.action button[type=submit]").await.expect("record it");
    assert!(page.starts_with("/instructions/"), "on the instruction's page: {page}");
    let instruction: DocumentId = page.trim_start_matches("/instructions/").parse().expect("its id");
    browser.wait_text("#acknowledgements", "未签收", Duration::from_secs(5)).await.expect("waiting");
    browser.wait_text("#live-status", "实时更新中", Duration::from_secs(10)).await.expect("the live connection");
    let loaded = browser.navigations().await.expect("navigations");

    // 北岭区's officer acknowledges on the phone: the page shows who signed, without a reload.
    let officer = demo_phone(&server, "beiling-officer-1").await;
    let name = officer.client.directory().expect("directory").people["beiling-officer-1"].name.clone();
    officer.client.acknowledge(instruction, Some("beiling"), now()).expect("signed");
    officer.client.sync_once(SYNC).await.expect("to the server");
    let signed =
        browser.wait_text("#acknowledgements", &name, Duration::from_secs(10)).await.expect("the acknowledgement");
    assert!(!signed.contains("未签收"), "{signed}");
    assert_eq!(browser.navigations().await.expect("navigations"), loaded, "the page was not reloaded");
    browser.screenshot_not_blank("instruction-acknowledged-1366x768").await.expect("the instruction is drawn");

    // The monthly digest, generated from the publications page.
    browser.goto("/publications").await.expect("publications");
    let opened =
        browser.click("#publications form:has(input[value=monthly]) button[value=html]").await.expect("generate");
    assert_eq!(opened, "/publications/open", "the digest opens");
    browser.screenshot_not_blank("monthly-digest-1366x768").await.expect("the digest is drawn");
    assert_eq!(page_errors(&mut browser).await, Vec::<String>::new(), "no errors in the pages");
    browser.quit().await.expect("quit");
    server.stop().await.expect("stop");
}

/// Signs the desk officer in with the form and waits for the live connection.
async fn sign_in(browser: &mut ConsoleBrowser) {
    browser.goto("/signin").await.expect("open the form");
    browser.fill("#username", DESK_OFFICER).await.expect("username");
    browser.fill("#password", PASSWORD).await.expect("password");
    assert_eq!(browser.click("form.signin button[type=submit]").await.expect("sign in"), "/now");
}

#[tokio::test]
async fn the_desk_returns_a_roster_with_a_reason_and_records_a_spot_check_from_the_keyboard() {
    let (_db, server, _demo) = demo_city().await;
    let Some(mut browser) = ConsoleBrowser::start(&server.http_url(), 1366, 768).await.expect("browser") else {
        return;
    };
    sign_in(&mut browser).await;

    // 北岭区's officer files a roster on the phone; the desk returns it, and the reason is needed.
    let officer = demo_phone(&server, "beiling-officer-1").await;
    let roster = officer
        .client
        .create_roster(&roster("beiling", 2, "beiling-officer-1", "beiling-officer-2", "beiling-chief"))
        .expect("roster");
    officer.client.file_roster(roster).expect("filed");
    officer.client.sync_once(SYNC).await.expect("to the server");
    let path = format!("/rosters/{roster}");
    assert_eq!(browser.goto(&path).await.expect("the roster"), path);
    browser.wait_text("#roster-grid", "10月1日", Duration::from_secs(2)).await.expect("the grid by day");
    assert_eq!(
        browser.click("form[action$='/return'] button[type=submit]").await.expect("return"),
        format!("{path}/return")
    );
    assert_eq!(browser.text("#return-reasons-error").await.expect("message"), "退回须写明理由，每行一条");
    assert_eq!(browser.attribute("#return-reasons", "aria-invalid").await.expect("attribute").as_deref(), Some("true"));
    browser.fill("#return-reasons", "10月1日带班领导应为单位主要负责人").await.expect("reason");
    assert_eq!(browser.click("form[action$='/return'] button[type=submit]").await.expect("return"), path);
    let history = browser.wait_text("#filing-history", "已退回", Duration::from_secs(2)).await.expect("returned");
    assert!(history.contains("10月1日带班领导应为单位主要负责人"), "{history}");
    browser.screenshot_not_blank("roster-returned-1366x768").await.expect("the roster is drawn");
    officer.client.sync_once(SYNC).await.expect("the officer syncs");
    let back = officer.client.roster(roster).expect("the officer's copy");
    assert_eq!(
        back.filing.last().map(|s| s.reasons.clone()),
        Some(vec!["10月1日带班领导应为单位主要负责人".to_owned()])
    );

    // Today's spot checks: draw a plan, then record the preselected call with a digit, Tab, the ring
    // time and Enter — the outcome list has the focus when the page opens.
    assert_eq!(browser.goto("/checks").await.expect("spot checks"), "/checks");
    let day = browser.click("#plan-checks button[type=submit]").await.expect("draw");
    assert_eq!(day, "/checks");
    let focused = browser.focused().await.expect("focus");
    assert_eq!((focused.tag.as_str(), focused.id.as_str()), ("select", "outcome"), "ready for the digit: {focused:?}");
    let unit = browser.text("#target option:checked").await.expect("the preselected check");
    browser.type_text("2").await.expect("2 长时间无人接听");
    assert_eq!(browser.value("#outcome").await.expect("outcome"), "unanswered");
    browser.press("Tab").await.expect("Tab");
    assert!(is_field(&browser.focused().await.expect("focus"), "ring-seconds"), "Tab goes to the ring time");
    browser.type_text("45").await.expect("ring time");
    assert_eq!(browser.press("Enter").await.expect("Enter records it"), "/checks");
    let table = browser.wait_text("#checks-of-day", "振铃 45 秒", Duration::from_secs(2)).await.expect("recorded");
    let unit_name = unit.split(" · ").nth(1).expect("the unit's name in the option");
    assert!(table.contains(unit_name) && table.contains("发现问题 1 处"), "{unit}: {table}");

    // The new pages fit a laptop without sideways scrolling, the header's links wrapping if need be.
    for (page, name) in [("/checks", "checks"), ("/log", "log"), ("/analysis", "analysis"), ("/now", "now-handover")] {
        browser.goto(page).await.expect("open");
        let width = browser.page_width().await.expect("page width");
        assert!(width.scroll_width <= width.inner_width, "{page} scrolls sideways: {width:?}");
        browser.screenshot_not_blank(&format!("{name}-1366x768")).await.expect("the page is drawn");
    }
    browser.goto("/analysis").await.expect("analysis");
    assert!(browser.count("#trend polyline.line").await.expect("lines") > 0, "the demo's incidents drawn as lines");
    let errors = page_errors(&mut browser).await;
    // Chromium logs the 422 the bare return is answered with; anything else would be the page's fault.
    let unexpected: Vec<_> = errors.iter().filter(|e| !e.contains("status of 422")).collect();
    assert!(unexpected.is_empty(), "no errors in the pages: {errors:?}");
    browser.quit().await.expect("quit");
    server.stop().await.expect("stop");
}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Utc::now().with_timezone(&zhiban_model::rules::office_time_zone())
}
