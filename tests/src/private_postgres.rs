//! A PostgreSQL server of a test's own, in a temporary folder on a free port, that the test may stop and
//! start (a restart under load) without disturbing the tests that share the machine's PostgreSQL. Made with
//! the machine's `initdb` and `pg_ctl`; as root, they run as the `postgres` user (PostgreSQL refuses root).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

pub struct PrivatePostgres {
    bin: PathBuf,
    folder: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl PrivatePostgres {
    /// Makes and starts one. `Ok(None)` where the machine has no PostgreSQL programs.
    pub fn start() -> anyhow::Result<Option<Self>> {
        let Some(bin) = postgres_bin() else { return Ok(None) };
        let folder = tempfile::tempdir()?;
        let as_postgres = is_root();
        if as_postgres {
            // The folder is the postgres user's, so that initdb (run as that user) may write in it.
            run(Command::new("chown").arg("-R").arg("postgres").arg(folder.path()))?;
        }
        let port = crate::server::free_port()?.port();
        let server = Self { bin, folder, port, as_postgres };
        server.pg(&["initdb", "-D", &server.data(), "-U", "zhiban", "--auth=trust", "-E", "UTF8", "--no-sync"])?;
        server.start_again()?;
        Ok(Some(server))
    }

    /// The URL of its `postgres` database, as user `zhiban`.
    pub fn url(&self) -> String {
        format!("postgres://zhiban@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops it at once, as a crash or a killed machine would (`-m immediate`: no shutdown checkpoint; the
    /// next start recovers from its log).
    pub fn stop_immediately(&self) -> anyhow::Result<()> {
        self.pg(&["pg_ctl", "-D", &self.data(), "-m", "immediate", "-w", "stop"])
    }

    pub fn start_again(&self) -> anyhow::Result<()> {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on", self.port, self.data());
        let log = format!("{}/log", self.data());
        self.pg(&["pg_ctl", "-D", &self.data(), "-o", &options, "-l", &log, "-w", "-t", "60", "start"])
    }

    fn data(&self) -> String {
        self.folder.path().join("data").display().to_string()
    }

    fn pg(&self, args: &[&str]) -> anyhow::Result<()> {
        let program = self.bin.join(args[0]);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        command.args(&args[1..]).current_dir(self.folder.path());
        run(&mut command)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.stop_immediately();
    }
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command.output().with_context(|| format!("{command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// The newest `/usr/lib/postgresql/N/bin`, as Debian installs it.
fn postgres_bin() -> Option<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("pg_ctl").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}
