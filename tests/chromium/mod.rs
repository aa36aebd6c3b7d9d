//! Headless Chromium for the browser test, driven over WebDriver: Debian's
//! `chromium` under its `chromedriver` (package `chromium-driver`), with
//! fantoccini as the WebDriver client.
//!
//! [`find`] looks for both programs (`QSCOPE_CHROMIUM` and
//! `QSCOPE_CHROMEDRIVER` name them explicitly; otherwise they are looked
//! up on `PATH`). [`Chromium::launch`] starts chromedriver on a port of its
//! own choosing and opens one session with a fresh profile;
//! [`Chromium::quit`] ends the session (Chromium exits) and then
//! chromedriver. Screenshots go to `target/browser-screenshots/`.

#![allow(dead_code, unreachable_pub)]

pub mod axe;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// How often a page is looked at while a test waits for it.
const POLL: Duration = Duration::from_millis(50);
/// How many looks a page may take (some 10 s) to arrive where a test
/// expects it.
const LOOKS: u32 = 200;

/// The switches that keep Chromium headless and quiet: no sandbox (the
/// tests may run as root), no GPU, and none of its own network traffic
/// (updates, sync, QUIC probes), which a closed network would drown in.
const SWITCHES: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];

/// The two programs a browser test needs.
#[derive(Debug, Clone)]
pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

/// Chromium and chromedriver, or why they are not there.
pub fn find() -> Result<Tools, String> {
    let chromium = program("QSCOPE_CHROMIUM", &["chromium", "chromium-browser"])
        .ok_or("no chromium (apt-get install chromium, or set QSCOPE_CHROMIUM)")?;
    let chromedriver = program("QSCOPE_CHROMEDRIVER", &["chromedriver"])
        .ok_or("no chromedriver (apt-get install chromium-driver, or set QSCOPE_CHROMEDRIVER)")?;
    Ok(Tools { chromium, chromedriver })
}

/// The program `variable` names, or the first of `names` on `PATH`.
fn program(variable: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        return Some(PathBuf::from(path)).filter(|path| path.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// One Chromium session under its own chromedriver.
pub struct Chromium {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
    screenshots: PathBuf,
}

impl Chromium {
    /// Starts chromedriver and a Chromium session with a fresh profile.
    pub async fn launch(tools: &Tools) -> Self {
        let mut driver = Command::new(&tools.chromedriver)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let stdout = driver.stdout.take().expect("chromedriver's standard output");
        let port = tokio::task::spawn_blocking(move || listening_port(stdout)).await.unwrap();
        let Some(port) = port else {
            let _ = driver.kill();
            let _ = driver.wait();
            panic!("chromedriver did not say which port it listens on");
        };
        let profile =
            std::env::temp_dir().join(format!("qscope-chromium-{}-{}", std::process::id(), port));
        let mut args: Vec<String> = SWITCHES.iter().map(|s| (*s).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let mut capabilities = serde_json::Map::new();
        capabilities
            .insert("goog:chromeOptions".into(), json!({ "binary": tools.chromium, "args": args }));
        let connected = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        let client = match connected {
            Ok(client) => client,
            Err(error) => {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!("no Chromium session: {error}");
            }
        };
        // Only this run's pictures.
        let screenshots = screenshot_dir();
        let _ = std::fs::remove_dir_all(&screenshots);
        Self { client, driver, profile, screenshots }
    }

    /// Saves a PNG of the window as `target/browser-screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::create_dir_all(&self.screenshots).unwrap();
        std::fs::write(self.screenshots.join(format!("{name}.png")), png).unwrap();
    }

    /// Saves the page at 375 px and at 1,280 px wide as
    /// `NAME-375.png` and `NAME-1280.png`, leaving the window 1,280 px wide.
    pub async fn screenshots(&self, name: &str) {
        for width in [375, 1280] {
            self.client.set_window_size(width, 900).await.expect("a window size");
            self.screenshot(&format!("{name}-{width}")).await;
        }
    }

    /// Opens `url`.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Types `text` into the element `css` selects.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.expect(css);
        field.send_keys(text).await.unwrap();
    }

    /// Clicks the element `css` selects.
    pub async fn click(&self, css: &str) {
        let target = self.client.find(Locator::Css(css)).await.expect(css);
        target.click().await.unwrap();
    }

    /// The text of the element `css` selects.
    pub async fn text(&self, css: &str) -> String {
        self.client.find(Locator::Css(css)).await.expect(css).text().await.unwrap()
    }

    /// The address the window shows.
    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// Waits until the window's address starts with `prefix`; returns it.
    pub async fn arrive(&self, prefix: &str) -> String {
        self.wait_for(prefix, |url| url.starts_with(prefix)).await
    }

    /// Waits until the window's address is `url`.
    pub async fn arrive_exactly(&self, url: &str) {
        self.wait_for(url, |now| now == url).await;
    }

    /// Waits until the window's address passes `arrived`; returns it.
    /// Panics with the address it stayed on.
    async fn wait_for(&self, expected: &str, arrived: impl Fn(&str) -> bool) -> String {
        settle(|| self.url(), |url| arrived(url))
            .await
            .unwrap_or_else(|url| panic!("the browser stayed on {url}, never reaching {expected}"))
    }

    /// Waits until the page's `<h1>` reads `heading` (a form's answer may
    /// come at the same address). Panics with the heading it kept.
    pub async fn shows(&self, heading: &str) {
        let h1 = || async {
            match self.client.find(Locator::Css("h1")).await {
                Ok(h1) => h1.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            }
        };
        if let Err(kept) = settle(h1, |now| now == heading).await {
            panic!("the page kept the heading {kept:?}, never showing {heading:?}");
        }
    }

    /// Ends the session (Chromium exits), then chromedriver.
    pub async fn quit(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // `quit` has run or a test panicked: chromedriver, started here, goes too.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Probes until `done` accepts the value, every [`POLL`], at most
/// [`LOOKS`] times: `Ok` with that value, or `Err` with the last one.
async fn settle<T, F, Probe>(mut probe: F, done: impl Fn(&T) -> bool) -> Result<T, T>
where
    F: FnMut() -> Probe,
    Probe: Future<Output = T>,
{
    let mut value = probe().await;
    for _ in 0..LOOKS {
        if done(&value) {
            return Ok(value);
        }
        tokio::time::sleep(POLL).await;
        value = probe().await;
    }
    if done(&value) { Ok(value) } else { Err(value) }
}

/// Reads chromedriver's greeting for "... started successfully on port N.",
/// then keeps draining its output on this thread.
fn listening_port(stdout: std::process::ChildStdout) -> Option<u16> {
    let mut lines = BufReader::new(stdout).lines();
    let port = lines.by_ref().map_while(Result::ok).find_map(|line| {
        let (_, after) = line.split_once("started successfully on port ")?;
        after.trim_end_matches('.').trim().parse().ok()
    });
    std::thread::spawn(move || lines.for_each(drop));
    port
}

/// `target/browser-screenshots`, beside the tests' `target/tmp`.
fn screenshot_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("browser-screenshots")
}
