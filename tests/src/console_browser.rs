//! Headless Chromium at the duty desk's console, as a person at the desk uses it: `tests/js/console_driver.mjs`
//! (Playwright's core driving Debian's Chromium, no browser of its own) run by the machine's Node.js, one JSON
//! command per line. A test types and tabs, reads where focus is and what the page says, measures whether
//! the page scrolls sideways, and keeps screenshots in `target/test-artefacts/console/` that must not be blank.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::browser::{Picture, chromium_or_skip};
use crate::js;

/// How long an ordinary command may take; the driver's own waits for elements end after 5 s.
const ANSWER: Duration = Duration::from_secs(30);

/// The element with keyboard focus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Focused {
    /// Lower case: `input`, `button`, `a`; `body` when nothing has focus.
    pub tag: String,
    pub id: String,
    pub name: String,
    pub kind: String,
    /// What a button or link says.
    pub text: String,
    /// What a field holds (never a password's).
    pub value: String,
}

/// Where an element is drawn, in CSS pixels from the top left of the viewport.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Area {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }
}

/// What opening an address did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The browser downloaded a file of this name, and stayed where it was.
    Download(String),
    /// The browser showed what the address answered (of this type), with this title if it could be read.
    Page { path: String, content_type: String, title: String },
}

/// The page's width against the window's: a wider page scrolls sideways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageWidth {
    pub scroll_width: u32,
    pub inner_width: u32,
}

pub struct ConsoleBrowser {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    viewport: (u32, u32),
}

