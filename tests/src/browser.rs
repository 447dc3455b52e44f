//! Headless Chromium (Debian's `chromium` package) for what is rendered: a page is opened as a browser
//! opens it and photographed, so a test can tell a printed report from a blank or broken one. Where
//! `ZHIBAN_REQUIRE_BROWSER=1` (CI), a missing browser fails the test instead of skipping it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser, if this machine has one.
pub fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Whether a missing browser is a failure here rather than a reason to skip.
pub fn required() -> bool {
    std::env::var("ZHIBAN_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// The browser, or `None` after saying why the test is skipped; panics where the browser is required.
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    match chromium() {
        Some(path) => Some(path),
        None if required() => panic!("{test}: Chromium is required here (ZHIBAN_REQUIRE_BROWSER=1) but not installed"),
        None => {
            eprintln!("{test}: skipped, no Chromium (apt-get install chromium fonts-noto-cjk)");
            None
        }
    }
}

/// Whether fonts for Chinese are installed (fontconfig knows a face for `zh`).
pub fn has_chinese_fonts() -> bool {
    Command::new("fc-list").arg(":lang=zh").output().is_ok_and(|o| !o.stdout.is_empty())
}

/// Opens `page` (a file) in headless Chromium at `width`×`height` and writes a PNG of it to `png`.
pub fn screenshot(browser: &Path, page: &Path, png: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    let profile = tempfile::tempdir()?;
    let output = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()?;
    anyhow::ensure!(
        png.exists(),
        "chromium wrote no screenshot ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

/// A decoded screenshot: width, height and RGBA pixels.
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Picture {
    pub fn open(png: &Path) -> anyhow::Result<Self> {
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png)?));
        let mut reader = decoder.read_info()?;
        let mut buffer = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buffer)?;
        let rgba = match info.color_type {
            png::ColorType::Rgba => buffer[..info.buffer_size()].to_vec(),
            png::ColorType::Rgb => {
                buffer[..info.buffer_size()].chunks(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect()
            }
            other => anyhow::bail!("unexpected PNG colour type {other:?}"),
        };
        Ok(Self { width: info.width, height: info.height, rgba })
    }

    /// The share of pixels in rows `top..bottom` that satisfy `test` (r, g, b).
    pub fn share(&self, top: u32, bottom: u32, test: impl Fn(u8, u8, u8) -> bool) -> f64 {
        let (top, bottom) = (top.min(self.height), bottom.min(self.height));
        let row = self.width as usize * 4;
        let pixels = &self.rgba[top as usize * row..bottom as usize * row];
        let total = pixels.len() / 4;
        if total == 0 {
            return 0.0;
        }
        pixels.chunks(4).filter(|p| test(p[0], p[1], p[2])).count() as f64 / total as f64
    }
}
