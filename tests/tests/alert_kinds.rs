//! Alerts beyond instructions, on a clock the test moves: a serious incident wakes the desk's officers and
//! the leader on duty, whose receipt made offline stops the calls once synced, and an upgrade calls again;
//! the watch reminds a unit of a follow-up report and of an instruction's feedback, and ends each reminder
//! when the report or feedback comes; units that have not filed their roster in the desk's filing round for
//! a holiday are reminded along a chain from the rules file until they file, or the holiday begins, and the
//! round shows who filed on time and who is missing. The API and the console tell the time by the same
//! office clock as the watch: who is on duty, an overdue instruction, a missing filing's deduction.

use std::time::Duration;

use serde_json::json;
use zhiban_model::documents::directory::{Person, Rank, Role};
use zhiban_model::documents::filing_round::{FilingRound, Occasion};
use zhiban_model::documents::incident::{Casualties, FirstReport, ReportDetails};
use zhiban_model::documents::roster::parse_local;
use zhiban_server::office::DutyRules;
use zhiban_tests::accounts::{login, password_of};
use zhiban_tests::alerting::{
    SYNC, alerts_seen_by_desk, east_roster, office_with_push, office_with_rules, phone_with_push, pushes, roster,
};
use zhiban_tests::console::Browser;
use zhiban_tests::duty::{at, create, small_city};
use zhiban_tests::server::http_get_as;
use zhiban_tests::{Backend, InProcessServer, Phone};

fn dead(n: i64) -> ReportDetails {
    ReportDetails {
        account: format!("死亡{n}人"),
        casualties: Some(Casualties { dead: n, ..Default::default() }),
        ..Default::default()
    }
}

/// A first report from east with three dead: grade Ⅲ by the numbers.
fn three_dead(received: &str) -> FirstReport {
    FirstReport {
        title: "东城区客车侧翻".into(),
        unit: "east".into(),
        received_at: Some(at(received)),
        details: ReportDetails { occurred_at: Some(received.into()), ..dead(3) },
        ..Default::default()
    }
}

