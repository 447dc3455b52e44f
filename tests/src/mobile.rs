//! The phone library through its generated bindings: builds `zhiban-mobile-ffi` and UniFFI's generator
//! with the workspace's own features (so nothing already built is built again), generates the bindings
//! for a language into a fresh folder with the library beside them, and runs the stories in
//! `tests/mobile/` as separate processes, the way an app would use the library.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::server::program;

/// Where the stories are.
pub fn stories() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mobile")
}

/// The library's file name on this machine.
pub const LIBRARY: &str = "libzhiban_mobile_ffi.so";

/// Builds the library and the generator (once per test process) and returns the folder they are in.
pub fn build() -> anyhow::Result<PathBuf> {
    static BUILT: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(folder) = built.as_ref() {
        return Ok(folder.clone());
    }
    let folder = program("");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    // The whole workspace, as `cargo test --workspace` selects it: the same features, so the same artefacts.
    command.args(["build", "--locked", "--workspace", "--lib", "--bin", "uniffi-bindgen"]);
    if folder.file_name().is_some_and(|name| name == "release") {
        command.arg("--release");
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace folder");
    let output = command.current_dir(workspace).output()?;
    anyhow::ensure!(
        output.status.success(),
        "building the mobile library failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    *built = Some(folder.clone());
    Ok(folder)
}

/// Generates the `language` bindings (`python`, `kotlin`, `swift`) into `out`, with the library copied
/// beside them.
pub fn generate(language: &str, out: &Path) -> anyhow::Result<()> {
    let folder = build()?;
    let library = folder.join(LIBRARY);
    let output = std::process::Command::new(folder.join("uniffi-bindgen"))
        .arg("generate")
        .arg(&library)
        .args(["--language", language, "--no-format", "--out-dir"])
        .arg(out)
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "uniffi-bindgen generate --language {language} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::copy(&library, out.join(LIBRARY))?;
    Ok(())
}

/// Whether `command --version` runs here.
pub fn available(command: &str) -> bool {
    std::process::Command::new(command).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// Whether the machine must have every language's tools (CI sets `ZHIBAN_REQUIRE_MOBILE_TOOLS=1`): then a
/// missing one fails the test instead of skipping it.
pub fn tools_required() -> bool {
    std::env::var_os("ZHIBAN_REQUIRE_MOBILE_TOOLS").is_some_and(|v| v == "1")
}

/// The Kotlin compiler from npm (`tests/mobile/kotlin`, installed by `.ci/run`), JNA from Debian's
/// `libjna-java`, and a JVM: `None` when one is missing.
pub struct KotlinTools {
    pub kotlinc: PathBuf,
    pub jna: PathBuf,
}

impl KotlinTools {
    pub fn find() -> Option<Self> {
        let kotlinc = stories().join("kotlin/node_modules/kotlin-compiler/bin/kotlinc");
        let jna = PathBuf::from("/usr/share/java/jna.jar");
        (kotlinc.exists() && jna.exists() && available("java")).then_some(Self { kotlinc, jna })
    }

    /// Compiles the generated bindings in `bindings` with `program` into `bindings/story.jar`.
    pub fn compile(&self, bindings: &Path, program: &Path) -> anyhow::Result<PathBuf> {
        let mut sources = vec![program.to_path_buf()];
        let mut folders = vec![bindings.to_path_buf()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder)? {
                let path = entry?.path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "kt") {
                    sources.push(path);
                }
            }
        }
        let jar = bindings.join("story.jar");
        let output = std::process::Command::new(&self.kotlinc)
            .args(["-nowarn", "-include-runtime", "-cp"])
            .arg(&self.jna)
            .args(&sources)
            .arg("-d")
            .arg(&jar)
            .output()?;
        anyhow::ensure!(output.status.success(), "kotlinc failed:\n{}", String::from_utf8_lossy(&output.stderr));
        Ok(jar)
    }

    /// `java` running `main_class` from `jar`, with JNA and the library in `bindings`.
    pub fn java(&self, jar: &Path, bindings: &Path, main_class: &str) -> Command {
        let mut command = Command::new("java");
        command
            .arg(format!("-Djna.library.path={}", bindings.display()))
            .arg("-cp")
            .arg(format!("{}:{}", jar.display(), self.jna.display()))
            .arg(main_class);
        command
    }
}

/// One run of an app: a process whose standard output is one JSON line per step.
pub struct AppRun {
    child: Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl AppRun {
    pub fn start(mut command: Command) -> anyhow::Result<Self> {
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).kill_on_drop(true).spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no standard output"))?;
        Ok(Self { child, lines: BufReader::new(stdout).lines() })
    }

    /// The next step the app reports (at most 120 s away).
    pub async fn next(&mut self) -> anyhow::Result<serde_json::Value> {
        let line = tokio::time::timeout(std::time::Duration::from_secs(120), self.lines.next_line()).await??;
        let line = line.ok_or_else(|| anyhow::anyhow!("the app ended without reporting"))?;
        serde_json::from_str(&line).map_err(|e| anyhow::anyhow!("the app reported {line:?}: {e}"))
    }

    /// Kills the app as the OS does (SIGKILL): no chance to tidy up.
    pub async fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    /// Waits for the app to end; it must succeed.
    pub async fn finish(mut self) -> anyhow::Result<()> {
        let status = self.child.wait().await?;
        anyhow::ensure!(status.success(), "the app ended with {status}");
        Ok(())
    }
}
