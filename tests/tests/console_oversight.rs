//! The desk's oversight at the console over real HTTP, on both backends: drawing a spot-check plan and
//! recording calls (a missing ring time said by its field, a result on record not rewritten, a unit
//! outside the plan checked too, the results reaching the desk's phone); logging a call and handing over
//! to the next shift with the open matters prefilled; the incident analysis with its trend chart. A form
//! without the session's token changes nothing.

use reqwest::StatusCode;
use zhiban_model::documents::incident::{FirstReport, ReportDetails};
use zhiban_tests::Backend;
use zhiban_tests::Phone;
use zhiban_tests::accounts::password_of;
use zhiban_tests::alerting::{SYNC, office_with_push};
use zhiban_tests::console::{Browser, hidden_csrf, section};
use zhiban_tests::duty::{at, small_city};

const TEN_O_CLOCK: &str = "2026-10-01T10:00:00+08:00";

/// The first planned check the recording form offers (`<plan>#<check>`).
fn first_planned(page: &str) -> String {
    let form = section(page, "record-check");
    let at = form.find("<option value=\"automerge:").expect("a planned check in the form") + "<option value=\"".len();
    form[at..].split('"').next().expect("its value").to_owned()
}

/// The recording form's fields for a call to `target` on 1 October.
fn call(token: &str, target: &str, outcome: &str, ring_seconds: &str) -> Vec<(&'static str, String)> {
    [
        ("csrf", token),
        ("day", "2026-10-01"),
        ("target", target),
        ("outcome", outcome),
        ("ring_seconds", ring_seconds),
        ("answered_by", ""),
        ("method", "phone"),
        ("note", "响铃一分钟无人接听"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

fn rows(table: &str) -> usize {
    table.matches("<tr data-check=").count()
}

#[tokio::test]
async fn the_desk_plans_spot_checks_and_records_calls_in_a_few_fields() {
    for backend in Backend::available() {
        let (_db, _clock, server, _service) = office_with_push(backend, &small_city(), TEN_O_CLOCK).await;
        let mut desk = Browser::new(&server.http_url());
        desk.sign_in("desk", &password_of("desk")).await;
        let page = desk.get("/checks").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.body);
        assert!(section(&page.body, "checks-of-day").contains("当日没有抽查计划"), "{}", page.body);
        // Prefilled for the holiday today falls in.
        assert!(section(&page.body, "plan-checks").contains("2026年国庆节假期值班抽查"), "{}", page.body);
        let token = hidden_csrf(&page.body).expect("token");

        let backwards = desk
            .post(
                "/checks/plan",
                &[("csrf", &token), ("title", "抽查"), ("first_day", "2026-10-02"), ("last_day", "2026-10-01")],
            )
            .await;
        assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(backwards.body.contains("id=\"plan-error\"") && backwards.body.contains("结束日期不能早于起始日期"));
        let planned = desk
            .post(
                "/checks/plan",
                &[
                    ("csrf", &token),
                    ("title", "2026年国庆节假期值班抽查"),
                    ("first_day", "2026-10-01"),
                    ("last_day", "2026-10-02"),
                    ("per_session", "1"),
                ],
            )
            .await;
        assert_eq!(planned.status, StatusCode::SEE_OTHER, "{backend:?}: {}", planned.body);
        assert_eq!(planned.location.as_deref(), Some("/checks?day=2026-10-01"));
        let day = desk.get("/checks?day=2026-10-01").await;
        let table = section(&day.body, "checks-of-day");
        assert_eq!(rows(table), 3, "one unit in each of the three sessions: {table}");
        assert!(table.contains("上午") && table.contains("晚上") && table.contains("0000-"), "duty phones: {table}");
        assert!(table.contains("值班表在岗"), "today's checks show who the roster has on duty: {table}");
        assert!(!table.contains("市政府总值班室"), "the desk does not check itself: {table}");
        assert_eq!(rows(section(&desk.get("/checks?day=2026-10-02").await.body, "checks-of-day")), 3);

        // The morning's check is preselected; an unanswered call without its ring time is said by that field.
        let target = first_planned(&day.body);
        assert!(day.body.contains(&format!("value=\"{target}\" selected")), "preselected: {}", day.body);
        let fields = call(&token, &target, "unanswered", "");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let missing = desk.post("/checks", &fields).await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {}", missing.body);
        assert!(
            missing.body.contains("id=\"ring-seconds-error\"") && missing.body.contains("振铃时长"),
            "{}",
            missing.body
        );
        let forged: Vec<(&str, &str)> =
            fields.iter().map(|(k, v)| if *k == "csrf" { (*k, "zcf_forged") } else { (*k, *v) }).collect();
        assert_eq!(desk.post("/checks", &forged).await.status, StatusCode::FORBIDDEN, "{backend:?}");

        let fields = call(&token, &target, "unanswered", "60");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let recorded = desk.post("/checks", &fields).await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{backend:?}: {}", recorded.body);
        let day = desk.get("/checks?day=2026-10-01").await;
        let table = section(&day.body, "checks-of-day");
        assert!(table.contains("长时间无人接听") && table.contains("振铃 60 秒"), "{table}");
        assert!(table.contains("值班员甲") && table.contains("发现问题 1 处"), "{table}");
        // The same check again: the result on record stands.
        let again = desk.post("/checks", &fields).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {}", again.body);
        assert!(again.body.contains("id=\"target-error\"") && again.body.contains("记录后不可更改"), "{}", again.body);

        // A unit the plan did not pick, checked now: a fourth check of today, in the holiday's plan.
        let outside = desk
            .post(
                "/checks",
                &[
                    ("csrf", &token),
                    // A day that is not one goes nowhere near the answer's headers.
                    ("day", "2026-10-01\r\nSet-Cookie: x=y"),
                    ("target", "unit:water"),
                    ("outcome", "proper"),
                    ("answered_by", "钱七"),
                    ("method", "video"),
                ],
            )
            .await;
        assert_eq!(outside.status, StatusCode::SEE_OTHER, "{backend:?}: {}", outside.body);
        assert_eq!(outside.location.as_deref(), Some("/checks?day=2026-10-01"), "today, from the server's clock");
        let table = section(&desk.get("/checks?day=2026-10-01").await.body, "checks-of-day").to_owned();
        assert_eq!(rows(&table), 4, "{table}");
        assert!(table.contains("在岗规范") && table.contains("接听：钱七"), "{table}");

        // The desk's phone has the plan with both results: the console's calls synced like a phone's.
        let phone = Phone::signed_in(&server.http_url(), "desk").await.expect("the desk's phone");
        phone.client.sync_once(SYNC).await.expect("the plans");
        let findings = phone.client.past_findings().expect("findings");
        assert_eq!(findings.values().sum::<u32>(), 1, "{backend:?}: the unanswered call, on the phone: {findings:?}");
    }
}

#[tokio::test]
async fn the_desk_logs_a_call_and_hands_over_with_the_open_matters() {
    for backend in Backend::available() {
        let (_db, _clock, server, _service) = office_with_push(backend, &small_city(), TEN_O_CLOCK).await;
        let li = Phone::signed_in(&server.http_url(), "li").await.expect("li");
        li.client.sync_once(SYNC).await.expect("li's documents");
        let report = FirstReport {
            title: "东城区商场火灾".into(),
            unit: "east".into(),
            received_at: Some(at("2026-10-01T09:40:00+08:00")),
            details: ReportDetails { account: "商场三楼起火，已疏散".into(), ..Default::default() },
            ..Default::default()
        };
        li.client.file_first_report(report, at("2026-10-01T09:50:00+08:00")).expect("filed");
        li.client.sync_once(SYNC).await.expect("the report to the server");

        let mut desk = Browser::new(&server.http_url());
        desk.sign_in("desk", &password_of("desk")).await;
        let page = desk.get("/log").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.body);
        assert!(page.body.contains("市政府总值班室 值班日志"), "the desk's own unit: {}", page.body);
        assert!(section(&page.body, "log-entries").contains("本月尚无记录"));
        // The handover note starts from what is still open.
        assert!(section(&page.body, "handover-form").contains("突发事件：东城区商场火灾"), "{}", page.body);
        let token = hidden_csrf(&page.body).expect("token");

        let empty = desk.post("/log", &[("csrf", &token), ("kind", "call"), ("at", "2026-10-01T09:30")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(empty.body.contains("id=\"entry-summary-error\""), "{}", empty.body);
        let call = [
            ("csrf", token.as_str()),
            ("kind", "call"),
            ("at", "2026-10-01T09:30"),
            ("counterpart", "市民张先生"),
            ("summary", "反映东城区某小区停水"),
            ("handling", "已转市水务局处理"),
        ];
        let forged: Vec<(&str, &str)> =
            call.iter().map(|(k, v)| if *k == "csrf" { (*k, "zcf_forged") } else { (*k, *v) }).collect();
        assert_eq!(desk.post("/log", &forged).await.status, StatusCode::FORBIDDEN, "{backend:?}");
        let logged = desk.post("/log", &call).await;
        assert_eq!(logged.status, StatusCode::SEE_OTHER, "{backend:?}: {}", logged.body);
        assert_eq!(logged.location.as_deref(), Some("/log?month=2026-10"));
        let page = desk.get("/log?month=2026-10").await;
        let entries = section(&page.body, "log-entries").to_owned();
        assert!(entries.contains("共 1 条") && entries.contains("来电") && entries.contains("市民张先生"), "{entries}");
        assert!(entries.contains("10月1日 09:30") && entries.contains("值班员甲"), "{entries}");

        let nobody = desk.post("/log/handover", &[("csrf", &token), ("incoming", ""), ("note", "x")]).await;
        assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(nobody.body.contains("id=\"incoming-error\""), "{}", nobody.body);
        let elsewhere = desk.post("/log/handover", &[("csrf", &token), ("incoming", "wang"), ("note", "x")]).await;
        assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY, "another unit's officer does not take over");
        let handed = desk
            .post("/log/handover", &[("csrf", &token), ("incoming", "mayor"), ("note", "1. 东城区商场火灾续报待收")])
            .await;
        assert_eq!(handed.status, StatusCode::SEE_OTHER, "{backend:?}: {}", handed.body);
        // Both entries in the same month's log, and the board shows the handover.
        let entries = section(&desk.get("/log?month=2026-10").await.body, "log-entries").to_owned();
        assert!(entries.contains("共 2 条") && entries.contains("接班：高市长"), "{entries}");
        let board = desk.get("/now").await;
        let handover = section(&board.body, "handover");
        assert!(handover.contains("值班员甲 交 高市长") && handover.contains("续报待收"), "{handover}");

        // On the desk's phone: one log for the month, holding both entries.
        let phone = Phone::signed_in(&server.http_url(), "desk").await.expect("the desk's phone");
        phone.client.sync_once(SYNC).await.expect("the logs");
        let logs = phone.client.duty_logs_held().expect("logs");
        let months: Vec<(&str, &str, usize)> =
            logs.iter().map(|(_, l)| (l.unit.as_str(), l.month.as_str(), l.entries.len())).collect();
        assert_eq!(months, vec![("city", "2026-10", 2)], "{backend:?}");

        // Another unit's log is read, not written.
        let east = desk.get("/log?unit=east").await;
        assert!(east.body.contains("东城区 值班日志") && !east.body.contains("id=\"log-entry\""), "{}", east.body);
    }
}

#[tokio::test]
async fn the_analysis_page_draws_the_trend_and_lists_frequency_and_warnings() {
    for backend in Backend::available() {
        let (_db, _clock, server, _service) = office_with_push(backend, &small_city(), TEN_O_CLOCK).await;
        let li = Phone::signed_in(&server.http_url(), "li").await.expect("li");
        li.client.sync_once(SYNC).await.expect("li's documents");
        for (title, received) in
            [("东城区商场火灾", "2026-09-20T09:40:00+08:00"), ("东城区民房火灾", "2026-10-01T08:10:00+08:00")]
        {
            let report = FirstReport {
                title: title.into(),
                unit: "east".into(),
                received_at: Some(at(received)),
                details: ReportDetails { account: "起火，已扑灭".into(), ..Default::default() },
                ..Default::default()
            };
            li.client.file_first_report(report, at("2026-10-01T09:50:00+08:00")).expect("filed");
        }
        li.client.sync_once(SYNC).await.expect("the reports to the server");

        let mut desk = Browser::new(&server.http_url());
        desk.sign_in("desk", &password_of("desk")).await;
        let page = desk.get("/analysis").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.body);
        let trend = section(&page.body, "trend");
        assert!(trend.contains("共 2 起") && trend.contains("<polyline class=\"line\""), "{backend:?}: {trend}");
        let frequency = section(&page.body, "frequency");
        assert!(frequency.contains("<td>2</td>"), "both in one category and region: {frequency}");
        assert!(section(&page.body, "warnings").contains("事件预警"));
        assert!(section(&page.body, "compound").contains("复合风险"));
        assert!(page.body.contains("aria-current=\"page\">事件分析"), "named in the header");

        let daily = desk.get("/analysis?from=2026-09-01&to=2026-10-01&window_days=1").await;
        assert_eq!(daily.status, StatusCode::OK, "{backend:?}");
        assert!(daily.body.contains("每 1 天一个统计点"), "{}", daily.body);
        assert!(
            section(&daily.body, "trend").contains(">9月1日</text>"),
            "windows labelled by their day: {}",
            daily.body
        );
        let backwards = desk.get("/analysis?from=2026-10-02&to=2026-09-01").await;
        assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {}", backwards.body);
        assert!(backwards.body.contains("id=\"analysis-error\""), "{}", backwards.body);
    }
}
