//! The desk's incident analysis on a clock the test moves: landslides in east, about one a month for three
//! months, then four in a week (one from a street office under the district) make an early warning that
//! names the numbers and the method, and alerts the desk once, until the burst has passed; floods at the
//! water bureau at their usual weekly rate, three this week, stay quiet. A rainstorm, a landslide and a
//! crash in east within hours and a few kilometres are one compound risk. Unit officers are refused the
//! analysis; the `zhiban-server analyze` command gives the same answers from the database.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;
use tokio::process::Command;
use zhiban_model::documents::directory::{Directory, DutyCategory, Unit};
use zhiban_model::documents::incident::{Degrees, FirstReport, Place, ReportDetails};
use zhiban_model::documents::time::format_instant;
use zhiban_server::office::DutyRules;
use zhiban_tests::accounts::login;
use zhiban_tests::alerting::{SYNC, alerts_seen_by_desk, office_with_rules};
use zhiban_tests::duty::{at, small_city};
use zhiban_tests::server::{http_get_as, program};
use zhiban_tests::{Backend, InProcessServer, Phone};

/// The moment the warning is judged at.
const NOW: &str = "2026-10-01T10:00:00+08:00";

/// The small city with a street office under east: its incidents count in east.
fn city() -> Directory {
    let mut city = small_city();
    let street = Unit {
        name: "东城区东华街道".into(),
        parent: Some("east".into()),
        category: DutyCategory::Three,
        duty_phone: "0000-street".into(),
    };
    city.units.insert("east-street".into(), street);
    city
}

struct Planted {
    title: &'static str,
    nature: &'static str,
    unit: &'static str,
    received: DateTime<FixedOffset>,
    place: Option<(f64, f64)>,
}

fn days_before_now(days: i64, hours: i64) -> DateTime<FixedOffset> {
    at(NOW) - chrono::Duration::days(days) - chrono::Duration::hours(hours)
}

fn planted() -> Vec<Planted> {
    let landslide = |unit, received| Planted { title: "山体滑坡", nature: "滑坡", unit, received, place: None };
    let flood =
        |received| Planted { title: "城区道路积水", nature: "内涝", unit: "water", received, place: None };
    let mut out = vec![
        // East's usual landslides: three in the twelve weeks before this one (one is the compound risk's).
        landslide("east", days_before_now(23, 0)),
        landslide("east", days_before_now(51, 0)),
        // This week's burst, one from the street office.
        landslide("east", days_before_now(6, 1)),
        landslide("east", days_before_now(4, 0)),
        landslide("east-street", days_before_now(1, 14)),
        landslide("east", days_before_now(0, 12)),
        // Rain, a landslide and a crash within nine hours and a few kilometres, on 20 August.
        Planted {
            title: "东城区暴雨",
            nature: "暴雨",
            unit: "east",
            received: at("2026-08-20T06:00:00+08:00"),
            place: Some((30.00, 120.00)),
        },
        Planted {
            title: "东城区山体滑坡",
            nature: "滑坡",
            unit: "east",
            received: at("2026-08-20T11:00:00+08:00"),
            place: Some((30.05, 120.02)),
        },
        Planted {
            title: "东城区车辆追尾",
            nature: "交通事故",
            unit: "east",
            received: at("2026-08-20T15:00:00+08:00"),
            place: Some((30.10, 120.05)),
        },
    ];
    // Floods at the water bureau: one in each of the twelve baseline weeks, three this week (usual enough).
    for week in 1..=12 {
        out.push(flood(days_before_now(week * 7 + 3, 0)));
    }
    for days in [1, 3, 5] {
        out.push(flood(days_before_now(days, 0)));
    }
    out
}

