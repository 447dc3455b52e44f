//! The `zhiban-server` program as an operator runs it: `demo` loads a living city into an empty database,
//! `serve` answers the desk's API from it, `admin reproject` rebuilds the same tables, and a bad rules file
//! stops the program with the field named. Every subcommand takes `--database`.

use std::process::Output;

use serde_json::Value;
use tokio::process::Command;
use zhiban_tests::server::{health_shows, http_get, http_get_as, program};
use zhiban_tests::{Backend, ServerProcess, TestDatabase};

async fn zhiban_server(args: &[&str]) -> Output {
    Command::new(program("test-zhiban-server")).args(args).output().await.expect("run zhiban-server")
}

/// Logs a demo user in (the demo's passwords are `demo-USERNAME`); the access token.
async fn demo_login(server: &ServerProcess, username: &str) -> String {
    demo_login_with(server, username, &format!("demo-{username}")).await
}

async fn demo_login_with(server: &ServerProcess, username: &str, password: &str) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", server.http_url()))
        .json(&serde_json::json!({"username": username, "password": password, "device_name": "test"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("JSON");
    answer["access_token"].as_str().unwrap_or_else(|| panic!("{username} logs in: {answer}")).to_owned()
}

async fn api(server: &ServerProcess, token: &str, path: &str) -> Value {
    let (status, body) = http_get_as(server.addr, path, token).await.expect("GET");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).expect("JSON")
}

#[tokio::test]
async fn demo_loads_a_city_the_api_serves_and_reproject_rebuilds_it() {
    for backend in Backend::available() {
        let db = TestDatabase::new(backend).await.expect("database");
        let loaded = zhiban_server(&["demo", "--database", &db.url]).await;
        assert!(loaded.status.success(), "{}", String::from_utf8_lossy(&loaded.stderr));
        let summary = String::from_utf8_lossy(&loaded.stdout).to_string();
        assert!(summary.contains("14 units") && summary.contains("28 rosters"), "{summary}");
        assert!(summary.contains("mayor") && summary.contains("demo-mayor"), "the demo prints its logins: {summary}");

        let again = zhiban_server(&["demo", "--database", &db.url]).await;
        assert!(!again.status.success(), "a second demo into the same database is refused");
        assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a directory"));

        let server = ServerProcess::start(&db.url).await.expect("serve");
        let (status, _) = http_get(server.addr, "/api/v1/incidents").await.expect("GET");
        assert_eq!(status, 401, "the API needs a login");
        let desk = demo_login(&server, "city-officer-1").await;
        let incidents = api(&server, &desk, "/api/v1/incidents").await;
        let titles: Vec<&str> =
            incidents["incidents"].as_array().expect("list").iter().filter_map(|i| i["title"].as_str()).collect();
        assert_eq!(titles.len(), 5, "{backend:?}: {titles:?}");
        let late = api(&server, &desk, "/api/v1/incidents?late=true").await;
        assert_eq!(late["incidents"][0]["title"], "东城区建设路工地边坡垮塌", "the slope collapse was reported late");
        let coach = api(&server, &desk, "/api/v1/incidents?grade=III").await;
        let coach_url = coach["incidents"][0]["document"].as_str().expect("url").to_owned();
        let detail = api(&server, &desk, &format!("/api/v1/incidents/{coach_url}")).await;
        let labels: Vec<&str> =
            detail["chain"].as_array().expect("chain").iter().filter_map(|e| e["label"].as_str()).collect();
        assert_eq!(labels, vec!["首报", "续报一", "续报二"]);
        let instructions = api(&server, &desk, "/api/v1/instructions").await;
        let numbers: Vec<&str> = instructions["instructions"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|i| i["number"].as_str())
            .collect();
        assert_eq!(numbers.len(), 2, "{numbers:?}");
        let open = api(&server, &desk, "/api/v1/instructions?status=relayed").await;
        let open_url = open["instructions"][0]["document"].as_str().expect("url").to_owned();
        let one = api(&server, &desk, &format!("/api/v1/instructions/{open_url}")).await;
        let waiting: Vec<&str> = one["recipients"]
            .as_array()
            .expect("recipients")
            .iter()
            .filter(|r| r["acknowledged"] == false)
            .filter_map(|r| r["recipient"].as_str())
            .collect();
        assert_eq!(waiting, vec!["emergency"], "the emergency bureau has not acknowledged yet");
        let on_duty = api(&server, &desk, "/api/v1/units/beiling/on-duty").await;
        assert!(on_duty["main"]["name"].is_string() && on_duty["leader"]["phone"].is_string(), "{on_duty}");
        let (status, body) = http_get_as(server.addr, "/api/v1/units/atlantis/on-duty", &desk).await.expect("GET");
        assert_eq!(status, 404);
        assert!(body.contains("not in the directory"), "{body}");
        let openapi = api(&server, &desk, "/api/v1/openapi.json").await;
        assert!(openapi["paths"]["/api/v1/units/{unit}/on-duty"].is_object());
        server.kill().await.expect("stop");

        let rebuilt = zhiban_server(&["admin", "reproject", "--database", &db.url]).await;
        assert!(rebuilt.status.success(), "{}", String::from_utf8_lossy(&rebuilt.stderr));
        assert!(String::from_utf8_lossy(&rebuilt.stdout).contains("54 documents stored, 54 projected"));
        let server = ServerProcess::start(&db.url).await.expect("serve again");
        assert_eq!(
            api(&server, &desk, "/api/v1/incidents").await,
            incidents,
            "{backend:?}: the same rows after a rebuild"
        );
        server.kill().await.expect("stop");
    }
}

#[tokio::test]
async fn a_bad_rules_file_stops_the_program_with_the_field_named() {
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let folder = tempfile::tempdir().expect("folder");
    let rules = folder.path().join("rules.json");
    std::fs::write(&rules, r#"{"instruction_clocks": {"relay_minutes": 0}}"#).expect("write");
    let rules = rules.display().to_string();
    let out = zhiban_server(&["admin", "reproject", "--database", &db.url, "--rules", &rules]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("relay_minutes must be positive"));
}

#[tokio::test]
async fn an_operator_adds_a_user_who_logs_in_and_revokes_the_device() {
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let add_wang = [
        &["admin", "user", "add", "--database", &db.url, "--username", "wang", "--name", "王五"][..],
        &["--unit", "east", "--role", "unit_officer", "--role", "field", "--password-stdin"],
    ]
    .concat();
    // No directory yet: no unit is known, so the operator is told to add the units first.
    let refused = admin_with_password(&add_wang, "a long enough password").await;
    assert!(!refused.status.success(), "a user of a unit nobody knows was added");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("there is no directory yet") && said.contains("zhiban-server admin unit add"), "{said}");

    let east = zhiban_server(&[
        "admin",
        "unit",
        "add",
        "--database",
        &db.url,
        "--id",
        "east",
        "--name",
        "东城区政府值班室",
        "--category",
        "2",
        "--duty-phone",
        "22222",
    ])
    .await;
    assert!(east.status.success(), "{}", String::from_utf8_lossy(&east.stderr));
    // Added now (had the refused attempt stored wang, this would answer that the username is taken).
    let added = admin_with_password(&add_wang, "a long enough password").await;
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let bad_role = zhiban_server(&[
        "admin",
        "user",
        "add",
        "--database",
        &db.url,
        "--username",
        "x",
        "--name",
        "x",
        "--unit",
        "east",
        "--role",
        "boss",
        "--password-stdin",
    ])
    .await;
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("\"boss\" is not a role"));

    let server = ServerProcess::start(&db.url).await.expect("serve");
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", server.http_url()))
        .json(
            &serde_json::json!({"username": "wang", "password": "a long enough password", "device_name": "王五的手机"}),
        )
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let device = answer["device_id"].as_str().expect("device id").to_owned();
    let listed = zhiban_server(&["admin", "device", "list", "--database", &db.url, "--username", "wang"]).await;
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(listed.contains(&device) && listed.contains("active"), "{listed}");
    let revoked = zhiban_server(&["admin", "device", "revoke", "--database", &db.url, &device]).await;
    assert!(revoked.status.success());
    let listed = zhiban_server(&["admin", "device", "list", "--database", &db.url]).await;
    assert!(String::from_utf8_lossy(&listed.stdout).contains("signed out: revoked by an administrator"));
    let refreshed = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/refresh", server.http_url()))
        .json(&serde_json::json!({"refresh_token": answer["refresh_token"]}))
        .send()
        .await
        .expect("refresh");
    assert_eq!(refreshed.status().as_u16(), 401, "a revoked device cannot refresh");
    server.kill().await.expect("stop");
}

