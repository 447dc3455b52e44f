//! The console shows each person what the API answers them, page by page, on both backends: the desk, a
//! leader and an administrator sign in to the console and log in to the API, and every page's rows are
//! compared with the API's answers to the same person. An administrator sees no other unit's roster, phones,
//! duty log, incidents or instructions, has no spot-check or analysis page, and their live stream is not
//! told an incident changed; the desk's is, and is not told of the administrator's plain documents.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::{Value, json};
use zhiban_model::documents::duty_log::LogKind;
use zhiban_model::documents::incident::{FirstReport, ReportDetails};
use zhiban_tests::Backend;
use zhiban_tests::Phone;
use zhiban_tests::accounts::{TEST_ADMIN, login, password_of};
use zhiban_tests::alerting::{SYNC, east_roster, office_with_push};
use zhiban_tests::console::{Browser, hidden_csrf, section};
use zhiban_tests::duty::{at, small_city};

/// 1 October 2026, 10:00 in Beijing: east's roster covers it.
const TEN_O_CLOCK: &str = "2026-10-01T10:00:00+08:00";

const FIRE: &str = "东城区商场火灾";
const EAST_LOG_ENTRY: &str = "东城区某路段积水";
const CITY_LOG_ENTRY: &str = "反映市区某小区停水";

/// Who signs in: the test server's administrator (unit `city`, role admin only), the desk and a leader.
const PEOPLE: [&str; 3] = [TEST_ADMIN, "desk", "mayor"];

const UNITS: [&str; 3] = ["city", "east", "water"];

fn report(title: &str) -> FirstReport {
    FirstReport {
        title: title.into(),
        unit: "east".into(),
        received_at: Some(at("2026-10-01T09:40:00+08:00")),
        details: ReportDetails { account: "商场三楼起火，已疏散".into(), ..Default::default() },
        ..Default::default()
    }
}

/// One person at the console and at the API.
struct Person {
    username: &'static str,
    browser: Browser,
    token: String,
    base: String,
}

impl Person {
    async fn sign_in(base: &str, username: &'static str) -> Self {
        let mut browser = Browser::new(base);
        let signed_in = browser.sign_in(username, &password_of(username)).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{username} signs in: {}", signed_in.body);
        let token = login(base, username).await.expect("an API login");
        Self { username, browser, token, base: base.to_owned() }
    }

    /// The API's answer to this person: status and JSON (`null` when the answer is not JSON).
    async fn api(&self, path: &str) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("the API answers");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn api_status(&self, path: &str) -> StatusCode {
        self.api(path).await.0
    }

    /// The values of `field` in the list `list` of the API's answer at `path`.
    async fn api_list(&self, path: &str, list: &str, field: &str) -> BTreeSet<String> {
        let (status, body) = self.api(path).await;
        assert_eq!(status, StatusCode::OK, "{}: {path}: {body}", self.username);
        body[list]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no {list} in {body}", self.username))
            .iter()
            .filter_map(|item| item[field].as_str().map(str::to_owned))
            .collect()
    }

    async fn page(&mut self, path: &str) -> (StatusCode, String) {
        let answer = self.browser.get(path).await;
        (answer.status, answer.body)
    }
}

/// The values of attribute `name` in `html`, in order.
fn attributes(html: &str, name: &str) -> BTreeSet<String> {
    let marker = format!("{name}=\"");
    html.match_indices(&marker)
        .filter_map(|(at, _)| html[at + marker.len()..].split('"').next().map(str::to_owned))
        .collect()
}

/// The administrator, the desk and the mayor, each as the console and the API.
async fn everyone(base: &str) -> Vec<Person> {
    let mut people = Vec::new();
    for username in PEOPLE {
        people.push(Person::sign_in(base, username).await);
    }
    people
}

