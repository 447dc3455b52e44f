//! The city a load run works in: a directory of many units and people, each person with an account and a
//! signed-in device (a real access token), and the server, started here as a separate process or already
//! running. Accounts are written straight into the server's database with one shared password hashed once,
//! and devices are signed in there too: ten thousand argon2 logins would take minutes of the same two cores.

use std::process::Stdio;
use std::sync::Arc;

use anyhow::Context;
use automerge::Automerge;
use automerge::sync::State as SyncState;
use futures_util::{StreamExt, TryStreamExt};
use zhiban_model::DocumentId;
use zhiban_model::documents::directory::{Directory, DutyCategory, Person, Rank, Role, Unit};
use zhiban_server::accounts::{AccountPolicy, Accounts, NewUserRecord};
use zhiban_server::clock::SystemClock;
use zhiban_tests::RawPeer;
use zhiban_tests::accounts::{TEST_ADMIN, with_token};
use zhiban_tests::field::FieldReporter;

/// Every account of a load run logs in with this password.
pub const PASSWORD: &str = "load-run-password";

/// Where the server is and how it was started.
#[derive(clap::Args, Debug, Clone)]
pub struct Target {
    /// The server's database. Without `--server`, the load run starts a server on it (default: a fresh
    /// SQLite file in a temporary folder); with `--server`, give the running server's own database, where
    /// the run adds its accounts.
    #[arg(long)]
    pub database: Option<String>,
    /// A server already running (`http://HOST:PORT`), instead of starting one.
    #[arg(long, requires = "database")]
    pub server: Option<String>,
    /// Units in the city besides the desk's (people are spread over them evenly).
    #[arg(long, default_value_t = 200)]
    pub units: usize,
}

/// One simulated phone's identity: its person, access token and home document.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub person: String,
    pub unit: String,
    pub name: String,
    pub token: String,
    pub home: DocumentId,
}

impl Credentials {
    pub fn reporter(&self) -> FieldReporter {
        FieldReporter { person: self.person.clone(), name: self.name.clone(), unit: self.unit.clone() }
    }
}

pub struct City {
    pub base: String,
    pub directory: Directory,
    /// The server's process id, when this run started it (for its memory and CPU).
    pub server_pid: Option<u32>,
    server: Option<tokio::process::Child>,
    _folder: Option<tempfile::TempDir>,
    accounts: Accounts,
    /// The server's database, opened here too: accounts and home document ids.
    pool: zhiban_server::db::Database,
}

/// The person id of load person `i` (from 1).
pub fn person_id(i: usize) -> String {
    format!("p{i:05}")
}

/// The id of load unit `u` (from 1).
pub fn unit_id(u: usize) -> String {
    format!("unit-{u:03}")
}

