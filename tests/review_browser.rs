//! `payplan review --html` in a real headless browser (Debian's chromium):
//! the page renders, and its screenshot is not blank. Where chromium is
//! absent the test says so on standard error and returns, except in CI
//! (`CI` set), where `.ci/run` installs it and its absence is a failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// The browser, or `None` (after saying why) where the test cannot run.
fn chromium() -> Option<PathBuf> {
    let path = Path::new(CHROMIUM);
    if path.exists() {
        return Some(path.to_path_buf());
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{CHROMIUM} is missing in CI: .ci/run should have installed it (apt-get install -y chromium)");
    }
    // Straight to standard error, past the test harness's capture, so that
    // the skip shows in every `cargo test` run.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {CHROMIUM} is not installed, so `payplan review --html` was not rendered \
         in a browser (install it with `apt-get install -y chromium`)"
    );
    None
}

/// Runs chromium headless on `page`, writing a 1200x1600 screenshot to `png`.
fn screenshot(browser: &Path, page: &Path, png: &Path, profile: &Path) {
    let url = format!("file://{}", page.display());
    let log = png.with_extension("log");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1200,1600")
        .arg(&url)
        .stdout(std::process::Stdio::null())
        // To a file, not a pipe: a full pipe would stall the browser.
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("chromium starts");
    // Chromium can hang on a machine without a display server: give it two
    // minutes, then stop it (this test started it; it is ended by its id).
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let err = std::fs::read_to_string(&log).unwrap_or_default();
            assert!(
                status.success() || png.exists(),
                "chromium failed ({status}):\n{err}"
            );
            return;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The decoded pixels' colors (RGB) with their counts, the share of pixels
/// that are not the most common color, and the image's size.
type Colors = std::collections::HashMap<[u8; 3], usize>;

fn colors(png: &Path) -> (Colors, f64, (u32, u32)) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let bytes = &buffer[..info.buffer_size()];
    let channels = info.color_type.samples();
    assert!(
        channels >= 3,
        "an RGB screenshot, got {:?}",
        info.color_type
    );
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let mut counts = Colors::new();
    for px in bytes.chunks_exact(channels) {
        *counts.entry([px[0], px[1], px[2]]).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    let most = counts.values().copied().max().unwrap_or(0);
    (
        counts,
        (total - most) as f64 / total.max(1) as f64,
        (info.width, info.height),
    )
}

#[test]
fn review_html_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        return;
    };
    let root = common::cases::root();
    let tmp = tempfile::tempdir().unwrap();
    for plan in ["ranked", "hybrid"] {
        let page = tmp.path().join(format!("{plan}.html"));
        let out = Command::new(env!("CARGO_BIN_EXE_payplan"))
            .current_dir(&root)
            .args(["review", &format!("plans/{plan}.plan")])
            .args(["--network", "examples/network.csv", "--html"])
            .arg(&page)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let png = tmp.path().join(format!("{plan}.png"));
        let profile = tmp.path().join(format!("profile-{plan}"));
        screenshot(&browser, &page, &png, &profile);
        assert!(png.exists(), "{plan}: no screenshot");
        let (counts, drawn, size) = colors(&png);
        let distinct = counts.len();
        assert_eq!(size, (1200, 1600), "{plan}: screenshot size");
        // A blank page is one color; the review has text, tables and three
        // colored charts.
        assert!(distinct >= 8, "{plan}: only {distinct} colors: blank?");
        assert!(
            drawn > 0.02,
            "{plan}: only {:.3}% of pixels drawn",
            drawn * 100.0
        );
        // The charts' bar colors are on the screen: the page was laid out,
        // not an error page.
        for (name, rgb) in [
            ("histogram", [0x3f, 0x7c, 0xc4]),
            ("pay by rank or bonus", [0xd0, 0x81, 0x3b]),
        ] {
            let px = counts.get(&rgb).copied().unwrap_or(0);
            assert!(
                px > 100,
                "{plan}: the {name} chart's bars are not on the screen ({px} pixels)"
            );
        }
        eprintln!("{plan}: {distinct} colors, {:.1}% drawn", drawn * 100.0);
    }
}