impl ConsoleBrowser {
    /// A browser on `base_url` (paths are taken relative to it) with a `width`×`height` window; `None` after
    /// saying why when this machine has no Chromium (where `ZHIBAN_REQUIRE_BROWSER=1`, that panics instead).
    pub async fn start(base_url: &str, width: u32, height: u32) -> anyhow::Result<Option<Self>> {
        let test = std::thread::current().name().unwrap_or("console browser test").to_owned();
        let Some(chromium) = chromium_or_skip(&test) else { return Ok(None) };
        js::ensure_installed()?;
        let mut child = Command::new("node")
            .arg(js::js_folder().join("console_driver.mjs"))
            .arg(base_url)
            .arg(&chromium)
            .arg(width.to_string())
            .arg(height.to_string())
            .current_dir(js::js_folder())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("node (Node.js) is needed for the console's browser tests")?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("no stdout")?).lines();
        let mut browser = Self { child, stdin, stdout, viewport: (width, height) };
        browser.call(json!({"cmd": "version"})).await.context("starting headless Chromium")?;
        Ok(Some(browser))
    }

    /// Sends one command and returns its answer; an `error` answer is an `Err`.
    pub async fn call(&mut self, command: Value) -> anyhow::Result<Value> {
        let answer = self.try_call(command.clone(), ANSWER).await?;
        if let Some(error) = answer.get("error") {
            anyhow::bail!("console browser, {command}: {}", error.as_str().unwrap_or_default());
        }
        Ok(answer)
    }

    /// Like `call`, but an `error` answer is returned as it is.
    pub async fn try_call(&mut self, command: Value, within: Duration) -> anyhow::Result<Value> {
        self.stdin.write_all(format!("{command}\n").as_bytes()).await?;
        self.stdin.flush().await?;
        let line = tokio::time::timeout(within, self.stdout.next_line())
            .await
            .map_err(|_| anyhow::anyhow!("the console browser did not answer {command} within {within:?}"))??
            .ok_or_else(|| anyhow::anyhow!("the console browser exited (its error is above)"))?;
        Ok(serde_json::from_str(&line)?)
    }

    /// Opens `path` and waits for it to load; the path it ends on, after redirects.
    pub async fn goto(&mut self, path: &str) -> anyhow::Result<String> {
        Ok(text_of(&self.call(json!({"cmd": "goto", "path": path})).await?, "path"))
    }

    pub async fn fill(&mut self, selector: &str, value: &str) -> anyhow::Result<()> {
        self.call(json!({"cmd": "fill", "selector": selector, "value": value})).await?;
        Ok(())
    }

    /// Chooses the option with `value` in the first `select` matching.
    pub async fn select(&mut self, selector: &str, value: &str) -> anyhow::Result<()> {
        self.call(json!({"cmd": "select", "selector": selector, "value": value})).await?;
        Ok(())
    }

    /// Ticks the first checkbox matching.
    pub async fn check(&mut self, selector: &str) -> anyhow::Result<()> {
        self.call(json!({"cmd": "check", "selector": selector})).await?;
        Ok(())
    }

    /// Clicks the first match; the path the page is on afterwards (a form it submits has loaded).
    pub async fn click(&mut self, selector: &str) -> anyhow::Result<String> {
        Ok(text_of(&self.call(json!({"cmd": "click", "selector": selector})).await?, "path"))
    }

    pub async fn focus(&mut self, selector: &str) -> anyhow::Result<()> {
        self.call(json!({"cmd": "focus", "selector": selector})).await?;
        Ok(())
    }

    /// Types `text` on the keyboard into whatever has focus.
    pub async fn type_text(&mut self, text: &str) -> anyhow::Result<()> {
        self.call(json!({"cmd": "type", "text": text})).await?;
        Ok(())
    }

    /// Presses one key (`Tab`, `Shift+Tab`, `Enter`); the path the page is on afterwards.
    pub async fn press(&mut self, key: &str) -> anyhow::Result<String> {
        Ok(text_of(&self.call(json!({"cmd": "press", "key": key})).await?, "path"))
    }

    pub async fn focused(&mut self) -> anyhow::Result<Focused> {
        let answer = self.call(json!({"cmd": "focused"})).await?;
        Ok(Focused {
            tag: text_of(&answer, "tag"),
            id: text_of(&answer, "id"),
            name: text_of(&answer, "name"),
            kind: text_of(&answer, "type"),
            text: text_of(&answer, "text"),
            value: text_of(&answer, "value"),
        })
    }

    /// The first match's text as drawn (`innerText`).
    pub async fn text(&mut self, selector: &str) -> anyhow::Result<String> {
        Ok(text_of(&self.call(json!({"cmd": "text", "selector": selector})).await?, "text"))
    }

    /// Waits until the first match's text contains `text`, without reloading the page: how a test sees a live
    /// update arrive. Its text then.
    pub async fn wait_text(&mut self, selector: &str, text: &str, timeout: Duration) -> anyhow::Result<String> {
        let command =
            json!({"cmd": "wait_text", "selector": selector, "text": text, "timeout_ms": timeout.as_millis() as u64});
        let answer = self.try_call(command, timeout + ANSWER).await?;
        if let Some(error) = answer.get("error") {
            anyhow::bail!("{}; it shows: {}", error.as_str().unwrap_or_default(), answer["text"]);
        }
        Ok(text_of(&answer, "text"))
    }

    /// An attribute of the first match; `None` when it has none.
    pub async fn attribute(&mut self, selector: &str, name: &str) -> anyhow::Result<Option<String>> {
        let answer = self.call(json!({"cmd": "attribute", "selector": selector, "name": name})).await?;
        Ok(answer["value"].as_str().map(str::to_owned))
    }

    /// What a form field holds now.
    pub async fn value(&mut self, selector: &str) -> anyhow::Result<String> {
        Ok(text_of(&self.call(json!({"cmd": "value", "selector": selector})).await?, "value"))
    }

    pub async fn count(&mut self, selector: &str) -> anyhow::Result<usize> {
        let answer = self.call(json!({"cmd": "count", "selector": selector})).await?;
        answer["count"].as_u64().map(|c| c as usize).context("a count")
    }

    pub async fn bounding_box(&mut self, selector: &str) -> anyhow::Result<Area> {
        let answer = self.call(json!({"cmd": "box", "selector": selector})).await?;
        let number = |key: &str| answer[key].as_f64().with_context(|| format!("{key} in {answer}"));
        Ok(Area { x: number("x")?, y: number("y")?, width: number("width")?, height: number("height")? })
    }

    /// The path the page is on.
    pub async fn path(&mut self) -> anyhow::Result<String> {
        Ok(text_of(&self.call(json!({"cmd": "url"})).await?, "path"))
    }

    /// The whole address the page is on.
    pub async fn url(&mut self) -> anyhow::Result<String> {
        Ok(text_of(&self.call(json!({"cmd": "url"})).await?, "url"))
    }

    /// Resizes the window, as a wall screen or a laptop would have it; the page stays as it is.
    pub async fn set_viewport(&mut self, width: u32, height: u32) -> anyhow::Result<()> {
        self.call(json!({"cmd": "viewport", "width": width, "height": height})).await?;
        self.viewport = (width, height);
        Ok(())
    }

    pub fn viewport(&self) -> (u32, u32) {
        self.viewport
    }

    pub async fn page_width(&mut self) -> anyhow::Result<PageWidth> {
        let answer = self.call(json!({"cmd": "page_width"})).await?;
        let number = |key: &str| answer[key].as_u64().map(|n| n as u32).with_context(|| format!("{key} in {answer}"));
        Ok(PageWidth { scroll_width: number("scroll_width")?, inner_width: number("inner_width")? })
    }

    /// A PNG of the window (or of the whole page) at `png`.
    pub async fn screenshot(&mut self, png: &Path, full_page: bool) -> anyhow::Result<()> {
        let path = png.to_str().context("a screenshot path that is not UTF-8")?;
        self.call(json!({"cmd": "screenshot", "path": path, "full_page": full_page})).await?;
        Ok(())
    }

    /// Photographs the window to `target/test-artefacts/console/<name>.png` (kept for people to look at) and
    /// fails unless the picture shows a page: see `not_blank`.
    pub async fn screenshot_not_blank(&mut self, name: &str) -> anyhow::Result<PathBuf> {
        let folder = artefacts_folder();
        std::fs::create_dir_all(&folder)?;
        let png = folder.join(format!("{name}.png"));
        // An old picture must not stand in for one that was not taken.
        let _ = std::fs::remove_file(&png);
        self.screenshot(&png, false).await?;
        let picture = Picture::open(&png)?;
        let (width, height) = self.viewport;
        anyhow::ensure!(
            (picture.width, picture.height) == (width, height),
            "{name}: the screenshot is {}×{}, the window {width}×{height}",
            picture.width,
            picture.height
        );
        not_blank(&picture).map_err(|why| anyhow::anyhow!("{name} ({}): {why}", png.display()))?;
        Ok(png)
    }

    /// Page errors and `console.error` messages since the browser started.
    pub async fn console_errors(&mut self) -> anyhow::Result<Vec<String>> {
        let answer = self.call(json!({"cmd": "console_errors"})).await?;
        let errors = answer["errors"].as_array().context("errors")?;
        Ok(errors.iter().map(|e| e.as_str().unwrap_or_default().to_owned()).collect())
    }

    /// Opens `path` as a person pasting the address would: what it downloads, or the page it shows.
    pub async fn open(&mut self, path: &str) -> anyhow::Result<Opened> {
        let answer = self.call(json!({"cmd": "open", "path": path})).await?;
        Ok(match answer.get("download").and_then(Value::as_str) {
            Some(name) => Opened::Download(name.to_owned()),
            None => Opened::Page {
                path: text_of(&answer, "path"),
                content_type: text_of(&answer, "content_type"),
                title: text_of(&answer, "title"),
            },
        })
    }

    /// Clicks the first match, a link that downloads: the file's suggested name and the path the page is on.
    pub async fn download(&mut self, selector: &str) -> anyhow::Result<(String, String)> {
        let answer = self.call(json!({"cmd": "download", "selector": selector})).await?;
        Ok((text_of(&answer, "download"), text_of(&answer, "path")))
    }

    /// A property of the first match (an image's `naturalWidth`, say).
    pub async fn property(&mut self, selector: &str, name: &str) -> anyhow::Result<Value> {
        Ok(self.call(json!({"cmd": "property", "selector": selector, "name": name})).await?["value"].clone())
    }

    /// The first match's computed style `property` (`color`: `rgb(185, 28, 28)`).
    pub async fn computed_style(&mut self, selector: &str, property: &str) -> anyhow::Result<String> {
        let answer = self.call(json!({"cmd": "computed_style", "selector": selector, "property": property})).await?;
        Ok(text_of(&answer, "value"))
    }

    /// The open page's `localStorage` item `key`.
    pub async fn local_storage(&mut self, key: &str) -> anyhow::Result<Option<String>> {
        let answer = self.call(json!({"cmd": "local_storage", "key": key})).await?;
        Ok(answer["value"].as_str().map(str::to_owned))
    }

    /// Content Security Policy violations any page raised since the browser started.
    pub async fn csp_violations(&mut self) -> anyhow::Result<Vec<String>> {
        let answer = self.call(json!({"cmd": "csp_violations"})).await?;
        let violations = answer["violations"].as_array().context("violations")?;
        Ok(violations.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect())
    }

    /// Whether an inline script added to the open page runs: not where a Content Security Policy is in force.
    pub async fn inline_script_runs(&mut self) -> anyhow::Result<bool> {
        self.call(json!({"cmd": "inline_script_runs"})).await?["ran"].as_bool().context("ran")
    }

    /// Documents loaded in the main frame so far: unchanged across a live update means no reload.
    pub async fn navigations(&mut self) -> anyhow::Result<u64> {
        self.call(json!({"cmd": "navigations"})).await?["count"].as_u64().context("a count")
    }

    /// Closes the browser; dropping a `ConsoleBrowser` kills the driver instead.
    pub async fn quit(mut self) -> anyhow::Result<()> {
        let _ = self.stdin.write_all(b"{\"cmd\":\"quit\"}\n").await;
        let _ = self.stdin.flush().await;
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
            self.child.kill().await?;
        }
        Ok(())
    }
}