impl City {
    /// Sets up a city with `people` load persons (duty officers who also file field reports) spread over
    /// the units, besides the small city's own people (the mayor, the desk, …).
    pub async fn set_up(target: &Target, people: usize) -> anyhow::Result<Self> {
        let set_up_at = std::time::Instant::now();
        let folder = match target.database {
            Some(_) => None,
            None => Some(tempfile::tempdir()?),
        };
        let database = match (&target.database, &folder) {
            (Some(url), _) => url.clone(),
            (None, Some(folder)) => format!("sqlite://{}", folder.path().join("load.db").display()),
            (None, None) => unreachable!("a folder is made when no database is given"),
        };
        let directory = directory(target.units.max(1), people);
        let (base, server) = match &target.server {
            Some(url) => (url.trim_end_matches('/').to_owned(), None),
            None => {
                let addr = zhiban_tests::server::free_port()?;
                let child = tokio::process::Command::new(std::env::current_exe()?)
                    .args(["serve", "--listen", &addr.to_string(), "--database", &database])
                    .env("ZHIBAN_LOG", std::env::var("ZHIBAN_LOG").unwrap_or_else(|_| "warn".into()))
                    .stdin(Stdio::null())
                    .kill_on_drop(true)
                    .spawn()
                    .context("starting the server")?;
                zhiban_tests::server::wait_healthy(addr).await?;
                (format!("http://{addr}"), Some(child))
            }
        };
        let store = zhiban_server::store::open(&database).await.context("opening the server's database")?;
        let accounts = Accounts::new(store.database(), Arc::new(SystemClock), AccountPolicy::default());
        let mut records: Vec<NewUserRecord> = directory
            .people
            .iter()
            .map(|(id, p)| NewUserRecord {
                username: id.clone(),
                display_name: p.name.clone(),
                unit: p.unit.clone(),
                roles: p.roles.clone(),
            })
            .collect();
        records.push(NewUserRecord {
            username: TEST_ADMIN.into(),
            display_name: "管理员".into(),
            unit: "city".into(),
            roles: vec![Role::Admin],
        });
        accounts.add_users_sharing_password(&records, PASSWORD.into()).await?;
        let server_pid = server.as_ref().and_then(|c| c.id());
        let pool = store.database();
        let city = Self { base, directory, server_pid, server, _folder: folder, accounts, pool };

        // The administrator records the directory, as the office does.
        let admin = city.sign_in(TEST_ADMIN).await?;
        let mut peer = RawPeer::join(&city.sync_url(&admin.token)).await.context("the administrator joining")?;
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        autosurgeon::reconcile(&mut tx, &city.directory)?;
        tx.commit();
        peer.push_until_confirmed(DocumentId::random(), &mut doc, &mut SyncState::new())
            .await
            .context("recording the directory")?;
        eprintln!(
            "set-up: {} units, {} people, directory recorded in {:.1} s",
            city.directory.units.len(),
            city.directory.people.len(),
            set_up_at.elapsed().as_secs_f64()
        );
        Ok(city)
    }

    pub fn sync_url(&self, token: &str) -> String {
        with_token(&format!("{}/sync", self.base.replacen("http", "ws", 1)), token)
    }

    /// A new device of `person`, signed in: its token and home document.
    pub async fn sign_in(&self, person: &str) -> anyhow::Result<Credentials> {
        let tokens = self.accounts.sign_in_device(person, &format!("{person}'s load phone")).await?;
        let home = zhiban_server::homes::home_document_id(&self.pool, person).await?;
        let (unit, name) = match self.directory.people.get(person) {
            Some(p) => (p.unit.clone(), p.name.clone()),
            None => ("city".to_owned(), person.to_owned()),
        };
        Ok(Credentials { person: person.to_owned(), unit, name, token: tokens.access_token, home })
    }

    /// Signs in load persons `first..first + count` (a few at once: the database serialises writes anyway).
    pub async fn sign_in_many(&self, first: usize, count: usize) -> anyhow::Result<Vec<Credentials>> {
        futures_util::stream::iter(first..first + count)
            .map(|i| async move { self.sign_in(&person_id(i)).await })
            .buffered(16)
            .try_collect()
            .await
    }

    /// Stops the server this run started.
    pub async fn stop(mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }
}

/// The small city's units and people, with `units` more units under the city and `people` duty officers
/// spread over them (each also a field reporter). Units alternate between duty categories one and two.
pub fn directory(units: usize, people: usize) -> Directory {
    let mut d = zhiban_tests::duty::small_city();
    for u in 1..=units {
        let category = if u % 2 == 0 { DutyCategory::Two } else { DutyCategory::One };
        let unit = Unit {
            name: format!("第{u}单位"),
            parent: Some("city".into()),
            category,
            duty_phone: format!("0000-{u:04}"),
        };
        d.units.insert(unit_id(u), unit);
    }
    for i in 1..=people {
        let person = Person {
            name: format!("值班员{i:05}"),
            unit: unit_id((i - 1) % units + 1),
            rank: Rank::Section,
            phone: format!("139{i:08}"),
            roles: vec![Role::UnitOfficer, Role::Field],
        };
        d.people.insert(person_id(i), person);
    }
    d
}