/// East's roster, an incident in east, an instruction to east, an entry in east's duty log (its officer's
/// phone) and in the desk's (the console). Returns (incident, instruction, east's log).
async fn a_morning_of_work(base: &str) -> (String, String, String) {
    let wang = Phone::signed_in(base, "wang").await.expect("wang");
    wang.client.sync_once(SYNC).await.expect("wang's documents");
    wang.client.create_roster(&east_roster()).expect("roster");
    let (east_log, _) = wang
        .client
        .log_duty(
            None,
            LogKind::Call,
            "市民刘女士",
            EAST_LOG_ENTRY,
            "已通知排水公司",
            None,
            None,
            Some(at("2026-10-01T09:20:00+08:00")),
        )
        .expect("east's log");
    wang.client.sync_once(SYNC).await.expect("east's roster and log to the server");
    let li = Phone::signed_in(base, "li").await.expect("li");
    li.client.sync_once(SYNC).await.expect("li's documents");
    let incident = li.client.file_first_report(report(FIRE), at("2026-10-01T09:50:00+08:00")).expect("filed").incident;
    li.client.sync_once(SYNC).await.expect("the report to the server");

    let mut desk = Browser::new(base);
    desk.sign_in("desk", &password_of("desk")).await;
    let token = hidden_csrf(&desk.get("/now").await.body).expect("token");
    let recorded = desk
        .post(
            "/instructions",
            &[
                ("csrf", &token),
                ("leader", "mayor"),
                ("issued_at", "2026-10-01T09:55"),
                ("text", "东城区全力处置商场火灾，及时续报"),
                ("incident", &incident.to_string()),
                ("recipients", "east"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "the instruction: {}", recorded.body);
    let instruction = recorded
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/instructions/"))
        .expect("the instruction's page")
        .to_owned();
    let logged = desk
        .post(
            "/log",
            &[
                ("csrf", &token),
                ("kind", "call"),
                ("at", "2026-10-01T09:30"),
                ("counterpart", "市民张先生"),
                ("summary", CITY_LOG_ENTRY),
                ("handling", "已转市水务局"),
            ],
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "the desk's log: {}", logged.body);
    let handed = desk.post("/log/handover", &[("csrf", &token), ("incoming", "mayor"), ("note", "火灾续报待收")]).await;
    assert_eq!(handed.status, StatusCode::SEE_OTHER, "the handover: {}", handed.body);
    (incident.to_string(), instruction, east_log.to_string())
}

#[tokio::test]
async fn every_console_page_shows_each_person_what_the_api_answers_them() {
    for backend in Backend::available() {
        let (_db, _clock, server, _service) = office_with_push(backend, &small_city(), TEN_O_CLOCK).await;
        let base = server.http_url();
        let (incident, instruction, east_log) = a_morning_of_work(&base).await;
        let mut people = everyone(&base).await;
        for person in &mut people {
            let who = format!("{backend:?} {}", person.username);
            let sees_everything = person.username != TEST_ADMIN;

            // The board: who is on duty in the units whose rosters the API answers them, and only those.
            let (status, board) = person.page("/now").await;
            assert_eq!(status, StatusCode::OK, "{who}: {board}");
            let on_duty = section(&board, "on-duty-now");
            for unit in UNITS {
                let api = person.api_status(&format!("/api/v1/units/{unit}/on-duty")).await;
                let shown = on_duty.contains(&format!("data-unit=\"{unit}\""));
                assert_eq!(shown, api == StatusCode::OK, "{who}: {unit}'s row on the board, the API {api}: {on_duty}");
            }
            // East's people on duty and their phones, with east's roster.
            let east_roster = person.api_status("/api/v1/units/east/on-duty").await == StatusCode::OK;
            for text in ["王五", "139-wang", "赵六", "东城区长"] {
                assert_eq!(board.contains(text), east_roster, "{who}: {text} on the board: {board}");
            }
            let incidents = person.api_list("/api/v1/incidents", "incidents", "document").await;
            assert_eq!(attributes(section(&board, "open-incidents"), "data-document"), incidents, "{who}");
            assert_eq!(board.contains(FIRE), incidents.contains(&format!("automerge:{incident}")), "{who}: {board}");
            let instructions = person.api_list("/api/v1/instructions", "instructions", "document").await;
            let awaiting = attributes(section(&board, "awaiting-acknowledgement"), "data-document");
            assert_eq!(awaiting, instructions, "{who}");
            let alerts = person.api_list("/api/v1/alerts?open=true", "alerts", "alert").await;
            assert_eq!(attributes(section(&board, "escalating-alerts"), "data-alert"), alerts, "{who}");
            // The handover comes from the person's own unit's log: shown when they may read it (its audience
            // is the unit's, as the unit's roster).
            let own_log = person.api_status("/api/v1/units/city/on-duty").await == StatusCode::OK;
            assert_eq!(board.contains("id=\"handover\""), own_log, "{who}: {board}");
            assert_eq!(board.contains("火灾续报待收"), own_log, "{who}");
            // The header names the pages the API answers them.
            let checks_api = person.api_status("/api/v1/spot-checks").await;
            let analysis_api = person.api_status("/api/v1/analysis/warnings").await;
            assert_eq!(board.contains("href=\"/checks\""), checks_api == StatusCode::OK, "{who}: {board}");
            assert_eq!(board.contains("href=\"/analysis\""), analysis_api == StatusCode::OK, "{who}");
            assert!(board.contains("href=\"/directory\""), "{who}: everyone has the directory");
            assert_eq!(checks_api == StatusCode::OK, sees_everything, "{who}");

            // Incidents: the list and the incident's page, as the API.
            let (status, list) = person.page("/incidents").await;
            assert_eq!(status, StatusCode::OK, "{who}");
            assert_eq!(attributes(section(&list, "incident-list"), "data-document"), incidents, "{who}");
            let api = person.api_status(&format!("/api/v1/incidents/{incident}")).await;
            let (status, page) = person.page(&format!("/incidents/{incident}")).await;
            assert_eq!(status, api, "{who}: the incident's page: {page}");
            assert_eq!(page.contains(FIRE), api == StatusCode::OK, "{who}");
            assert_eq!(api == StatusCode::OK, sees_everything, "{who}: the fire is east's");

            // Instructions: the ledger and the instruction's page.
            let (status, ledger) = person.page("/instructions").await;
            assert_eq!(status, StatusCode::OK, "{who}");
            assert_eq!(attributes(section(&ledger, "ledger"), "data-document"), instructions, "{who}");
            let api = person.api_status(&format!("/api/v1/instructions/{instruction}")).await;
            let (status, page) = person.page(&format!("/instructions/{instruction}")).await;
            assert_eq!(status, api, "{who}: the instruction's page: {page}");
            assert_eq!(api == StatusCode::OK, sees_everything, "{who}: the instruction is east's");

            // Rosters: the list, and east's roster's grid (its names) as the document's history answers them.
            let rosters = person.api_list("/api/v1/rosters", "rosters", "document").await;
            let (status, overview) = person.page("/rosters").await;
            assert_eq!(status, StatusCode::OK, "{who}");
            assert_eq!(attributes(section(&overview, "rosters"), "data-document"), rosters, "{who}");
            for roster in &rosters {
                let id = roster.trim_start_matches("automerge:");
                let api = person.api_status(&format!("/api/v1/docs/{id}/history")).await;
                assert_eq!(person.page(&format!("/rosters/{id}")).await.0, api, "{who}: roster {id}");
            }
            assert_eq!(rosters.is_empty(), !east_roster, "{who}: east's is the only roster");

            // Spot checks and the analysis: the desk's and leaders', refused to anyone else as the API does.
            let (status, page) = person.page("/checks").await;
            assert_eq!(status, checks_api, "{who}: {page}");
            let (status, page) = person.page("/analysis").await;
            assert_eq!(status, analysis_api, "{who}: {page}");
            if !sees_everything {
                assert!(page.contains("仅供值班室人员和带班领导查看"), "{who}: said why: {page}");
            }

            // Duty logs: a unit's log as the API answers the unit's roster (the same audience), and east's
            // log's entry as its document's history answers.
            for unit in UNITS {
                let api = person.api_status(&format!("/api/v1/units/{unit}/roster")).await;
                let (status, page) = person.page(&format!("/log?unit={unit}&month=2026-10")).await;
                let expected = if api == StatusCode::OK { StatusCode::OK } else { StatusCode::NOT_FOUND };
                assert_eq!(status, expected, "{who}: {unit}'s log, the API {api}: {page}");
            }
            let east_history = person.api_status(&format!("/api/v1/docs/{east_log}/history")).await;
            let (_, page) = person.page("/log?unit=east&month=2026-10").await;
            assert_eq!(page.contains(EAST_LOG_ENTRY), east_history == StatusCode::OK, "{who}: {page}");
            assert_eq!(east_history == StatusCode::OK, sees_everything, "{who}: east's log is east's");
            let city_log = person.api_status("/api/v1/units/city/roster").await == StatusCode::OK;
            let (_, page) = person.page("/log").await;
            assert_eq!(page.contains(CITY_LOG_ENTRY), city_log, "{who}: {page}");
            // Only the desk's own officers log: a leader or an administrator reads without the forms.
            assert_eq!(page.contains("id=\"log-entry\""), person.username == "desk", "{who}: {page}");

            // Publications for whom the API compiles them; the ranking's units as the API's.
            let reports = person.api_status("/api/v1/reports/daily/2026-10-01").await;
            // Scores are not an administrator's (403); the others' ranking is the API's.
            let scored = if person.api("/api/v1/scores?year=2026").await.0 == StatusCode::FORBIDDEN {
                BTreeSet::new()
            } else {
                person.api_list("/api/v1/scores?year=2026", "units", "unit").await
            };
            assert_eq!(scored.is_empty(), !sees_everything, "{who}: scores for the desk and leaders");
            let (status, page) = person.page("/publications").await;
            assert_eq!(status, StatusCode::OK, "{who}");
            assert_eq!(page.contains("id=\"publications\""), reports == StatusCode::OK, "{who}: {page}");
            assert_eq!(attributes(section(&page, "scores"), "data-unit"), scored, "{who}");
            let (status, _) = person.page("/publications/open?kind=daily&period=2026-10-01").await;
            assert_eq!(status, reports, "{who}: a publication opened at the console");

            // The directory is everyone's: units' duty phones and people's phones.
            let (status, page) = person.page("/directory").await;
            assert_eq!(status, StatusCode::OK, "{who}");
            assert!(page.contains("0000-east") && page.contains("139-wang") && page.contains("东城区"), "{who}");
        }
        server.stop().await.expect("stop");
    }
}

/// A console's `/live` stream, read as the page's script reads it.
struct Live {
    response: reqwest::Response,
    buffer: String,
    who: String,
}

impl Live {
    async fn open(base: &str, person: &Person) -> Self {
        let session = person.browser.cookie("zhiban_session").expect("signed in");
        let response = reqwest::Client::new()
            .get(format!("{base}/live"))
            .header(COOKIE, format!("zhiban_session={session}"))
            .send()
            .await
            .expect("the stream opens");
        assert_eq!(response.status(), StatusCode::OK, "{}", person.username);
        Self { response, buffer: String::new(), who: person.username.to_owned() }
    }

    /// The kinds the next `changed` event names, or `None` when none comes within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<BTreeSet<String>> {
        let until = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let data = event.lines().find_map(|l| l.strip_prefix("data:")).map(str::trim);
                if let (true, Some(data)) = (event.lines().any(|l| l.trim() == "event: changed"), data) {
                    let data: Value = serde_json::from_str(data).expect("an event's data is JSON");
                    let kinds = data["kinds"].as_array().expect("kinds").iter();
                    return Some(kinds.filter_map(|k| k.as_str().map(str::to_owned)).collect());
                }
                continue;
            }
            match tokio::time::timeout_at(until, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Ok(None)) => panic!("{}'s stream ended", self.who),
                Ok(Err(e)) => panic!("{}'s stream failed: {e}", self.who),
                Err(_) => return None,
            }
        }
    }

    /// Whether the stream ends within `wait`, with no event before its end.
    async fn ends_within(&mut self, wait: Duration) -> bool {
        loop {
            match tokio::time::timeout(wait, self.response.chunk()).await {
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Ok(Ok(Some(bytes))) => {
                    let text = String::from_utf8_lossy(&bytes);
                    assert!(!text.contains("event: changed"), "{} told after signing out: {text}", self.who);
                }
                Err(_) => return false,
            }
        }
    }

    /// Every event's kinds up to the first naming `kind` (which must come within 20 s), that one included.
    async fn until(&mut self, kind: &str) -> Vec<BTreeSet<String>> {
        let mut heard = Vec::new();
        loop {
            let kinds = self.next(Duration::from_secs(20)).await;
            let kinds = kinds.unwrap_or_else(|| panic!("{} not told of a {kind} within 20 s: {heard:?}", self.who));
            let done = kinds.contains(kind);
            heard.push(kinds);
            if done {
                return heard;
            }
        }
    }
}