fn report(p: &Planted) -> FirstReport {
    FirstReport {
        title: p.title.into(),
        unit: p.unit.into(),
        received_at: Some(p.received),
        details: ReportDetails {
            account: format!("{}，正在处置", p.title),
            occurred_at: Some(format_instant(p.received - chrono::Duration::minutes(10))),
            nature: Some(p.nature.into()),
            place: p.place.map(|(lat, lon)| Place {
                text: "东城区".into(),
                latitude: Some(Degrees(lat)),
                longitude: Some(Degrees(lon)),
            }),
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn get(server: &InProcessServer, user: &str, path: &str) -> (u16, Value) {
    let token = login(&server.http_url(), user).await.expect("login");
    let (status, body) = http_get_as(server.addr, path, &token).await.expect("GET");
    (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

async fn desk_gets(server: &InProcessServer, path: &str) -> Value {
    let (status, body) = get(server, "desk", path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Waits (at most 10 s) until the desk's early warning alerts satisfy `ready`.
async fn warning_alerts_when(server: &InProcessServer, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let answer = alerts_seen_by_desk(server, "?kind=early_warning").await;
        let alerts = answer["alerts"].as_array().cloned().unwrap_or_default();
        if ready(&alerts) || tokio::time::Instant::now() > deadline {
            return alerts;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn zhiban_server(args: &[&str]) -> (String, String) {
    let out = Command::new(program("test-zhiban-server")).args(args).output().await.expect("run zhiban-server");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string());
    assert!(out.status.success(), "{args:?}: {stderr}");
    (stdout, stderr)
}

#[tokio::test]
async fn a_burst_of_landslides_warns_the_desk_and_a_storm_chain_is_one_compound_risk() {
    zhiban_tests::init_logging();
    for backend in Backend::available() {
        // The clock starts a month before: nothing planted makes a warning yet, so the watch raises none
        // while the reports arrive one by one.
        let (db, clock, server, _push) =
            office_with_rules(backend, &city(), "2026-09-01T10:00:00+08:00", DutyRules::default()).await;
        let desk = Phone::signed_in(&server.http_url(), "desk").await.expect("desk's phone");
        desk.client.sync_once(SYNC).await.expect("the directory");
        let planted = planted();
        for p in &planted {
            desk.client.file_first_report(report(p), p.received + chrono::Duration::minutes(5)).expect("filed");
        }
        desk.client.sync_once(SYNC).await.expect("the reports to the server");

        // Every report projected: counts per category and region, the street office's in east.
        let mut frequency = Value::Null;
        for _ in 0..50 {
            frequency = desk_gets(&server, "/api/v1/analysis/frequency?from=2026-07-01&to=2026-10-02").await;
            if frequency["total"] == planted.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(frequency["total"], 24, "{backend:?}: {frequency}");
        let rows: Vec<(String, String, String, u64)> = frequency["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                let text = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
                (text("region"), text("category"), text("category_name"), r["count"].as_u64().unwrap_or(0))
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("water".into(), "flood".into(), "洪涝灾害".into(), 15),
                ("east".into(), "geological".into(), "地质灾害".into(), 7),
                ("east".into(), "road_traffic".into(), "道路交通事故".into(), 1),
                ("east".into(), "weather".into(), "气象灾害".into(), 1),
            ],
            "{backend:?}"
        );
        assert_eq!(frequency["rows"][1]["region_name"], "东城区");
        let trend = desk_gets(&server, "/api/v1/analysis/trend?from=2026-07-01&to=2026-10-02&window_days=7").await;
        let windows = trend["windows"].as_array().expect("windows");
        assert_eq!(windows.len(), 14, "93 days in weeks");
        assert_eq!(windows.iter().filter_map(|w| w["total"].as_u64()).sum::<u64>(), 24);
        assert_eq!(windows.last().map(|w| &w["end"]), Some(&Value::from("2026-10-02T00:00:00+08:00")));

        // Judged at NOW: exactly the planted burst, not the water bureau's usual floods.
        let answer = desk_gets(&server, &format!("/api/v1/analysis/warnings?at={}", NOW.replace('+', "%2B"))).await;
        let warnings = answer["warnings"].as_array().expect("warnings");
        assert_eq!(warnings.len(), 1, "{backend:?}: {answer}");
        let warning = &warnings[0];
        assert_eq!((&warning["category"], &warning["region"]), (&Value::from("geological"), &Value::from("east")));
        assert_eq!(
            (&warning["category_name"], &warning["region_name"]),
            (&Value::from("地质灾害"), &Value::from("东城区"))
        );
        assert_eq!(warning["count"], 4);
        assert_eq!(warning["baseline_mean"], 0.25, "three in twelve weeks");
        let probability = warning["probability"].as_f64().expect("probability");
        assert!(probability < 0.01 && (probability - 1.3337e-4).abs() < 1e-7, "{probability}");
        assert_eq!(warning["incidents"].as_array().map(Vec::len), Some(4));
        let zh = warning["explanation_zh"].as_str().expect("zh");
        assert!(zh.starts_with("近7天 东城区 地质灾害 4 起；前12个周期平均 0.25 起/周期；按泊松分布"), "{zh}");
        assert!(zh.contains("1.3e-4（低于0.01）"), "{zh}");
        let en = warning["explanation_en"].as_str().expect("en");
        assert!(en.contains("4 incidents of geological in east in the last 7 days") && en.contains("Poisson"), "{en}");
        assert_eq!(answer["window_days"], 7);
        assert_eq!(answer["baseline_windows"], 12);

        // A month earlier, with the same incidents, nothing is unusual.
        let before = desk_gets(&server, "/api/v1/analysis/warnings?at=2026-09-01").await;
        assert_eq!(before["warnings"], Value::Array(vec![]), "{backend:?}: {before}");

        // Rain, landslide and crash close together: one compound risk of three categories.
        let compound = desk_gets(&server, "/api/v1/analysis/compound?from=2026-08-19&to=2026-08-22").await;
        let risks = compound["risks"].as_array().expect("risks");
        assert_eq!(risks.len(), 1, "{backend:?}: {compound}");
        let codes = |key: &str| -> Vec<String> {
            risks[0][key]
                .as_array()
                .expect("list")
                .iter()
                .filter_map(|c| c["code"].as_str().map(str::to_owned))
                .collect()
        };
        assert_eq!(codes("categories"), vec!["geological", "road_traffic", "weather"]);
        assert_eq!(codes("regions"), vec!["east"]);
        let titles: Vec<&str> =
            risks[0]["incidents"].as_array().expect("incidents").iter().filter_map(|i| i["title"].as_str()).collect();
        assert_eq!(titles, vec!["东城区暴雨", "东城区山体滑坡", "东城区车辆追尾"]);
        let zh = risks[0]["explanation_zh"].as_str().expect("zh");
        assert!(zh.contains("东城区 发生 3 起相互关联的事件，涉及 3 类") && zh.contains("地质灾害"), "{zh}");

        // Only the desk and leaders read the analysis.
        let (status, body) = get(&server, "wang", "/api/v1/analysis/warnings").await;
        assert_eq!(status, 403, "{backend:?}: a unit officer is refused: {body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("desk and leaders")), "{body}");
        assert_eq!(get(&server, "mayor", "/api/v1/analysis/compound").await.0, 200, "a leader reads it");
        let openapi = desk_gets(&server, "/api/v1/openapi.json").await;
        assert!(openapi["paths"]["/api/v1/analysis/warnings"].is_object());

        // The office's clock reaches NOW: the watch alerts the desk once.
        clock.set_millis(at(NOW).timestamp_millis());
        let alerts = warning_alerts_when(&server, |a| !a.is_empty()).await;
        assert_eq!(alerts.len(), 1, "{backend:?}: {alerts:?}");
        assert_eq!(alerts[0]["title_class"], "预警：东城区 地质灾害 近7天4起");
        assert_eq!(alerts[0]["urgency"], "high");
        assert_eq!(alerts[0]["document"], Value::Null, "about many incidents, none in particular");
        assert_eq!(alerts[0]["recipients"][0]["recipient"], "city", "the desk");
        // Another look a minute later raises nothing new while the burst lasts.
        clock.advance(Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let alerts = warning_alerts_when(&server, |_| true).await;
        assert_eq!(alerts.len(), 1, "{backend:?}: {alerts:?}");
        assert_eq!(alerts[0]["resolved_at"], Value::Null);
        // A unit officer's alert list does not show it.
        let (_, theirs) = get(&server, "wang", "/api/v1/alerts?kind=early_warning").await;
        assert_eq!(theirs["alerts"], Value::Array(vec![]), "{theirs}");

        // Eight days on, the burst has left the window: the warning ends.
        clock.advance(Duration::from_secs(8 * 24 * 3600));
        let alerts = warning_alerts_when(&server, |a| a.iter().all(|a| a["resolved_at"].is_string())).await;
        assert_eq!(alerts.len(), 1, "{backend:?}: {alerts:?}");
        assert_eq!(alerts[0]["resolution"], "预警解除", "{alerts:?}");

        // The command line gives the same answers from the database.
        let (json, _) = zhiban_server(&["analyze", "warnings", "--json", "--at", NOW, "--database", &db.url]).await;
        let cli: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(cli["warnings"], answer["warnings"], "{backend:?}");
        let (text, _) = zhiban_server(&[
            "analyze",
            "compound",
            "--from",
            "2026-08-19",
            "--to",
            "2026-08-22",
            "--database",
            &db.url,
        ])
        .await;
        assert!(text.contains("复合风险") && text.contains("东城区车辆追尾"), "{text}");
        server.stop().await.expect("stop");
    }
}
