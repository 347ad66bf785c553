//! The test helper: a real Rosette server on a free port with a fresh database, on SQLite or
//! on PostgreSQL, and a client for it.
//!
//! PostgreSQL is expected on 127.0.0.1:5432 (user postgres, trust auth, database `test`);
//! each test gets a database of its own, dropped when the test ends.
#![allow(dead_code)]

pub mod browser;
pub mod labs;

use std::path::PathBuf;

use rosette::config::{LogFormat, Settings};
use rosette::http::AppState;

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The admin connection for creating and dropping test databases.
pub const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A running server.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The server's state, for setting things up directly.
    pub state: AppState,
    /// A client for the server.
    pub client: reqwest::Client,
    /// The data folder.
    pub data_dir: PathBuf,
    postgres_database: Option<String>,
}

/// Starts a server with a fresh database.
pub async fn spawn(backend: Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

/// Starts a server with a fresh database and settings adjusted by `configure`. Background
/// jobs do not run by themselves: tests run them with `rosette::jobs::run_next`.
pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let name = format!("rosette_test_{}", uuid::Uuid::new_v4().simple());
    let data_dir = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&data_dir).unwrap();
    let database_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(create_postgres_database(&name).await),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let url = format!("http://{address}");
    let mut settings = Settings {
        data_dir: data_dir.clone(),
        listen: address,
        public_url: url.clone(),
        database_url,
        master_key: Some("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=".into()),
        smtp: None,
        log_format: LogFormat::Text,
        labs: Default::default(),
    };
    configure(&mut settings);
    let state = rosette::server::prepare(settings)
        .await
        .expect("the server starts");
    tokio::spawn(rosette::http::serve(listener, state.clone()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let postgres_database = (backend == Backend::Postgres).then_some(name);
    TestApp {
        url,
        state,
        client,
        data_dir,
        postgres_database,
    }
}

async fn create_postgres_database(name: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(POSTGRES_ADMIN_URL)
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (see README: Requirements)");
    // The name is made here from a UUID, never from input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    format!("postgres://postgres@127.0.0.1:5432/{name}")
}

impl TestApp {
    /// A full URL for a path.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(name) = self.postgres_database.take() {
            // Drop runs outside async code: a small runtime of its own does the clean-up.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(async {
                        use sqlx::Connection;
                        if let Ok(mut admin) =
                            sqlx::AnyConnection::connect(POSTGRES_ADMIN_URL).await
                        {
                            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                            let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                                .execute(&mut admin)
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// Declares a test that runs the async function `$scenario(TestApp)` once on SQLite and once
/// on PostgreSQL.
#[macro_export]
macro_rules! on_both_engines {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_sqlite() {
                    super::$scenario($crate::common::spawn($crate::common::Backend::Sqlite).await)
                        .await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_postgres() {
                    super::$scenario($crate::common::spawn($crate::common::Backend::Postgres).await)
                        .await;
                }
            }
        )*
    };
}

/// A fresh organization with an API token of the given role.
pub struct TestOrg {
    pub id: String,
    pub token: String,
}

impl TestApp {
    /// Makes an organization and a token for it, directly through the services.
    pub async fn org_with_token(&self, role: rosette::auth::Role) -> TestOrg {
        let slug = format!("org-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let slug = rosette::validate::Slug::parse(&slug).unwrap();
        let owner = rosette::validate::Email::parse("owner@example.org").unwrap();
        let (org, _) = rosette::org::create(self.state.db(), &slug, "Test Org", &owner)
            .await
            .unwrap();
        let (_, token) = rosette::auth::tokens::create(self.state.db(), &org.id, "test", role)
            .await
            .unwrap();
        TestOrg { id: org.id, token }
    }

    /// A token of another role for an existing organization.
    pub async fn token_for(&self, org: &TestOrg, role: rosette::auth::Role) -> String {
        rosette::auth::tokens::create(self.state.db(), &org.id, "other", role)
            .await
            .unwrap()
            .1
    }

    /// `POST path` with a JSON body and a bearer token; the status and the JSON answer.
    pub async fn post(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .client
            .post(self.at(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// `GET path` with a bearer token; the status and the JSON answer.
    pub async fn get(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .client
            .get(self.at(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// `PATCH path` with a JSON body and a bearer token.
    pub async fn patch(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .client
            .patch(self.at(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }
}

/// A valid RGBA PNG of the given size, for achievement images.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height * 4).map(|n| (n % 251) as u8).collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}
