//! The duty desk's console over real HTTP: signing in with the office's accounts (field errors, throttling,
//! a forged or missing CSRF token refused), the on-duty board from the rosters with gaps shown, who may use
//! the console, and signing out ending the session.

use reqwest::StatusCode;
use zhiban_tests::Backend;
use zhiban_tests::Phone;
use zhiban_tests::accounts::password_of;
use zhiban_tests::alerting::{SYNC, east_roster, office_with_push};
use zhiban_tests::console::{Browser, hidden_csrf};
use zhiban_tests::duty::small_city;

/// 1 October 2026, 10:00 in Beijing: east's roster (filed by wang) covers it, water has none.
const TEN_O_CLOCK: &str = "2026-10-01T10:00:00+08:00";

#[tokio::test]
async fn the_desk_signs_in_sees_who_is_on_duty_with_gaps_in_red_and_signs_out() {
    for backend in Backend::available() {
        let (_db, _clock, server, _service) = office_with_push(backend, &small_city(), TEN_O_CLOCK).await;
        let wang = Phone::signed_in(&server.http_url(), "wang").await.expect("wang");
        wang.client.sync_once(SYNC).await.expect("wang's documents");
        wang.client.create_roster(&east_roster()).expect("roster");
        wang.client.sync_once(SYNC).await.expect("east's roster to the server");

        let mut browser = Browser::new(&server.http_url());
        // Not signed in: every page leads to the sign-in form, in Chinese.
        let front = browser.get("/").await;
        assert_eq!(front.location.as_deref(), Some("/signin"), "{backend:?}");
        assert_eq!(browser.get("/now").await.location.as_deref(), Some("/signin"));
        let form = browser.get("/signin").await;
        assert!(form.body.contains("lang=\"zh-CN\"") && form.body.contains("登录"), "{}", form.body);

        let signed_in = browser.sign_in("desk", &password_of("desk")).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{backend:?}: {}", signed_in.body);
        assert_eq!(signed_in.location.as_deref(), Some("/now"));
        assert!(browser.cookie("zhiban_session").is_some_and(|s| s.starts_with("zcs_")), "a session cookie");

        let board = browser.get("/now").await;
        assert_eq!(board.status, StatusCode::OK, "{}", board.body);
        assert!(board.body.contains("当前用户：值班员甲"), "who is signed in, by name");
        assert!(board.body.contains("2026年10月1日 10:00"), "the time in Beijing: {}", board.body);
        // East: leader east-chief, main wang, deputy zhao, each with their phone.
        let east = row(&board.body, "east");
        for expected in ["东城区", "东城区长", "王五", "赵六", "139-wang"] {
            assert!(east.contains(expected), "{backend:?}: east's row lacks {expected}: {east}");
        }
        assert!(!east.contains("空缺"), "east is fully staffed: {east}");
        // Water filed no roster: all three posts are gaps, in red.
        let water = row(&board.body, "water");
        assert_eq!(water.matches("class=\"gap\"").count(), 3, "{backend:?}: water's gaps: {water}");
        assert!(board.body.contains("个单位有空缺"), "the gaps are counted");

        // Signing out needs the page's token; a forged one is refused and the session stays.
        let forged = browser.post("/signout", &[("csrf", "zcf_forged")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert_eq!(browser.get("/now").await.status, StatusCode::OK, "still signed in");
        let missing = browser.post("/signout", &[]).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN, "{backend:?}: no token at all");
        let token = hidden_csrf(&board.body).expect("the board's sign-out form carries the session's token");
        let session = browser.cookie("zhiban_session").expect("session").to_owned();
        let out = browser.post("/signout", &[("csrf", &token)]).await;
        assert_eq!(out.location.as_deref(), Some("/signin"), "{backend:?}");
        assert!(browser.cookie("zhiban_session").is_none(), "the cookie is cleared");
        // The old session is over even if a copy of the cookie is sent again.
        let stale = copy_with_session(&server.http_url(), &session).get("/now").await;
        assert_eq!(stale.location.as_deref(), Some("/signin"), "{backend:?}: a signed-out session does not work");
        server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn sign_in_mistakes_are_shown_by_the_field_and_forged_forms_and_other_roles_are_refused() {
    for backend in Backend::available() {
        let (_db, _clock, server, _service) = office_with_push(backend, &small_city(), TEN_O_CLOCK).await;
        let mut browser = Browser::new(&server.http_url());

        // Empty fields: a message next to each, the username kept.
        let form = browser.get("/signin").await;
        let token = hidden_csrf(&form.body).expect("token");
        let empty = browser.post("/signin", &[("username", ""), ("password", ""), ("csrf", &token)]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(empty.body.contains("id=\"username-error\"") && empty.body.contains("请输入用户名"), "{}", empty.body);
        assert!(empty.body.contains("id=\"password-error\"") && empty.body.contains("请输入密码"));

        // A wrong password: said next to the password, the username kept.
        let wrong = browser.sign_in("desk", "not-the-password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{backend:?}");
        assert!(wrong.body.contains("用户名或密码错误") && wrong.body.contains("value=\"desk\""), "{}", wrong.body);
        assert!(browser.cookie("zhiban_session").is_none());

        // A form posted from elsewhere (no token, or not the cookie's) is refused before any password check.
        let mut other = Browser::new(&server.http_url());
        let no_cookie = other.post("/signin", &[("username", "desk"), ("password", &password_of("desk"))]).await;
        assert_eq!(no_cookie.status, StatusCode::FORBIDDEN, "{backend:?}");
        other.get("/signin").await;
        let forged = other
            .post("/signin", &[("username", "desk"), ("password", &password_of("desk")), ("csrf", "zcf_forged")])
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert!(forged.body.contains("表单已失效"), "{}", forged.body);
        assert!(other.cookie("zhiban_session").is_none(), "no session from a forged form");

        // Failed logins are throttled as a phone's are (five per user): the right password then waits too.
        for _ in 0..4 {
            browser.sign_in("qian", "wrong").await;
        }
        let throttled = browser.sign_in("qian", "wrong").await;
        let throttled = match throttled.status {
            StatusCode::TOO_MANY_REQUESTS => throttled,
            _ => browser.sign_in("qian", &password_of("qian")).await,
        };
        assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "{backend:?}: {}", throttled.body);
        assert!(throttled.body.contains("登录失败次数过多"), "{}", throttled.body);

        // A field reporter signs in but the console is not theirs.
        let mut field = Browser::new(&server.http_url());
        field.sign_in("li", &password_of("li")).await;
        let refused = field.get("/now").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert!(refused.body.contains("值班台仅供"), "{}", refused.body);
        server.stop().await.expect("stop");
    }
}

/// A new browser holding only `session` as its cookie.
fn copy_with_session(base: &str, session: &str) -> Browser {
    let mut browser = Browser::new(base);
    browser.set_cookie("zhiban_session", session);
    browser
}

/// The board's row for `unit`.
fn row<'a>(page: &'a str, unit: &str) -> &'a str {
    let start = page.find(&format!("data-unit=\"{unit}\"")).unwrap_or_else(|| panic!("no row for {unit}: {page}"));
    let end = page[start..].find("</tr>").map(|e| start + e).unwrap_or(page.len());
    &page[start..end]
}