/// Where the console's screenshots are kept: `target/test-artefacts/console`, beside the other artefacts.
pub fn artefacts_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artefacts/console")
}

/// Whether a screenshot shows a page rather than nothing: enough of it (2 %) differs from its most common
/// colour (the background), and the top third holds dark, grey "ink" (text) but is not mostly dark. A white,
/// all-one-colour or nearly empty page fails, and so does a page with its text missing from the top.
pub fn not_blank(picture: &Picture) -> Result<(), String> {
    let background = most_common_colour(picture);
    let differs =
        |r: u8, g: u8, b: u8| [r, g, b].iter().zip(background).any(|(&channel, wanted)| channel.abs_diff(wanted) > 8);
    let drawn = picture.share(0, picture.height, differs);
    if drawn < 0.02 {
        return Err(format!("only {:.2} % of it differs from the background {background:?}", drawn * 100.0));
    }
    // Text is near-black and grey when anti-aliased: dark and without much colour (a blue bar is not ink).
    let ink = |r: u8, g: u8, b: u8| {
        let (low, high) = (r.min(g).min(b), r.max(g).max(b));
        high < 110 && high - low < 40
    };
    let top_ink = picture.share(0, picture.height / 3, ink);
    if !(0.001..0.5).contains(&top_ink) {
        return Err(format!("{:.3} % of its top third is dark ink, not text", top_ink * 100.0));
    }
    Ok(())
}

