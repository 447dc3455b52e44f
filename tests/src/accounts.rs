//! People for tests: users added straight to the test database, logged in over HTTP like a phone. Every
//! server a test starts has `test-admin`, an administrator, whose token its `sync_url()` carries; stories
//! about roles add the people they need.

use serde_json::{Value, json};
use zhiban_model::documents::directory::Role;
use zhiban_server::accounts::{AccountError, AccountPolicy, Accounts, NewUser};
use zhiban_server::clock::SystemClock;

/// The administrator every test server has: works with any document, including plain untyped ones.
pub const TEST_ADMIN: &str = "test-admin";

/// The password the test bench gives `username`.
pub fn password_of(username: &str) -> String {
    format!("test-password-{username}")
}

/// Adds a user to the server's database (whose schema the server has created); one already there stays.
pub async fn add_user(database_url: &str, username: &str, unit: &str, roles: &[Role]) -> anyhow::Result<()> {
    let store = zhiban_server::store::open(database_url).await?;
    let accounts = Accounts::new(store.database(), std::sync::Arc::new(SystemClock), AccountPolicy::default());
    let user = NewUser {
        username: username.to_owned(),
        display_name: username.to_owned(),
        unit: unit.to_owned(),
        roles: roles.to_vec(),
        password: password_of(username),
    };
    match accounts.add_user(user).await {
        Ok(()) | Err(AccountError::Taken(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Adds several users through one connection to the database (each `add_user` opens its own, and fifty
/// at once would take all of PostgreSQL's connections).
pub async fn add_users(database_url: &str, users: &[(&str, &str, &[Role])]) -> anyhow::Result<()> {
    let store = zhiban_server::store::open(database_url).await?;
    let accounts = Accounts::new(store.database(), std::sync::Arc::new(SystemClock), AccountPolicy::default());
    for (username, unit, roles) in users {
        let user = NewUser {
            username: (*username).to_owned(),
            display_name: (*username).to_owned(),
            unit: (*unit).to_owned(),
            roles: roles.to_vec(),
            password: password_of(username),
        };
        match accounts.add_user(user).await {
            Ok(()) | Err(AccountError::Taken(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Logs `username` in on a new device over HTTP; returns the access token.
pub async fn login(http_url: &str, username: &str) -> anyhow::Result<String> {
    let body = json!({"username": username, "password": password_of(username), "device_name": format!("{username}'s test device")});
    let response = reqwest::Client::new().post(format!("{http_url}/api/v1/auth/login")).json(&body).send().await?;
    let status = response.status();
    let answer: Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "login as {username} refused: {status} {answer}");
    answer["access_token"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("no access_token in {answer}"))
}

/// The sync socket's URL with `username`'s access token, as a browser passes it.
pub fn with_token(sync_url: &str, token: &str) -> String {
    format!("{sync_url}?access_token={token}")
}