/// Waits (at most 10 s) until the desk's alerts answer `query` with alerts that satisfy `ready`.
async fn alerts_when(
    server: &InProcessServer,
    query: &str,
    ready: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let answer = alerts_seen_by_desk(server, query).await;
        let alerts = answer["alerts"].as_array().cloned().unwrap_or_default();
        if ready(&alerts) || tokio::time::Instant::now() > deadline {
            return alerts;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn called(recipient: &serde_json::Value) -> Vec<String> {
    let calls = recipient["calls"].as_array().cloned().unwrap_or_default();
    calls.iter().filter_map(|c| c["person"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn a_serious_incident_wakes_the_desk_and_the_leader_on_duty_until_one_acknowledges() {
    let mut city = small_city();
    let deputy = Person {
        name: "值班员乙".into(),
        unit: "city".into(),
        rank: Rank::Section,
        phone: "139-desk2".into(),
        roles: vec![Role::Desk],
    };
    city.people.insert("desk2".into(), deputy);
    for backend in Backend::available() {
        let (_db, clock, server, service) = office_with_push(backend, &city, "2026-10-01T10:00:00+08:00").await;
        let (desk, desk_push) = phone_with_push(&server, &service, "desk").await;
        desk.client.create_roster(&roster("city", 3, "desk", "desk2", "mayor")).expect("the desk's roster");
        desk.client.sync_once(SYNC).await.expect("roster to the server");
        let (_desk2, desk2_push) = phone_with_push(&server, &service, "desk2").await;
        let (mayor, mayor_push) = phone_with_push(&server, &service, "mayor").await;

        // A field reporter files a first report with three dead: grade Ⅲ.
        let li = Phone::signed_in(&server.http_url(), "li").await.expect("li");
        li.client.sync_once(SYNC).await.expect("li's documents");
        let filed =
            li.client.file_first_report(three_dead("2026-10-01T09:55:00+08:00"), at("2026-10-01T10:00:00+08:00"));
        let incident = filed.expect("filed").incident;
        li.client.sync_once(SYNC).await.expect("to the server");

        // The desk's main and deputy officers and the leader on duty are woken at once.
        for (who, subscription) in [("desk", &desk_push), ("desk2", &desk2_push), ("mayor", &mayor_push)] {
            let received = pushes(&service, subscription, 1).await;
            assert_eq!(received.len(), 1, "{backend:?}: {who} is called");
            assert_eq!(received[0]["kind"], "incident");
            assert_eq!(received[0]["document"], incident.url());
            assert_eq!(received[0]["title_class"], "较大突发事件");
            assert_eq!(received[0]["urgency"], "high");
            assert!(!received[0].to_string().contains("客车"), "no report text in a push");
        }
        let alert = pushes(&service, &mayor_push, 1).await[0]["alert"].as_str().expect("alert id").to_owned();

        // The desk's home lists the alert too, for a phone no push reached.
        let listed = |phone: &Phone| phone.client.open_alerts().expect("open alerts");
        let mut listed_on_desk = Vec::new();
        for _ in 0..20 {
            desk.client.sync_once(SYNC).await.expect("the desk's home");
            listed_on_desk = listed(&desk);
            if !listed_on_desk.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(listed_on_desk.len(), 1, "{backend:?}: {listed_on_desk:?}");
        assert_eq!((listed_on_desk[0].alert.as_str(), listed_on_desk[0].kind.as_str()), (alert.as_str(), "incident"));
        assert_eq!(listed_on_desk[0].document, Some(incident));

        // The mayor acknowledges on his phone, offline; the server does not know and calls again.
        mayor.client.sync_once(SYNC).await.expect("the mayor's home");
        mayor.client.acknowledge_alert(&alert, at("2026-10-01T10:01:00+08:00")).expect("acknowledged offline");
        assert!(listed(&mayor).is_empty(), "acknowledged on this phone: no longer open here");
        clock.advance(Duration::from_secs(180));
        assert_eq!(pushes(&service, &mayor_push, 2).await.len(), 2, "{backend:?}: the mayor again");
        assert_eq!(pushes(&service, &desk_push, 2).await.len(), 2, "{backend:?}: the desk again");

        // His receipt arrives: he is the desk's head too, so every call for this alert stops.
        mayor.client.sync_once(SYNC).await.expect("the receipt to the server");
        for _ in 0..3 {
            clock.advance(Duration::from_secs(300));
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
        assert_eq!(service.received(&mayor_push.id).len(), 2, "{backend:?}: no more calls to the mayor");
        assert_eq!(service.received(&desk_push.id).len(), 2, "{backend:?}: nor to the desk");
        let alerts = alerts_when(&server, "?kind=incident", |_| true).await;
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        for recipient in alerts[0]["recipients"].as_array().expect("recipients") {
            assert_eq!(recipient["acknowledged_by"], "mayor", "{recipient}");
            let on_device = recipient["acknowledged_on_device_at"].as_str().unwrap_or_default();
            assert!(on_device.contains("10:01:00"), "the phone's time is kept: {recipient}");
        }
        assert_eq!(alerts[0]["recipients"].as_array().map(Vec::len), Some(2), "the desk and the leader on duty");
        desk.client.sync_once(SYNC).await.expect("the desk's home");
        assert!(listed(&desk).is_empty(), "{backend:?}: answered, so off the desk's list: {:?}", listed(&desk));

        // A follow-up raises the toll to twelve dead: grade Ⅱ, and everyone is woken again.
        li.client.add_follow_up(incident, dead(12), at("2026-10-01T10:30:00+08:00")).expect("follow-up");
        li.client.sync_once(SYNC).await.expect("to the server");
        let upgraded = pushes(&service, &desk_push, 3).await;
        assert_eq!(upgraded.len(), 3, "{backend:?}: the desk is called for the upgrade");
        assert_eq!(upgraded[2]["title_class"], "重大突发事件");
        assert_ne!(upgraded[2]["alert"], alert.as_str(), "a new alert");

        // The desk flags it sensitive: that is alerted too, once.
        desk.client.fetch(incident, SYNC).await.expect("the desk has the incident");
        desk.client.set_path(incident, "sensitive", &serde_json::json!(true)).expect("flagged");
        desk.client.sync_once(SYNC).await.expect("to the server");
        let flagged = pushes(&service, &desk_push, 4).await;
        assert_eq!(flagged.len(), 4, "{backend:?}: the desk is called for the flag");
        assert_eq!(flagged[3]["title_class"], "敏感突发事件");
        server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn the_watch_reminds_of_follow_ups_and_feedback_and_ends_each_reminder_when_it_comes() {
    for backend in Backend::available() {
        let (_db, clock, server, _service) =
            office_with_push(backend, &small_city(), "2026-10-01T10:00:00+08:00").await;
        let wang = Phone::signed_in(&server.http_url(), "wang").await.expect("wang");
        wang.client.sync_once(SYNC).await.expect("wang's documents");
        wang.client.create_roster(&roster("east", 12, "wang", "zhao", "east-chief")).expect("east's roster");
        wang.client.sync_once(SYNC).await.expect("roster to the server");
        let li = Phone::signed_in(&server.http_url(), "li").await.expect("li");
        li.client.sync_once(SYNC).await.expect("li's documents");
        let filed =
            li.client.file_first_report(three_dead("2026-10-01T09:50:00+08:00"), at("2026-10-01T10:00:00+08:00"));
        let incident = filed.expect("filed").incident;
        li.client.sync_once(SYNC).await.expect("to the server");
        let mayor = Phone::signed_in(&server.http_url(), "mayor").await.expect("mayor");
        mayor.client.sync_once(SYNC).await.expect("the mayor's documents");
        let instruction = mayor
            .client
            .issue_instruction("mayor", at("2026-10-01T10:00:00+08:00"), "全力救治伤员", None, &["east".into()])
            .expect("issued");
        mayor.client.sync_once(SYNC).await.expect("to the server");

        // A grade Ⅲ incident owes a follow-up within a day of its last report: an hour before, east's
        // officers on duty are reminded.
        clock.advance(Duration::from_secs(22 * 3600));
        tokio::time::sleep(Duration::from_millis(2000)).await;
        assert!(alerts_seen_by_desk(&server, "?kind=report_due").await["alerts"][0].is_null(), "not yet");
        clock.advance(Duration::from_secs(3600 + 60));
        let due =
            alerts_when(&server, "?kind=report_due", |a| !a.is_empty() && !called(&a[0]["recipients"][0]).is_empty())
                .await;
        assert_eq!(due.len(), 1, "{backend:?}: {due:?}");
        assert_eq!(due[0]["title_class"], "续报时限将至");
        assert_eq!(due[0]["document"], incident.url());
        let east = &due[0]["recipients"][0];
        assert_eq!(east["recipient"], "east");
        assert_eq!(called(east), vec!["wang", "zhao"], "the main and deputy officers on duty: {east}");

        // The follow-up comes: the reminder ends.
        li.client.add_follow_up(incident, dead(3), at("2026-10-02T09:30:00+08:00")).expect("follow-up");
        li.client.sync_once(SYNC).await.expect("to the server");
        clock.advance(Duration::from_secs(60));
        let ended = alerts_when(&server, "?kind=report_due", |a| a.iter().all(|x| !x["resolved_at"].is_null())).await;
        assert_eq!(ended[0]["resolution"], "已报送", "{backend:?}: {ended:?}");
        assert_eq!(ended.len(), 1, "no new reminder right after a report");

        // Feedback on the instruction (issued in the National Day holiday) is due at the end of the third
        // working day, 10 October: reminded a day before, alerted again once overdue.
        clock.set_millis(at("2026-10-10T00:30:00+08:00").timestamp_millis());
        let near = alerts_when(&server, "?kind=feedback_due", |a| !a.is_empty()).await;
        assert_eq!(near.len(), 1, "{backend:?}: {near:?}");
        assert_eq!(near[0]["title_class"], "批示反馈期限将至");
        assert_eq!(near[0]["document"], instruction.url());
        assert_eq!(near[0]["recipients"][0]["recipient"], "east");
        clock.set_millis(at("2026-10-11T00:30:00+08:00").timestamp_millis());
        // Ready once the overdue alert's first calls are made (the watch raises it, the next tick calls).
        let overdue =
            alerts_when(&server, "?kind=feedback_due", |a| a.len() == 2 && !called(&a[0]["recipients"][0]).is_empty())
                .await;
        let titles: Vec<&str> = overdue.iter().filter_map(|a| a["title_class"].as_str()).collect();
        assert_eq!(titles, vec!["批示反馈已逾期", "批示反馈期限将至"], "{backend:?}: newest first");
        assert_eq!(overdue[1]["resolution"], "已逾期", "the reminder gives way to the overdue alert");
        assert_eq!(called(&overdue[0]["recipients"][0]), vec!["wang", "zhao"]);

        // East gives its feedback: the overdue alert ends.
        wang.client.fetch(instruction, SYNC).await.expect("wang has the instruction");
        wang.client.give_feedback(instruction, "伤员均已救治", at("2026-10-11T09:00:00+08:00")).expect("feedback");
        wang.client.sync_once(SYNC).await.expect("to the server");
        clock.advance(Duration::from_secs(60));
        let done = alerts_when(&server, "?kind=feedback_due", |a| a.iter().all(|x| !x["resolved_at"].is_null())).await;
        assert_eq!(done[0]["resolution"], "已反馈", "{backend:?}: {done:?}");
        server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn units_of_a_filing_round_that_have_not_filed_are_reminded_along_the_configured_chain() {
    let rules_file = tempfile::NamedTempFile::new().expect("rules file");
    std::fs::write(
        rules_file.path(),
        r#"{"escalation": {"roster_filing": [{"notify": ["unit_head"], "wait_minutes": 60, "times": 2}]}}"#,
    )
    .expect("write rules");
    let rules = DutyRules::load(Some(rules_file.path()), None).expect("rules");
    for backend in Backend::available() {
        // 27 September: National Day's rosters are due by the end of 28 September (three working days
        // before 1 October); reminders go out two days before that.
        let (_db, clock, server, _service) =
            office_with_rules(backend, &small_city(), "2026-09-27T09:00:00+08:00", rules.clone()).await;
        // The desk opens the round for National Day: every unit files by the end of 28 September.
        let desk = Phone::signed_in(&server.http_url(), "desk").await.expect("desk");
        desk.client.sync_once(SYNC).await.expect("desk's documents");
        let local = |text: &str| parse_local("time", text).expect("time");
        let round = FilingRound::new(
            "2026年国庆节假期值班表报备",
            Occasion::Holiday,
            (local("2026-10-01T00:00"), local("2026-10-08T08:00")),
            local("2026-09-28T23:59"),
            vec!["city".into(), "east".into(), "water".into()],
            "desk",
            local("2026-09-27T09:00"),
        );
        let round_id = create(&desk, &round);
        desk.client.sync_once(SYNC).await.expect("round to the server");
        clock.advance(Duration::from_secs(60));
        let east_called = |a: &serde_json::Value| {
            a["recipients"][0]["recipient"] == "east" && !called(&a["recipients"][0]).is_empty()
        };
        let reminded = alerts_when(&server, "?kind=roster_filing", |a| a.len() == 2 && a.iter().any(east_called)).await;
        let units: Vec<&str> = reminded.iter().filter_map(|a| a["recipients"][0]["recipient"].as_str()).collect();
        assert_eq!(units.len(), 2, "{backend:?}: east and water, not the desk itself: {reminded:?}");
        assert!(units.contains(&"east") && units.contains(&"water"), "{units:?}");
        assert!(
            reminded
                .iter()
                .all(|a| a["title_class"] == "2026年国庆节假期值班表报备：尚未报备" && a["document"] == round_id.url()),
            "{reminded:?}"
        );
        let east = reminded.iter().find(|a| a["recipients"][0]["recipient"] == "east").expect("east");
        assert_eq!(called(&east["recipients"][0]), vec!["east-chief"], "the chain from the rules file");

        // East files its roster for the holiday: its reminder ends; water's goes on.
        let wang = Phone::signed_in(&server.http_url(), "wang").await.expect("wang");
        wang.client.sync_once(SYNC).await.expect("wang's documents");
        let mut holiday_roster = roster("east", 7, "wang", "zhao", "east-chief");
        let filed_at = at("2026-09-27T10:00:00+08:00").naive_local();
        holiday_roster.file("wang", filed_at).expect("filed");
        wang.client.create_roster(&holiday_roster).expect("roster");
        wang.client.sync_once(SYNC).await.expect("to the server");
        clock.advance(Duration::from_secs(60));
        let after = alerts_when(&server, "?kind=roster_filing&open=true", |a| a.len() == 1).await;
        assert_eq!(after.len(), 1, "{backend:?}: {after:?}");
        assert_eq!(after[0]["recipients"][0]["recipient"], "water");
        let all = alerts_seen_by_desk(&server, "?kind=roster_filing").await;
        let east = all["alerts"].as_array().expect("alerts").iter().find(|a| a["recipients"][0]["recipient"] == "east");
        assert_eq!(east.expect("east")["resolution"], "已报备");

        // The holiday begins with water's roster still not filed: the reminder ends; the late filing is
        // the desk's to record.
        clock.set_millis(at("2026-10-01T00:00:30+08:00").timestamp_millis());
        let over = alerts_when(&server, "?kind=roster_filing&open=true", |a| a.is_empty()).await;
        assert!(over.is_empty(), "{backend:?}: {over:?}");
        let all = alerts_seen_by_desk(&server, "?kind=roster_filing").await;
        let water =
            all["alerts"].as_array().expect("alerts").iter().find(|a| a["recipients"][0]["recipient"] == "water");
        assert_eq!(water.expect("water")["resolution"], "报备期已过，未按时报备");

        // The round, as the desk sees it: east filed on time, water is missing, and the desk itself (which
        // files with itself) has not filed either.
        let token = login(&server.http_url(), "desk").await.expect("desk");
        let path = format!("/api/v1/filings/{}?at=2026-10-01T00:00:30%2B08:00", round_id);
        let (status, body) = http_get_as(server.addr, &path, &token).await.expect("round");
        assert_eq!(status, 200, "{body}");
        let detail: serde_json::Value = serde_json::from_str(&body).expect("json");
        let state_of = |unit: &str| {
            let units = detail["units"].as_array().expect("units");
            units.iter().find(|u| u["unit"] == unit).map(|u| (u["state"].clone(), u["late_by_minutes"].clone()))
        };
        assert_eq!(state_of("east"), Some((json!("filed"), json!(null))), "{detail}");
        assert_eq!(state_of("water"), Some((json!("missing"), json!(null))), "{detail}");
        assert_eq!(detail["counts"]["missing"], 2, "{detail}");
        assert_eq!(detail["units"][1]["state_zh"], "已报备待审", "{detail}");
        // East's officer sees the round, but only east in it.
        let wang_token = login(&server.http_url(), "wang").await.expect("wang");
        let (status, body) = http_get_as(server.addr, &path, &wang_token).await.expect("round");
        assert_eq!(status, 200, "{body}");
        let seen: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(seen["units"].as_array().map(Vec::len), Some(1), "{seen}");
        server.stop().await.expect("stop");
    }
}

#[tokio::test]
async fn the_api_and_the_console_tell_the_time_by_the_office_clock_the_watch_keeps() {
    for backend in Backend::available() {
        // 10:00 on 1 October 2026 by the office's clock, whatever the machine's says.
        let (_db, clock, server, _service) =
            office_with_push(backend, &small_city(), "2026-10-01T10:00:00+08:00").await;
        let wang = Phone::signed_in(&server.http_url(), "wang").await.expect("wang");
        wang.client.sync_once(SYNC).await.expect("wang's documents");
        wang.client.create_roster(&east_roster()).expect("east's roster for 1 October");
        wang.client.sync_once(SYNC).await.expect("roster to the server");
        let mayor = Phone::signed_in(&server.http_url(), "mayor").await.expect("mayor");
        mayor.client.sync_once(SYNC).await.expect("the mayor's documents");
        // Feedback is due at the end of the third working day after the holiday: 10 October.
        let instruction = mayor
            .client
            .issue_instruction("mayor", at("2026-10-01T10:00:00+08:00"), "做好节日值守", None, &["east".into()])
            .expect("issued");
        mayor.client.sync_once(SYNC).await.expect("to the server");
        // Water owes its roster for a period that starts on 5 October; it never files.
        let desk_phone = Phone::signed_in(&server.http_url(), "desk").await.expect("desk");
        desk_phone.client.sync_once(SYNC).await.expect("desk's documents");
        let local = |text: &str| parse_local("time", text).expect("time");
        let title = "2026年10月安全生产特护期值班表报备";
        let round = FilingRound::new(
            title,
            Occasion::SpecialPeriod,
            (local("2026-10-05T00:00"), local("2026-10-08T08:00")),
            local("2026-10-03T17:00"),
            vec!["water".into()],
            "desk",
            local("2026-10-01T10:00"),
        );
        create(&desk_phone, &round);
        desk_phone.client.sync_once(SYNC).await.expect("round to the server");

        // Signed in afresh each time: ten days on, by the same clock, yesterday's token has long expired.
        let api = |path: String| {
            let (url, addr) = (server.http_url(), server.addr);
            async move {
                let token = login(&url, "desk").await.expect("desk");
                let (status, body) = http_get_as(addr, &path, &token).await.expect("api");
                assert_eq!(status, 200, "{path}: {body}");
                serde_json::from_str::<serde_json::Value>(&body).expect("json")
            }
        };
        let console = || async {
            let mut browser = Browser::new(&server.http_url());
            browser.sign_in("desk", &password_of("desk")).await;
            browser
        };
        let missing_filing = |sheet: &serde_json::Value| {
            sheet["lines"].as_array().expect("lines").iter().any(|l| l["fact"] == "missing_filing")
        };
        let instruction_path = format!("/api/v1/instructions/{instruction}");
        let page_path = format!("/instructions/{instruction}");

        // 1 October, 10:00: wang is on duty, the feedback is not yet due, and water's period has not begun.
        let on_duty = api("/api/v1/units/east/on-duty".into()).await;
        assert_eq!(on_duty["main"]["person"], "wang", "{backend:?}: {on_duty}");
        assert_eq!(on_duty["at"], "2026-10-01T10:00:00+08:00", "{backend:?}: now is the office's: {on_duty}");
        let detail = api(instruction_path.clone()).await;
        assert_eq!(detail["feedback_overdue"], false, "{backend:?}: {detail}");
        let overdue = api("/api/v1/instructions?overdue=true".into()).await;
        assert_eq!(overdue["instructions"].as_array().map(Vec::len), Some(0), "{backend:?}: {overdue}");
        let water = api("/api/v1/scores/water".into()).await;
        assert!(!missing_filing(&water), "{backend:?}: water's period has not begun: {water}");
        let mut desk = console().await;
        let page = desk.get(&page_path).await;
        assert!(page.status.is_success() && page.body.contains("做好节日值守"), "{backend:?}: {}", page.body);
        assert!(!page.body.contains("已超时"), "{backend:?}: nothing is late yet: {}", page.body);
        let sheet = desk.get("/scores/water").await;
        assert!(sheet.status.is_success() && sheet.body.contains("市水务局"), "{backend:?}: {}", sheet.body);
        assert!(!sheet.body.contains(title), "{backend:?}: no deduction yet: {}", sheet.body);

        // 11 October, 00:30: the watch finds the feedback overdue, and so do the API and the console.
        clock.set_millis(at("2026-10-11T00:30:00+08:00").timestamp_millis());
        let raised =
            alerts_when(&server, "?kind=feedback_due", |a| a.iter().any(|x| x["title_class"] == "批示反馈已逾期"))
                .await;
        assert!(raised.iter().any(|x| x["title_class"] == "批示反馈已逾期"), "{backend:?}: {raised:?}");
        let on_duty = api("/api/v1/units/east/on-duty".into()).await;
        assert!(on_duty["main"].is_null(), "{backend:?}: east's roster ended on 2 October: {on_duty}");
        let detail = api(instruction_path.clone()).await;
        assert_eq!(detail["feedback_overdue"], true, "{backend:?}: {detail}");
        let overdue = api("/api/v1/instructions?overdue=true".into()).await;
        assert_eq!(overdue["instructions"][0]["document"], instruction.url(), "{backend:?}: {overdue}");
        let water = api("/api/v1/scores/water".into()).await;
        assert!(missing_filing(&water), "{backend:?}: water never filed: {water}");
        let mut desk = console().await;
        let page = desk.get(&page_path).await;
        assert!(page.body.contains("已超时"), "{backend:?}: the feedback is late: {}", page.body);
        let sheet = desk.get("/scores/water").await;
        assert!(sheet.body.contains(title) && sheet.body.contains("未报备"), "{backend:?}: {}", sheet.body);
        server.stop().await.expect("stop");
    }
}
