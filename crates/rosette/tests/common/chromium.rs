//! Real headless Chromium for the browser tests, driven over WebDriver by `chromedriver`.
//!
//! Each test gets its own `chromedriver` on a free port and its own empty Chromium profile;
//! both go away when the [`Chromium`] is dropped. Chromium is started with the flags this
//! machine needs (`--no-sandbox` as root, no background networking on a closed network).
//! A missing browser fails the test with the command that installs it: a browser test that
//! skipped itself silently would prove nothing.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// Where Debian puts the browser and its driver; `ROSETTE_CHROMIUM` and
/// `ROSETTE_CHROMEDRIVER` override them.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long to wait for chromedriver to answer, and for an element to appear.
const STARTUP: Duration = Duration::from_secs(20);
const WAIT: Duration = Duration::from_secs(10);

/// A headless Chromium session and the driver process behind it.
pub struct Chromium {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
    base: String,
}

impl Chromium {
    /// Starts chromedriver and a headless Chromium that will open pages under `base`.
    pub async fn start(base: &str) -> Self {
        let chromium = std::env::var("ROSETTE_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
        let driver_path =
            std::env::var("ROSETTE_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
        for path in [&chromium, &driver_path] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's chromium and \
                 chromium-driver (apt-get install chromium chromium-driver; .ci/run does this)"
            );
        }
        let port = free_port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = std::env::temp_dir().join(format!(
            "rosette-chromium-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let client = connect(port, &chromium, &profile).await;
        Self {
            client,
            driver,
            profile,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// Opens a path of the server under test.
    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    }

    /// The path (and query) of the page now shown.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        let path = url.path().to_owned();
        match url.query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        }
    }

    /// Waits for the element that `css` selects.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} on the page: {e}"))
    }

    /// Replaces the text of the input that `css` selects.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    /// Clicks the element that `css` selects.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Clicks the element that `css` selects and waits until the browser has left the page
    /// (a submitted form, a followed link), so the next step sees the new page.
    pub async fn click_and_wait(&self, css: &str) {
        let old_page = self.find("html").await;
        self.click(css).await;
        let started = Instant::now();
        while old_page.tag_name().await.is_ok() {
            assert!(
                started.elapsed() < WAIT,
                "clicking {css} opened no new page"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The visible text of the element that `css` selects.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// The whole page's visible text.
    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    /// Saves a screenshot under `target/browser-screenshots/`, for a person to look at.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Ends the browser session (the driver is stopped on drop).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Connects to chromedriver once it listens, asking for a headless Chromium.
async fn connect(port: u16, chromium: &str, profile: &std::path::Path) -> Client {
    let options = json!({
        "binary": chromium,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,900",
            format!("--user-data-dir={}", profile.display()),
        ],
    });
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    let started = Instant::now();
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let attempt = ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match attempt {
            Ok(client) => return client,
            Err(e) if started.elapsed() > STARTUP => {
                panic!("chromedriver on port {port} did not start Chromium: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
