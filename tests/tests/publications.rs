//! The desk's publications and scores on the demo city, through the API as the desk asks for them: the
//! National Day daily report tells a unit's zero report from a unit that stayed silent; the monthly digest's
//! counts are the projections' counts; every deduction in a unit's score points to a record the server
//! holds; the quarterly bulletin lists the spot checks' findings; a unit officer is refused the publications;
//! and the daily report renders as a printed page in headless Chromium (a screenshot is kept).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use zhiban_model::rules::office_time_zone;
use zhiban_server::office::{DutyRules, Office};
use zhiban_tests::browser::{Picture, chromium_or_skip, has_chinese_fonts, screenshot};
use zhiban_tests::server::http_get_as;
use zhiban_tests::{Backend, InProcessServer, TestDatabase};

/// A database holding the demo city, and a server on it.
async fn demo_city(backend: Backend) -> (TestDatabase, InProcessServer) {
    let db = TestDatabase::new(backend).await.expect("database");
    let store: Arc<dyn zhiban_server::store::Store> = zhiban_server::store::open(&db.url).await.expect("store");
    let office = Office::new(store.database(), DutyRules::default());
    zhiban_server::demo::load(store, office).await.expect("demo");
    let server = InProcessServer::start(&db.url).await.expect("server");
    (db, server)
}

async fn demo_login(server: &InProcessServer, username: &str) -> String {
    let body = json!({"username": username, "password": format!("demo-{username}"), "device_name": "desk pc"});
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", server.http_url()))
        .json(&body)
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    answer["access_token"].as_str().expect("token").to_owned()
}

async fn get(server: &InProcessServer, token: &str, path: &str) -> (u16, String) {
    http_get_as(server.addr, path, token).await.expect(path)
}

/// The CSV's rows as maps from header to value (the byte-order mark dropped).
fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let headers: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines.map(|line| headers.iter().map(|h| h.to_string()).zip(line.split(',').map(str::to_owned)).collect()).collect()
}

fn row_of<'a>(rows: &'a [BTreeMap<String, String>], unit_name: &str) -> &'a BTreeMap<String, String> {
    rows.iter().find(|r| r["单位"] == unit_name).unwrap_or_else(|| panic!("no row for {unit_name}: {rows:?}"))
}