fn most_common_colour(picture: &Picture) -> [u8; 3] {
    let mut counts = std::collections::HashMap::<[u8; 3], usize>::new();
    for pixel in picture.rgba.chunks(4) {
        *counts.entry([pixel[0], pixel[1], pixel[2]]).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(colour, _)| colour).unwrap_or([255, 255, 255])
}

fn text_of(answer: &Value, key: &str) -> String {
    answer[key].as_str().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(width: u32, height: u32, paint: impl Fn(u32, u32) -> [u8; 3]) -> Picture {
        let rgba = (0..height).flat_map(|y| (0..width).map(move |x| (x, y))).flat_map(|(x, y)| {
            let [r, g, b] = paint(x, y);
            [r, g, b, 255]
        });
        Picture { width, height, rgba: rgba.collect() }
    }

    #[test]
    fn a_blank_or_one_colour_page_is_blank_and_a_page_with_text_is_not() {
        assert!(not_blank(&picture(200, 150, |_, _| [255, 255, 255])).is_err(), "white");
        assert!(not_blank(&picture(200, 150, |_, _| [11, 79, 156])).is_err(), "all blue");
        assert!(not_blank(&picture(200, 150, |_, _| [0, 0, 0])).is_err(), "all black");
        // A blue bar across the top, but no text anywhere.
        assert!(not_blank(&picture(200, 150, |_, y| if y < 20 { [11, 79, 156] } else { [246, 246, 244] })).is_err());
        // The same bar with lines of dark text below it.
        let page = picture(200, 150, |x, y| match (x, y) {
            (_, 0..20) => [11, 79, 156],
            (10..120, 30..34 | 40..44) if x % 3 != 0 => [26, 26, 26],
            _ => [246, 246, 244],
        });
        assert_eq!(not_blank(&page), Ok(()));
    }
}
