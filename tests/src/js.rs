//! The official automerge-repo JavaScript client as a peer: `tests/js/peer.mjs` run by the machine's
//! Node.js, with its npm packages installed by the test itself (pinned by `package.json` and `package-lock.json`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

pub fn js_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js")
}

/// Installs the pinned packages once; test processes running at the same time wait on a file lock.
pub fn ensure_installed() -> anyhow::Result<()> {
    let folder = js_folder();
    // Every package pinned, so a `node_modules` from before one was added is installed again.
    let installed = || {
        ["@automerge/automerge-repo-network-websocket", "playwright-core"]
            .iter()
            .all(|package| folder.join("node_modules").join(package).join("package.json").exists())
    };
    if installed() {
        return Ok(());
    }
    let lock = std::fs::File::create(std::env::temp_dir().join("zhiban-tests-npm.lock"))?;
    lock.lock()?;
    if !installed() {
        let status = std::process::Command::new("npm")
            // `npm install` follows package-lock.json; `npm ci` refuses the lock npm 11 writes when optional
            // native add-ons (cbor-extract) are skipped, although the JavaScript packages are the same.
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&folder)
            .status()?;
        anyhow::ensure!(status.success(), "npm install in {} failed: {status}", folder.display());
    }
    lock.unlock()?;
    Ok(())
}

pub struct JsPeer {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl JsPeer {
    pub async fn start(sync_url: &str) -> anyhow::Result<Self> {
        ensure_installed()?;
        let mut child = Command::new("node")
            .arg(js_folder().join("peer.mjs"))
            .arg(sync_url)
            .current_dir(js_folder())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().ok_or_else(|| anyhow::anyhow!("no stdin"))?;
        let stdout = BufReader::new(child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?).lines();
        let mut peer = Self { child, stdin, stdout };
        peer.call(serde_json::json!({"cmd": "peer"})).await?;
        Ok(peer)
    }

    /// Sends one command and returns its answer; an `error` answer is an `Err`.
    pub async fn call(&mut self, command: Value) -> anyhow::Result<Value> {
        let answer = self.try_call(command).await?;
        if let Some(error) = answer.get("error") {
            anyhow::bail!("JavaScript peer: {error}");
        }
        Ok(answer)
    }

    /// Like `call`, but an `error` answer is returned as it is.
    pub async fn try_call(&mut self, command: Value) -> anyhow::Result<Value> {
        self.stdin.write_all(format!("{command}\n").as_bytes()).await?;
        self.stdin.flush().await?;
        let line = tokio::time::timeout(Duration::from_secs(90), self.stdout.next_line())
            .await
            .map_err(|_| anyhow::anyhow!("JavaScript peer did not answer {command}"))??
            .ok_or_else(|| anyhow::anyhow!("JavaScript peer exited"))?;
        Ok(serde_json::from_str(&line)?)
    }

    pub async fn quit(mut self) -> anyhow::Result<()> {
        let _ = self.stdin.write_all(b"{\"cmd\":\"quit\"}\n").await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        Ok(())
    }
}