#[tokio::test]
async fn the_desks_publications_and_scores_come_from_the_records() {
    for backend in Backend::available() {
        let (_db, server) = demo_city(backend).await;
        let desk = demo_login(&server, "city-officer-1").await;

        // The daily report of 2 October: tourism stayed silent, beiling filed its zero report.
        let (status, csv) = get(&server, &desk, "/api/v1/reports/daily/2026-10-02?format=csv").await;
        assert_eq!(status, 200, "{backend:?}: {csv}");
        let rows = csv_rows(&csv);
        assert_eq!(rows.len(), 13, "every unit but the desk: {rows:?}");
        assert_eq!(row_of(&rows, "市文化和旅游局")["报告情况"], "未报告");
        assert_eq!(row_of(&rows, "北岭县人民政府")["报告情况"], "零报告（16:30）");
        assert_eq!(row_of(&rows, "南山县人民政府")["抽查发现"], "长时间无人接听");
        // On 5 October it is the other way round.
        let (_, csv) = get(&server, &desk, "/api/v1/reports/daily/2026-10-05?format=csv").await;
        let rows = csv_rows(&csv);
        assert_eq!(row_of(&rows, "北岭县人民政府")["报告情况"], "未报告");
        assert!(row_of(&rows, "市文化和旅游局")["报告情况"].starts_with("零报告"));
        let (status, html) = get(&server, &desk, "/api/v1/reports/daily/2026-10-02").await;
        assert_eq!(status, 200);
        assert!(html.contains("<td class=\"bad\">未报告</td>"), "silence is marked in the page");
        assert!(html.contains("1个单位未报告（市文化和旅游局）"), "and named in the lead: {html}");

        // The monthly digest of this month counts what the projections hold.
        let today = Utc::now().with_timezone(&office_time_zone()).date_naive();
        let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("month");
        let next = (first + Duration::days(32)).with_day(1).expect("next month");
        let month = first.format("%Y-%m").to_string();
        let (status, csv) = get(&server, &desk, &format!("/api/v1/reports/monthly/{month}?format=csv")).await;
        assert_eq!(status, 200, "{csv}");
        let digest = csv_rows(&csv);
        let (_, listed) = get(&server, &desk, &format!("/api/v1/incidents?from={first}&to={next}&limit=1000")).await;
        let listed: Value = serde_json::from_str(&listed).expect("json");
        let projected = listed["incidents"].as_array().expect("incidents");
        assert_eq!(digest.len(), projected.len(), "{backend:?}: the digest lists every incident of {month}");
        let mut by_grade_digest: BTreeMap<String, usize> = BTreeMap::new();
        for row in &digest {
            *by_grade_digest.entry(row["等级"].clone()).or_default() += 1;
        }
        let mut by_grade_projected: BTreeMap<String, usize> = BTreeMap::new();
        for incident in projected {
            let grade = match incident["effective_grade"].as_str().expect("grade") {
                "I" => "Ⅰ级",
                "II" => "Ⅱ级",
                "III" => "Ⅲ级",
                _ => "Ⅳ级",
            };
            *by_grade_projected.entry(grade.to_owned()).or_default() += 1;
        }
        assert_eq!(by_grade_digest, by_grade_projected, "{backend:?}");

        // Tourism's score: the stand-in found on 6 October and the late National Day filing, each with its record.
        let (status, sheet) = get(&server, &desk, "/api/v1/scores/tourism?year=2026").await;
        assert_eq!(status, 200, "{sheet}");
        let sheet: Value = serde_json::from_str(&sheet).expect("json");
        let deductions: Vec<&Value> =
            sheet["lines"].as_array().expect("lines").iter().filter(|l| l["points"].as_f64() < Some(0.0)).collect();
        let facts: Vec<&str> = deductions.iter().filter_map(|l| l["fact_zh"].as_str()).collect();
        assert_eq!(facts, vec!["值班表迟报备", "抽查替岗"], "{sheet}");
        // Each points to its record: the round shows tourism late by as much, the plan holds the check.
        let filing = deductions.iter().find(|l| l["fact"] == "late_filing").expect("the late filing");
        let round = filing["document"].as_str().expect("round").trim_start_matches("automerge:");
        let (status, detail) = get(&server, &desk, &format!("/api/v1/filings/{round}")).await;
        assert_eq!(status, 200, "{detail}");
        let detail: Value = serde_json::from_str(&detail).expect("json");
        let tourism =
            detail["units"].as_array().expect("units").iter().find(|u| u["unit"] == "tourism").expect("tourism");
        assert_eq!(tourism["late_by_minutes"], 601, "filed 29 September 10:00, due 28 September 23:59: {tourism}");
        let (_, checks) = get(&server, &desk, "/api/v1/spot-checks?unit=tourism&findings=true").await;
        let checks: Value = serde_json::from_str(&checks).expect("json");
        let found = checks["checks"].as_array().expect("checks");
        assert_eq!(found.len(), 1, "{checks}");
        let check = deductions.iter().find(|l| l["fact_zh"] == "抽查替岗").expect("the check");
        assert_eq!(check["reference"], found[0]["check"], "the plan's check id: {check}");
        assert_eq!(check["document"], found[0]["document"], "{check}");
        assert_eq!(found[0]["outcome"], "stand_in");
        assert_eq!(sheet["total"], 97.0, "100 − 1 (late filing) − 2 (stand-in): {sheet}");
        let (_, board) = get(&server, &desk, "/api/v1/scores?year=2026").await;
        let board: Value = serde_json::from_str(&board).expect("json");
        assert_eq!(board["units"].as_array().map(Vec::len), Some(13), "{board}");
        assert_eq!(board["units"][0]["rank"], 1);

        // The fourth quarter's bulletin lists the three findings.
        let (status, csv) = get(&server, &desk, "/api/v1/reports/quarterly/2026-Q4?format=csv").await;
        assert_eq!(status, 200, "{csv}");
        let bulletin = csv_rows(&csv);
        let findings: usize = bulletin.iter().map(|r| r["抽查发现"].parse::<usize>().expect("count")).sum();
        assert_eq!(findings, 3, "{bulletin:?}");
        assert_eq!(row_of(&bulletin, "市文化和旅游局")["年度累计得分"], "97");

        // A unit's officers see their units' scores made of the records they may see: not lines from the
        // desk's spot-check plans or assessment record. Field reporters and administrators see no scores.
        let officer = demo_login(&server, "beiling-officer-1").await;
        let sheet_as = |token: String| {
            let server = &server;
            async move {
                let (status, body) = get(server, &token, "/api/v1/scores/beiling?year=2026").await;
                assert_eq!(status, 200, "{body}");
                serde_json::from_str::<Value>(&body).expect("json")
            }
        };
        let document_of =
            |line: &Value| line["document"].as_str().expect("document").trim_start_matches("automerge:").to_owned();
        let full = sheet_as(desk.clone()).await;
        // What only the desk sees: its spot-check plans and its assessment record (adoptions, criticisms).
        let (_, checks) = get(&server, &desk, "/api/v1/spot-checks").await;
        let checks: Value = serde_json::from_str(&checks).expect("json");
        let mut hidden: Vec<String> = checks["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter_map(|c| c["document"].as_str())
            .map(|d| d.trim_start_matches("automerge:").to_owned())
            .collect();
        let assessed = ["adopted", "non_standard_report", "criticism"];
        for line in full["lines"].as_array().expect("lines") {
            if assessed.iter().any(|fact| line["fact"].to_string().contains(fact)) {
                hidden.push(document_of(line));
            }
        }
        assert!(
            full["lines"].as_array().expect("lines").iter().any(|l| hidden.contains(&document_of(l))),
            "{backend:?}: beiling's score has lines from the desk's own records: {full}"
        );
        let own = sheet_as(officer.clone()).await;
        let lines = own["lines"].as_array().expect("lines");
        assert!(!lines.is_empty(), "{own}");
        assert!(lines.iter().all(|l| !hidden.contains(&document_of(l))), "{backend:?}: a desk-only line: {own}");
        let points: f64 = lines.iter().filter_map(|l| l["points"].as_f64()).sum();
        assert_eq!(own["total"].as_f64(), Some(100.0 + points), "{backend:?}: made of the lines shown: {own}");
        let (_, board) = get(&server, &officer, "/api/v1/scores?year=2026").await;
        let board: Value = serde_json::from_str(&board).expect("json");
        let units: Vec<&str> =
            board["units"].as_array().expect("units").iter().filter_map(|u| u["unit"].as_str()).collect();
        assert_eq!(units, vec!["beiling"], "{backend:?}: only the units they oversee: {board}");
        let (status, _) = get(&server, &officer, "/api/v1/scores/tourism?year=2026").await;
        assert_eq!(status, 404, "{backend:?}: another unit's sheet");
        for outsider in ["city-admin", "beiling-field"] {
            let token = demo_login(&server, outsider).await;
            let (status, body) = get(&server, &token, "/api/v1/scores/beiling?year=2026").await;
            assert_eq!(status, 404, "{backend:?}: {outsider}: {body}");
            let (status, body) = get(&server, &token, "/api/v1/scores?year=2026").await;
            assert_eq!(status, 403, "{backend:?}: {outsider}: {body}");
        }

        // A unit officer is not sent the publications.
        let officer = demo_login(&server, "beiling-officer-1").await;
        let (status, body) = get(&server, &officer, "/api/v1/reports/yearly/2026").await;
        assert_eq!(status, 403, "{body}");
        let (status, body) = get(&server, &desk, "/api/v1/reports/weekly/2026-40").await;
        assert_eq!(status, 400, "{body}");
        server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn the_daily_report_prints_as_a_page_in_chromium() {
    let Some(browser) = chromium_or_skip("the_daily_report_prints_as_a_page_in_chromium") else { return };
    assert!(has_chinese_fonts(), "no font for Chinese is installed (apt-get install fonts-noto-cjk)");
    let (_db, server) = demo_city(Backend::Sqlite).await;
    let desk = demo_login(&server, "city-officer-1").await;
    let (status, html) = get(&server, &desk, "/api/v1/reports/daily/2026-10-02").await;
    assert_eq!(status, 200);
    server.stop().await.expect("stop");

    // Kept where CI keeps artefacts: target/test-artefacts.
    let artefacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artefacts");
    std::fs::create_dir_all(&artefacts).expect("artefacts folder");
    let page = artefacts.join("daily-2026-10-02.html");
    let png = artefacts.join("daily-2026-10-02.png");
    std::fs::write(&page, &html).expect("page");
    let _ = std::fs::remove_file(&png);
    screenshot(&browser, &page, &png, 900, 1400).expect("screenshot");
    let picture = Picture::open(&png).expect("png");
    assert_eq!((picture.width, picture.height), (900, 1400));
    // The red masthead: the title's strokes in the office's red within the top of the page.
    let red = picture.share(0, 140, |r, g, b| r > 150 && g < 80 && b < 80);
    assert!(red > 0.005, "the masthead's title is drawn in red ({red:.4} of the top band)");
    // Tables and text: a printed page has ink across its body, not a blank or an error page.
    let ink = picture.share(140, 1400, |r, g, b| (r as u32 + g as u32 + b as u32) < 300);
    assert!(ink > 0.01 && ink < 0.5, "the body holds text and table lines ({ink:.4} dark)");
    // The silent unit's cell is red too, below the masthead.
    let red_below = picture.share(300, 1400, |r, g, b| r > 150 && g < 80 && b < 80);
    assert!(red_below > 0.0001, "the silent unit and the finding are marked ({red_below:.5})");
}

/// A title a field reporter typed as a spreadsheet formula reaches the monthly digest's CSV as text (with a
/// leading `'`, so Excel and WPS do not run it), while the bulletin's deductions stay numbers.
#[tokio::test]
async fn a_formula_typed_as_a_title_reaches_the_csv_as_text() {
    use zhiban_model::documents::incident::{FirstReport, ReportDetails};
    let (_db, server) = demo_city(Backend::Sqlite).await;
    let phone = zhiban_tests::Phone::new(&server.http_url()).expect("phone");
    phone.client.login("beiling-field", "demo-beiling-field", "北岭县的手机").await.expect("login");
    phone.client.sync_once(std::time::Duration::from_secs(20)).await.expect("the home and the directory");
    let title = "=HYPERLINK(\"http://evil.example/\",\"点我\")";
    let now = Utc::now().with_timezone(&office_time_zone()).fixed_offset();
    let report = FirstReport {
        title: title.into(),
        unit: "beiling".into(),
        received_at: Some(now),
        details: ReportDetails { account: "有人在标题里写了公式".into(), ..Default::default() },
        ..Default::default()
    };
    phone.client.file_first_report(report, now).expect("filed on the phone");
    phone.client.sync_once(std::time::Duration::from_secs(20)).await.expect("accepted by the server");
    assert!(phone.client.status().expect("status").pending.is_empty());

    let desk = demo_login(&server, "city-officer-1").await;
    let month = now.format("%Y-%m").to_string();
    let (status, csv) = get(&server, &desk, &format!("/api/v1/reports/monthly/{month}?format=csv")).await;
    assert_eq!(status, 200, "{csv}");
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"点我\"\")\""), "the title as text: {csv}");
    assert!(!csv.contains(",=") && !csv.contains(",\"=") && !csv.contains("\n="), "no cell starts a formula: {csv}");
    // The page shows the title as typed.
    let (_, html) = get(&server, &desk, &format!("/api/v1/reports/monthly/{month}")).await;
    assert!(html.contains("=HYPERLINK(") && !html.contains("'=HYPERLINK("), "{html}");

    // A deduction the server computed is a negative number, written as one.
    let (_, csv) = get(&server, &desk, "/api/v1/reports/quarterly/2026-Q4?format=csv").await;
    assert_eq!(row_of(&csv_rows(&csv), "市文化和旅游局")["扣分"], "-3", "{csv}");
    server.stop().await.expect("stop");
}
