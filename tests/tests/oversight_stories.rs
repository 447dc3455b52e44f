//! The desk's oversight as people do it on their phones, through a real server: the desk opens the National
//! Day filing round from the calendar and plans the first day's spot checks; a check finds an empty post;
//! east's officer files a zero report for the day and water's stays silent; water's roster with empty deputy
//! posts cannot be filed; east's is filed and the desk returns it with a reason, which the round shows; a leader's phone receives the
//! desk's records; the daily report tells east from water; a unit officer cannot plan checks.

use chrono::NaiveDate;
use zhiban_client_core::{ClientError, holiday_round_terms};
use zhiban_model::documents::filing_round::Occasion;
use zhiban_model::documents::spot_check::{Method, Outcome};
use zhiban_model::rules::spot_checks::SpotCheckRules;
use zhiban_server::office::DutyRules;
use zhiban_tests::accounts::login;
use zhiban_tests::alerting::{SYNC, office_with_rules, roster};
use zhiban_tests::duty::small_city;
use zhiban_tests::server::http_get_as;
use zhiban_tests::{Backend, Phone};

#[tokio::test]
async fn the_desk_checks_duty_rooms_and_the_daily_report_tells_a_zero_report_from_silence() {
    for backend in Backend::available() {
        let (_db, _clock, server, _service) =
            office_with_rules(backend, &small_city(), "2026-09-20T09:00:00+08:00", DutyRules::default()).await;
        let desk = Phone::signed_in(&server.http_url(), "desk").await.expect("desk");
        desk.client.sync_once(SYNC).await.expect("desk's documents");

        let national_day = NaiveDate::from_ymd_opt(2026, 10, 1).expect("date");
        let (title, start, end, deadline) = holiday_round_terms(national_day).expect("National Day is in the calendar");
        assert_eq!(title, "2026年国庆节假期值班表报备");
        let round = desk
            .client
            .open_filing_round(&title, Occasion::Holiday, start, end, deadline, vec!["east".into(), "water".into()])
            .expect("round");
        let plan = desk
            .client
            .plan_spot_checks(
                "国庆节第一天值班抽查",
                Some(round),
                vec![national_day],
                Vec::new(),
                &SpotCheckRules::default(),
                Some(7),
            )
            .expect("plan");
        let checks = desk.client.spot_checks(plan).expect("plan").checks;
        assert_eq!(checks.len(), 6, "two units (fewer than three per session) in each of three sessions: {checks:?}");
        let (water_check, _) = checks.iter().find(|(_, c)| c.unit == "water").expect("water is checked");
        desk.client
            .record_check_result(plan, water_check, Outcome::EmptyPost, Some(40), Method::Phone, "", "值班室无人")
            .expect("result");
        desk.client.sync_once(SYNC).await.expect("to the server");

        // East files its zero report; water says nothing.
        let wang = Phone::signed_in(&server.http_url(), "wang").await.expect("wang");
        wang.client.sync_once(SYNC).await.expect("wang's documents");
        wang.client.file_zero_report(national_day, None).expect("zero report");
        wang.client.sync_once(SYNC).await.expect("to the server");
        // Water's roster leaves the deputy's post empty: filing is refused on the phone, slot by slot.
        let qian = Phone::signed_in(&server.http_url(), "qian").await.expect("qian");
        qian.client.sync_once(SYNC).await.expect("qian's documents");
        let mut gap = roster("water", 7, "qian", "qian", "mayor");
        for shift in gap.shifts.values_mut() {
            shift.deputy = None;
        }
        let water_roster = qian.client.create_roster(&gap).expect("a draft may have gaps");
        let refused = qian.client.file_roster(water_roster).expect_err("invalid");
        assert!(
            matches!(&refused, ClientError::Refused { refusals, .. } if refusals.iter().any(|r| r.reason_zh.contains("副班"))),
            "{refused}"
        );
        // East files a valid roster; the desk returns it with a reason, and the round shows it.
        let east_roster = wang.client.create_roster(&roster("east", 7, "wang", "zhao", "east-chief")).expect("draft");
        wang.client.file_roster(east_roster).expect("filed");
        wang.client.sync_once(SYNC).await.expect("to the server");
        desk.client.sync_once(SYNC).await.expect("the desk receives it");
        desk.client.return_roster(east_roster, vec!["10月1日带班领导应为主要负责人".into()]).expect("returned");
        desk.client.sync_once(SYNC).await.expect("to the server");
        let token = login(&server.http_url(), "desk").await.expect("desk");
        let path = format!("/api/v1/filings/{}", round);
        let (status, detail) = http_get_as(server.addr, &path, &token).await.expect("round");
        assert_eq!(status, 200, "{detail}");
        assert!(detail.contains("\"state\":\"returned\"") && detail.contains("带班领导应为主要负责人"), "{detail}");

        // A unit officer may not plan the desk's checks: refused on his phone, with the rule named.
        let refused = wang
            .client
            .plan_spot_checks(
                "自查",
                None,
                vec![national_day],
                vec!["east".into()],
                &SpotCheckRules::default(),
                Some(1),
            )
            .expect_err("not the desk");
        assert!(
            matches!(&refused, ClientError::Refused { refusals, .. } if refusals.iter().any(|r| r.rule == "spot_checks.desk")),
            "{refused}"
        );

        // The mayor's phone holds the desk's records (the desk and leaders see them).
        let mayor = Phone::signed_in(&server.http_url(), "mayor").await.expect("mayor");
        mayor.client.sync_once(SYNC).await.expect("mayor's documents");
        let held = mayor.client.spot_checks_held().expect("held");
        assert!(
            held.iter().any(|(id, p)| *id == plan && p.findings().any(|(_, c, r)| c.unit == "water" && r.checked_by == "desk")),
            "{backend:?}: {held:?}"
        );
        assert!(mayor.client.filing_rounds_held().expect("rounds").iter().any(|(id, _)| *id == round));

        let (status, csv) =
            http_get_as(server.addr, "/api/v1/reports/daily/2026-10-01?format=csv", &token).await.expect("report");
        assert_eq!(status, 200, "{csv}");
        let row = |name: &str| csv.lines().find(|l| l.starts_with(name)).unwrap_or_default().to_owned();
        assert!(row("东城区").contains("零报告"), "{backend:?}: {csv}");
        assert!(row("市水务局").contains("未报告") && row("市水务局").contains("空岗"), "{backend:?}: {csv}");
        let (_, checks) = http_get_as(server.addr, "/api/v1/spot-checks?findings=true", &token).await.expect("checks");
        assert!(checks.contains("\"empty_post\"") && checks.contains("\"checked_by\":\"desk\""), "{checks}");
        server.stop().await.expect("stop");
    }
}
