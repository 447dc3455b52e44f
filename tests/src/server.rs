//! Servers for tests: in this process on port 0, or the real program as a separate process that a test can
//! kill with SIGKILL.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use zhiban_model::documents::directory::Role;
use zhiban_server::ServerConfig;

use crate::accounts::{TEST_ADMIN, add_user, login, with_token};

/// A server running inside the test process on a loopback port.
pub struct InProcessServer {
    pub addr: SocketAddr,
    pub database_url: String,
    /// `test-admin`'s access token, carried by `sync_url()`.
    pub admin_token: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl InProcessServer {
    pub async fn start(database_url: &str) -> anyhow::Result<Self> {
        Self::start_with(ServerConfig { database_url: database_url.to_owned(), ..ServerConfig::default() }).await
    }

    pub async fn start_with(config: ServerConfig) -> anyhow::Result<Self> {
        Self::start_on("127.0.0.1:0".parse()?, config).await
    }

    /// On `addr`: a server started again where the phones know it. It may push to the tests' push services
    /// (plain http on loopback), as an operator allows with `--allow-outbound 127.0.0.1/32`.
    pub async fn start_on(addr: SocketAddr, mut config: ServerConfig) -> anyhow::Result<Self> {
        config.outbound.allow(TEST_PUSH_SERVICES.parse().map_err(anyhow::Error::msg)?);
        Self::start_exactly(addr, config).await
    }

    /// With `config` as given: no push to loopback unless it says so.
    pub async fn start_exactly(addr: SocketAddr, config: ServerConfig) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let database_url = config.database_url.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(zhiban_server::launch_with_tcp_listener(listener, config, async move {
            let _ = stopped.await;
        }));
        wait_healthy(addr).await?;
        let admin_token = admin_token(addr, &database_url).await?;
        Ok(Self { addr, database_url, admin_token, stop: Some(stop), task })
    }

    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The sync socket, as `test-admin`.
    pub fn sync_url(&self) -> String {
        with_token(&self.bare_sync_url(), &self.admin_token)
    }

    /// The sync socket without a token.
    pub fn bare_sync_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    /// The sync socket as `username`, who must have been added.
    pub async fn sync_url_as(&self, username: &str) -> anyhow::Result<String> {
        Ok(with_token(&self.bare_sync_url(), &login(&self.http_url(), username).await?))
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task).await???;
        Ok(())
    }
}

/// Where the tests' push services listen (`push_service.rs`): allowed to every test server.
pub const TEST_PUSH_SERVICES: &str = "127.0.0.1/32";

/// Adds `test-admin` (once) and logs it in.
async fn admin_token(addr: SocketAddr, database_url: &str) -> anyhow::Result<String> {
    add_user(database_url, TEST_ADMIN, "city", &[Role::Admin]).await?;
    login(&format!("http://{addr}"), TEST_ADMIN).await
}

/// Waits until `/health` answers 200 (at most 30 s).
pub async fn wait_healthy(addr: SocketAddr) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if health_status(addr).await.is_ok_and(|status| status == 200) {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            anyhow::bail!("server at {addr} did not become healthy within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (at most 10 s) until the body of `/health` contains `text`; false if it never does.
pub async fn health_shows(addr: SocketAddr, text: &str) -> bool {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if http_get(addr, "/health").await.is_ok_and(|(_, body)| body.contains(text)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .is_ok()
}

/// `GET /health` with a plain HTTP/1.1 request; returns the status code and nothing else.
pub async fn health_status(addr: SocketAddr) -> anyhow::Result<u16> {
    Ok(http_get(addr, "/health").await?.0)
}

/// A minimal HTTP GET on loopback, so tests need no HTTP client crate: (status, body).
pub async fn http_get(addr: SocketAddr, path: &str) -> anyhow::Result<(u16, String)> {
    get_with_headers(addr, path, "").await
}

/// `http_get` with an access token, as the API wants.
pub async fn http_get_as(addr: SocketAddr, path: &str, token: &str) -> anyhow::Result<(u16, String)> {
    get_with_headers(addr, path, &format!("Authorization: Bearer {token}\r\n")).await
}

async fn get_with_headers(addr: SocketAddr, path: &str, headers: &str) -> anyhow::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}

/// Path of a program built by this crate (`test-zhiban-server`, `test-zhiban`, `zhiban-bench`).
pub fn program(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target folder");
    dir.join(name)
}

/// The real server program as a child process.
pub struct ServerProcess {
    pub addr: SocketAddr,
    /// `test-admin`'s access token, carried by `sync_url()`.
    pub admin_token: String,
    child: Child,
}

impl ServerProcess {
    /// Starts `zhiban-server serve` on a free loopback port.
    pub async fn start(database_url: &str) -> anyhow::Result<Self> {
        Self::start_on(free_port()?, database_url).await
    }

    pub async fn start_on(addr: SocketAddr, database_url: &str) -> anyhow::Result<Self> {
        Self::start_with_env(addr, database_url, &[]).await
    }

    /// With more environment: a fast office clock (`fast_clock::FAST_CLOCK_ENV`), say.
    pub async fn start_with_env(addr: SocketAddr, database_url: &str, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let child = Command::new(program("test-zhiban-server"))
            .args(["serve", "--listen", &addr.to_string(), "--database", database_url])
            .args(["--allow-outbound", TEST_PUSH_SERVICES])
            .envs(env.iter().copied())
            .env("ZHIBAN_LOG", std::env::var("ZHIBAN_LOG").unwrap_or_else(|_| "warn".into()))
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let mut server = Self { addr, admin_token: String::new(), child };
        wait_healthy(addr).await?;
        server.admin_token = admin_token(addr, database_url).await?;
        Ok(server)
    }

    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The sync socket, as `test-admin`.
    pub fn sync_url(&self) -> String {
        with_token(&format!("ws://{}/sync", self.addr), &self.admin_token)
    }

    /// SIGKILL: no shutdown code runs, as in a crash or power cut of the process.
    pub async fn kill(mut self) -> anyhow::Result<()> {
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}