/// `zhiban-server admin …` with a password on standard input, as an operator's script would.
async fn admin_with_password(args: &[&str], password: &str) -> Output {
    use tokio::io::AsyncWriteExt;
    let mut child = Command::new(program("test-zhiban-server"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(format!("{password}\n").as_bytes()).await.expect("password");
    child.wait_with_output().await.expect("run")
}

/// An operator builds the office from nothing while the server runs: units (the city, then a district
/// under it), a user of the district; the running server knows the new unit at once, so the district's
/// duty officer can file a report for it from the phone.
#[tokio::test]
async fn an_operator_adds_units_and_people_while_the_server_runs() {
    use zhiban_model::documents::incident::{FirstReport, ReportDetails};
    let db = TestDatabase::new(Backend::Sqlite).await.expect("database");
    let server = ServerProcess::start(&db.url).await.expect("serve");
    let db_arg = ["--database", db.url.as_str()];

    let city = zhiban_server(
        &[
            &["admin", "unit", "add"][..],
            &db_arg,
            &["--name", "市政府总值班室", "--category", "1", "--duty-phone", "12345"],
        ]
        .concat(),
    )
    .await;
    assert!(city.status.success(), "{}", String::from_utf8_lossy(&city.stderr));
    let city_id =
        String::from_utf8_lossy(&city.stdout).split_whitespace().nth(1).expect("the new unit's id").to_owned();
    assert!(city_id.starts_with("unit-"), "an id made from a Chinese name: {city_id}");
    let east = zhiban_server(
        &[
            &["admin", "unit", "add"][..],
            &db_arg,
            &[
                "--id",
                "east",
                "--name",
                "东城区政府值班室",
                "--parent",
                &city_id,
                "--category",
                "2",
                "--duty-phone",
                "22222",
            ],
        ]
        .concat(),
    )
    .await;
    assert!(east.status.success(), "{}", String::from_utf8_lossy(&east.stderr));
    let orphan = zhiban_server(
        &[
            &["admin", "unit", "add"][..],
            &db_arg,
            &["--name", "West", "--parent", "nowhere", "--category", "2", "--duty-phone", "1"],
        ]
        .concat(),
    )
    .await;
    assert!(!orphan.status.success());
    assert!(String::from_utf8_lossy(&orphan.stderr).contains("\"nowhere\", which is not in the directory"));

    let unknown_unit = admin_with_password(
        &[
            &["admin", "user", "add"][..],
            &db_arg,
            &["--username", "li", "--name", "李四", "--unit", "west"],
            &["--role", "field", "--password-stdin"],
        ]
        .concat(),
        "a long enough password",
    )
    .await;
    assert!(!unknown_unit.status.success());
    assert!(String::from_utf8_lossy(&unknown_unit.stderr).contains("add it first with `zhiban-server admin unit add`"));
    let added = admin_with_password(
        &[
            &["admin", "user", "add"][..],
            &db_arg,
            &["--username", "wang", "--name", "王五", "--unit", "east"],
            &["--role", "unit_officer", "--password-stdin"],
        ]
        .concat(),
        "a long enough password",
    )
    .await;
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));

    // The running server takes the new units within a second: a report for east is accepted.
    let phone = zhiban_tests::Phone::new(&server.http_url()).expect("phone");
    phone.client.login("wang", "a long enough password", "王五的手机").await.expect("login");
    assert!(health_shows(server.addr, "\"directory_units\":2").await, "the server never took the new units");
    phone.client.sync_once(std::time::Duration::from_secs(20)).await.expect("the home and the directory it lists");
    let report = FirstReport {
        title: "东城区内涝".into(),
        unit: "east".into(),
        details: ReportDetails { account: "地下通道积水".into(), ..Default::default() },
        ..Default::default()
    };
    let filed = phone
        .client
        .file_first_report(report, zhiban_tests::duty::at("2026-10-01T08:00:00+08:00"))
        .expect("filed on the phone");
    phone.client.sync_once(std::time::Duration::from_secs(20)).await.expect("accepted by the server");
    assert!(phone.client.status().expect("status").pending.is_empty(), "{:?}", filed.incident);
    server.kill().await.expect("stop");
}
