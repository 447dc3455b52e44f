//! The desk's work at the console over real HTTP, on both backends: a field report filed on a phone shows
//! on the board with its clocks; the desk confirms its grade (a refusal shown by the field), records a
//! leader's instruction on it, relays it, sees a unit officer's acknowledgement from the phone, reminds,
//! and is refused closing it without feedback; another leader may not remind; a form without the session's
//! token changes nothing.

use reqwest::StatusCode;
use zhiban_model::documents::incident::{Casualties, FirstReport, ReportDetails, Stage};
use zhiban_tests::Backend;
use zhiban_tests::Phone;
use zhiban_tests::accounts::password_of;
use zhiban_tests::alerting::{SYNC, east_roster, office_with_push};
use zhiban_tests::console::{Browser, hidden_csrf, section};
use zhiban_tests::duty::{at, small_city};

const TEN_O_CLOCK: &str = "2026-10-01T10:00:00+08:00";

fn bus_overturned() -> FirstReport {
    FirstReport {
        title: "东城区客车侧翻".into(),
        unit: "east".into(),
        received_at: Some(at("2026-10-01T09:50:00+08:00")),
        details: ReportDetails {
            account: "客车侧翻，现场有人员伤亡".into(),
            occurred_at: Some("2026-10-01T09:45:00+08:00".into()),
            casualties: Some(Casualties { dead: 3, injured: 5, ..Default::default() }),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn the_desk_assesses_an_incident_and_follows_an_instruction_through_acknowledgement() {
    for backend in Backend::available() {
        let (_db, _clock, server, _service) = office_with_push(backend, &small_city(), TEN_O_CLOCK).await;
        let wang = Phone::signed_in(&server.http_url(), "wang").await.expect("wang");
        wang.client.sync_once(SYNC).await.expect("wang's documents");
        wang.client.create_roster(&east_roster()).expect("roster");
        wang.client.sync_once(SYNC).await.expect("east's roster");
        let li = Phone::signed_in(&server.http_url(), "li").await.expect("li");
        li.client.sync_once(SYNC).await.expect("li's documents");
        let incident =
            li.client.file_first_report(bus_overturned(), at("2026-10-01T09:58:00+08:00")).expect("filed").incident;
        li.client.sync_once(SYNC).await.expect("the report to the server");

        let mut desk = Browser::new(&server.http_url());
        desk.sign_in("desk", &password_of("desk")).await;
        // On the board: under grade Ⅲ (three dead), with its unit and the follow-up clock.
        let board = desk.get("/now").await;
        assert_eq!(board.status, StatusCode::OK, "{backend:?}: {}", board.body);
        let open = section(&board.body, "open-incidents");
        assert!(open.contains("data-grade=\"III\"") && open.contains("东城区客车侧翻"), "{backend:?}: {open}");
        assert!(open.contains("data-due="), "a follow-up clock counting down: {open}");

        // The incident's page: the first report in the timeline, and its stored change in the audit history.
        let page_path = format!("/incidents/{incident}");
        let page = desk.get(&page_path).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.body);
        assert!(section(&page.body, "timeline").contains("首报"), "{}", page.body);
        assert!(section(&page.body, "audit-history").contains("李四"), "who stored the report: {}", page.body);
        let token = hidden_csrf(&page.body).expect("token");

        // Confirming a grade other than the suggestion without a reason: refused, said by the reason field.
        let refused =
            desk.post(&format!("{page_path}/assess"), &[("csrf", &token), ("grade", "IV"), ("reason", "")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {}", refused.body);
        assert!(
            refused.body.contains("id=\"grade-reason-error\"") && refused.body.contains("请填写理由"),
            "{}",
            refused.body
        );
        assert!(refused.body.contains("aria-invalid=\"true\""));
        // A forged token changes nothing.
        let forged = desk.post(&format!("{page_path}/assess"), &[("csrf", "zcf_forged"), ("grade", "III")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{backend:?}");
        let confirmed =
            desk.post(&format!("{page_path}/assess"), &[("csrf", &token), ("grade", "III"), ("reason", "")]).await;
        assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{backend:?}: {}", confirmed.body);
        let page = desk.get(&page_path).await;
        assert!(page.body.contains("已研判确认") && section(&page.body, "timeline").contains("研判"), "{}", page.body);
        // Archiving before the final report is refused by the stage field.
        let early = desk.post(&format!("{page_path}/advance"), &[("csrf", &token), ("stage", "archived")]).await;
        assert!(
            early.status == StatusCode::UNPROCESSABLE_ENTITY && early.body.contains("收到终报后才能归档"),
            "{}",
            early.body
        );
        // The field reporter's phone has the desk's step: the console's change synced like a phone's.
        li.client.sync_once(SYNC).await.expect("li syncs");
        let stages: Vec<_> =
            li.client.incident(incident).expect("li's copy").lifecycle.iter().map(|s| s.stage).collect();
        assert_eq!(stages.last(), Some(&Stage::Assessed), "{backend:?}: the assessment reached the phone: {stages:?}");

        // A leader's instruction on it, to east.
        let form = desk.get(&format!("/instructions/new?incident={incident}")).await;
        let empty = desk
            .post("/instructions", &[("csrf", &token), ("leader", ""), ("issued_at", "2026-10-01T10:01"), ("text", "")])
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {}", form.body);
        assert!(empty.body.contains("id=\"leader-error\""), "{}", empty.body);
        let incident_id = incident.to_string();
        let created = desk
            .post(
                "/instructions",
                &[
                    ("csrf", &token),
                    ("leader", "east-chief"),
                    ("issued_at", "2026-10-01T10:01"),
                    ("text", "全力救治伤员，查明原因"),
                    ("incident", &incident_id),
                    ("recipients", "east"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{backend:?}: {}", created.body);
        let instruction_path = created.location.expect("to the instruction's page");
        let instruction = desk.get(&instruction_path).await;
        assert!(instruction.body.contains("批示 2026-"), "numbered in the ledger: {}", instruction.body);
        assert!(section(&instruction.body, "acknowledgements").contains("未签收"));
        let waiting = section(&desk.get("/now").await.body, "awaiting-acknowledgement").to_owned();
        assert!(waiting.contains("✗ 东城区") && waiting.contains("未转达"), "{backend:?}: {waiting}");

        // Relayed, then acknowledged on wang's phone: the board names who signed.
        let relayed = desk.post(&format!("{instruction_path}/relay"), &[("csrf", &token)]).await;
        assert_eq!(relayed.status, StatusCode::SEE_OTHER, "{backend:?}: {}", relayed.body);
        let id = instruction_path.trim_start_matches("/instructions/").parse().expect("an id");
        wang.client.sync_once(SYNC).await.expect("wang gets it");
        wang.client.acknowledge(id, Some("east"), at("2026-10-01T10:03:00+08:00")).expect("signed");
        wang.client.sync_once(SYNC).await.expect("to the server");
        let instruction = desk.get(&instruction_path).await;
        let acks = section(&instruction.body, "acknowledgements");
        assert!(acks.contains("王五") && acks.contains("签收") && !acks.contains("未签收"), "{backend:?}: {acks}");
        assert!(section(&desk.get("/now").await.body, "awaiting-acknowledgement").contains("所有批示均已签收"));

        // Closing needs the feedback first; reminding raises an alert the board shows.
        let close = desk.post(&format!("{instruction_path}/close"), &[("csrf", &token), ("note", "")]).await;
        assert!(
            close.status == StatusCode::UNPROCESSABLE_ENTITY && close.body.contains("须先录入综合反馈"),
            "{}",
            close.body
        );
        let remind = desk.post(&format!("{instruction_path}/remind"), &[("csrf", &token)]).await;
        assert_eq!(remind.status, StatusCode::SEE_OTHER, "{backend:?}: {}", remind.body);
        assert!(section(&desk.get("/now").await.body, "escalating-alerts").contains("批示反馈催办"));
        // Another leader reads the instruction but does not remind its recipients: no form, and a forged
        // post is refused by the rule (the instruction is east-chief's).
        let mut mayor = Browser::new(&server.http_url());
        mayor.sign_in("mayor", &password_of("mayor")).await;
        let page = mayor.get(&instruction_path).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.body);
        assert!(!page.body.contains("/remind"), "{backend:?}: no remind form for the mayor: {}", page.body);
        let mayors_token = hidden_csrf(&mayor.get("/now").await.body).expect("token");
        let refused = mayor.post(&format!("{instruction_path}/remind"), &[("csrf", &mayors_token)]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}: {}", refused.body);
        assert!(refused.body.contains("instruction.remind"), "{}", refused.body);
        server.stop().await.expect("stop");
    }
}

/// The part of a page in the element with `id` (up to the next section).
#[tokio::test]
async fn the_desk_returns_a_filed_roster_with_reasons_opens_a_round_and_generates_the_monthly_digest() {
    for backend in Backend::available() {
        let (_db, _clock, server, _service) = office_with_push(backend, &small_city(), TEN_O_CLOCK).await;
        let wang = Phone::signed_in(&server.http_url(), "wang").await.expect("wang");
        wang.client.sync_once(SYNC).await.expect("wang's documents");
        let roster = wang.client.create_roster(&east_roster()).expect("roster");
        wang.client.file_roster(roster).expect("filed");
        wang.client.sync_once(SYNC).await.expect("east's roster to the server");

        let mut desk = Browser::new(&server.http_url());
        desk.sign_in("desk", &password_of("desk")).await;
        let overview = desk.get("/rosters").await;
        assert!(section(&overview.body, "rosters").contains("已报备，待审"), "{backend:?}: {}", overview.body);
        let path = format!("/rosters/{roster}");
        let grid = desk.get(&path).await;
        assert_eq!(grid.status, StatusCode::OK, "{backend:?}: {}", grid.body);
        assert!(section(&grid.body, "roster-grid").contains("王五"), "the grid names who is on duty: {}", grid.body);
        let token = hidden_csrf(&grid.body).expect("token");

        // Returning needs a reason, said next to the field; with one, the unit's phone gets it back.
        let bare = desk.post(&format!("{path}/return"), &[("csrf", &token), ("reasons", "  ")]).await;
        assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(
            bare.body.contains("id=\"return-reasons-error\"") && bare.body.contains("退回须写明理由"),
            "{}",
            bare.body
        );
        let returned = desk
            .post(
                &format!("{path}/return"),
                &[("csrf", &token), ("reasons", "国庆首日须由主要领导带班\n请补全副班电话")],
            )
            .await;
        assert_eq!(returned.status, StatusCode::SEE_OTHER, "{backend:?}: {}", returned.body);
        assert!(section(&desk.get(&path).await.body, "filing-history").contains("国庆首日须由主要领导带班"));
        wang.client.sync_once(SYNC).await.expect("wang syncs");
        let back = wang.client.roster(roster).expect("wang's copy");
        assert_eq!(back.filing.last().map(|s| s.reasons.len()), Some(2), "{backend:?}: both reasons reach the unit");

        // A filing round. The shipped calendar ends with 2026, whose last holiday starts on 1 October: the
        // form says so and is filled in by hand.
        let form = desk.get("/rounds/new").await;
        assert!(form.body.contains("没有下一个法定节假日") && form.body.contains("2026"), "{backend:?}: {}", form.body);
        let opened = desk
            .post(
                "/rounds",
                &[
                    ("csrf", &token),
                    ("title", "2027年元旦假期值班表报备"),
                    ("period_start", "2027-01-01T00:00"),
                    ("period_end", "2027-01-02T08:00"),
                    ("deadline", "2026-12-28T17:30"),
                    ("units", "east"),
                    ("units", "water"),
                ],
            )
            .await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{backend:?}: {}", opened.body);
        assert!(section(&desk.get("/rosters").await.body, "filing-rounds").contains("2027年元旦假期值班表报备"));

        // The monthly digest, generated and opened from the console; a mistyped month is explained.
        let digest = desk.get("/publications/open?kind=monthly&period=2026-10&format=html").await;
        assert_eq!(digest.status, StatusCode::OK, "{backend:?}: {}", digest.body);
        assert!(digest.body.contains("2026年10月"), "{}", digest.body);
        let mistyped = desk.get("/publications/open?kind=monthly&period=2026-13").await;
        assert_eq!(mistyped.status, StatusCode::BAD_REQUEST, "{backend:?}: {}", mistyped.body);
        assert!(mistyped.body.contains("无法生成"), "{}", mistyped.body);
        let publications = desk.get("/publications").await;
        assert!(section(&publications.body, "scores").contains("东城区"), "{backend:?}: {}", publications.body);
        server.stop().await.expect("stop");
    }
}