#[tokio::test]
async fn a_live_page_is_told_only_of_documents_its_person_may_see() {
    for backend in Backend::available() {
        let (_db, _clock, server, _service) = office_with_push(backend, &small_city(), TEN_O_CLOCK).await;
        let base = server.http_url();
        let mut people = everyone(&base).await;
        let mut streams = Vec::new();
        for person in &people {
            streams.push(Live::open(&base, person).await);
        }
        let [admin, desk, mayor] = &mut streams[..] else { panic!("three streams") };

        // The administrator's plain document (tooling, an import): theirs alone.
        let tooling = Phone::signed_in(&base, TEST_ADMIN).await.expect("the administrator's phone");
        tooling.client.sync_once(SYNC).await.expect("the administrator's documents");
        tooling.client.create_document(&json!({"note": "导入前核对"})).expect("a plain document");
        tooling.client.sync_once(SYNC).await.expect("to the server");
        let first = admin.until("document").await;
        assert!(first.iter().all(|k| !k.contains("incident")), "{backend:?}: {first:?}");

        // A fire reported in east: the desk and the leader hear of it, not of the administrator's document.
        let li = Phone::signed_in(&base, "li").await.expect("li");
        li.client.sync_once(SYNC).await.expect("li's documents");
        li.client.file_first_report(report(FIRE), at("2026-10-01T09:50:00+08:00")).expect("filed");
        li.client.sync_once(SYNC).await.expect("the report to the server");
        let told_of_the_fire = [desk.until("incident").await, mayor.until("incident").await];

        // Another plain document after the fire: the administrator's next event names it, never the fire.
        tooling.client.create_document(&json!({"note": "导入后核对"})).expect("a plain document");
        tooling.client.sync_once(SYNC).await.expect("to the server");
        let heard = admin.until("document").await;
        assert!(heard.iter().all(|k| !k.contains("incident")), "{backend:?}: the admin told of the fire: {heard:?}");
        for heard in told_of_the_fire {
            assert!(heard.iter().all(|k| !k.contains("document")), "{backend:?}: told of the admin's: {heard:?}");
        }

        // The leader signs out: their stream ends at the next change rather than telling a signed-out browser.
        let mayor_console = &mut people[2].browser;
        let token = hidden_csrf(&mayor_console.get("/now").await.body).expect("the mayor's token");
        let out = mayor_console.post("/signout", &[("csrf", &token)]).await;
        assert_eq!(out.location.as_deref(), Some("/signin"), "{backend:?}");
        li.client.file_first_report(report("东城区民房火灾"), at("2026-10-01T09:58:00+08:00")).expect("filed");
        li.client.sync_once(SYNC).await.expect("the report to the server");
        desk.until("incident").await;
        assert!(
            mayor.ends_within(Duration::from_secs(20)).await,
            "{backend:?}: the signed-out leader's stream goes on"
        );

        // Open streams would hold the server's graceful stop.
        drop(streams);
        server.stop().await.expect("stop");
    }
}
