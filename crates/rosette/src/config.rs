//! Settings: defaults, then `rosette.toml` in the data folder, then `ROSETTE_*` environment
//! variables, then command-line flags, each overriding the one before.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Outgoing mail settings; without them, mail is written to `DATA/outbox/`.
#[derive(Debug, Clone, Deserialize)]
pub struct SmtpSettings {
    /// The SMTP server's host name or address.
    pub host: String,
    /// Its port (587 for submission with STARTTLS, 25 or 1025 for a plain local relay).
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// `starttls` (the default), `tls`, or `none` (only for a relay on loopback).
    #[serde(default = "default_smtp_security")]
    pub security: String,
    /// A user name, when the server wants one.
    pub username: Option<String>,
    /// Its password.
    pub password: Option<String>,
    /// The From address of Rosette's mail.
    pub from: String,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_smtp_security() -> String {
    "starttls".into()
}

/// Everything `rosette serve` needs to know.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Where the SQLite database, the master key and the outbox live.
    pub data_dir: PathBuf,
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The URL people and verifiers reach Rosette at; credential ids are built from it.
    pub public_url: String,
    /// `postgres://…` to use PostgreSQL; SQLite in the data folder when absent.
    pub database_url: Option<String>,
    /// The key that seals issuer secret keys (base64 of 32 bytes); generated into the data
    /// folder on first start when absent.
    pub master_key: Option<String>,
    /// Outgoing mail.
    pub smtp: Option<SmtpSettings>,
    /// Log format.
    #[serde(default)]
    pub log_format: LogFormat,
    /// Lab sessions.
    #[serde(default)]
    pub labs: LabSettings,
}

/// What this server gives lab sessions.
#[derive(Debug, Clone, Deserialize)]
pub struct LabSettings {
    /// How many lab sessions this server runs at once; one more is refused (503) until one
    /// ends.
    #[serde(default = "default_max_sessions")]
    pub max_sessions: usize,
}

impl Default for LabSettings {
    fn default() -> Self {
        Self {
            max_sessions: default_max_sessions(),
        }
    }
}

fn default_max_sessions() -> usize {
    100
}

/// Overrides given on the command line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeFlags {
    /// The data folder (default `./rosette-data`).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// The public URL (default http://LISTEN).
    #[arg(long)]
    pub public_url: Option<String>,
    /// Log format.
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
}

impl Settings {
    /// Loads the settings for a data folder and command-line overrides, reading `ROSETTE_*`
    /// variables from the process environment.
    pub fn load(flags: &ServeFlags) -> anyhow::Result<Self> {
        Self::load_with(flags, None)
    }

    /// Loads the settings with `environment` standing in for the process environment when
    /// given (tests cannot safely change the environment of a process running other tests).
    pub fn load_with(
        flags: &ServeFlags,
        environment: Option<HashMap<String, String>>,
    ) -> anyhow::Result<Self> {
        let variable = |name: &str| match &environment {
            Some(vars) => vars.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        let data_dir = flags
            .data_dir
            .clone()
            .or_else(|| variable("ROSETTE_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("rosette-data"));
        let file = data_dir.join("rosette.toml");
        // `ROSETTE_DATABASE_URL` is `database_url`; a double underscore goes one table down,
        // so `ROSETTE_SMTP__HOST` is `smtp.host`.
        let env_source = config::Environment::with_prefix("ROSETTE")
            .prefix_separator("_")
            .separator("__")
            .source(environment.map(|vars| vars.into_iter().collect()));
        let mut builder = config::Config::builder()
            .set_default("data_dir", data_dir.to_string_lossy().into_owned())?
            .set_default("listen", "127.0.0.1:8080")?
            .add_source(config::File::from(file.as_path()).required(false))
            .add_source(env_source);
        if let Some(listen) = flags.listen {
            builder = builder.set_override("listen", listen.to_string())?;
        }
        if let Some(url) = &flags.public_url {
            builder = builder.set_override("public_url", url.clone())?;
        }
        if let Some(format) = flags.log_format {
            let name = if format == LogFormat::Json {
                "json"
            } else {
                "text"
            };
            builder = builder.set_override("log_format", name)?;
        }
        builder = builder.set_override("data_dir", data_dir.to_string_lossy().into_owned())?;
        let raw = builder.build().context("the settings cannot be read")?;
        let listen: SocketAddr = raw
            .get_string("listen")?
            .parse()
            .context("`listen` must be an address like 127.0.0.1:8080")?;
        let public_url = match raw.get_string("public_url") {
            Ok(url) => url,
            Err(_) => format!("http://{listen}"),
        };
        let mut settings: Settings = raw
            .try_deserialize::<PartialSettings>()
            .context("the settings are not valid")?
            .complete(data_dir, listen, public_url);
        settings.public_url = normalize_public_url(&settings.public_url)?;
        Ok(settings)
    }

    /// The path of the SQLite database in the data folder.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("rosette.db")
    }

    /// The database URL to connect to.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => sqlite_url(&self.sqlite_path()),
        }
    }
}

/// The `sqlite:` URL of a database file, created when missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

#[derive(Deserialize)]
struct PartialSettings {
    database_url: Option<String>,
    master_key: Option<String>,
    smtp: Option<SmtpSettings>,
    #[serde(default)]
    log_format: LogFormat,
    #[serde(default)]
    labs: LabSettings,
}

impl PartialSettings {
    fn complete(self, data_dir: PathBuf, listen: SocketAddr, public_url: String) -> Settings {
        Settings {
            data_dir,
            listen,
            public_url,
            database_url: self.database_url.filter(|u| !u.is_empty()),
            master_key: self.master_key,
            smtp: self.smtp,
            log_format: self.log_format,
            labs: self.labs,
        }
    }
}

fn normalize_public_url(url: &str) -> anyhow::Result<String> {
    let parsed =
        url::Url::parse(url).with_context(|| format!("public_url {url:?} is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        anyhow::bail!("public_url must be an http or https URL");
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(vars: &[(&str, &str)]) -> Option<HashMap<String, String>> {
        Some(
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn flags_for(dir: &Path) -> ServeFlags {
        ServeFlags {
            data_dir: Some(dir.to_path_buf()),
            ..ServeFlags::default()
        }
    }

    #[test]
    fn rosette_variables_name_settings_with_one_underscore_and_tables_with_two() {
        let dir = std::env::temp_dir().join(format!("rosette-config-{}", crate::db::new_id()));
        let vars = environment(&[
            ("ROSETTE_LISTEN", "127.0.0.1:9123"),
            (
                "ROSETTE_DATABASE_URL",
                "postgres://rosette@db.example/rosette",
            ),
            ("ROSETTE_PUBLIC_URL", "https://badges.example.org/"),
            ("ROSETTE_LOG_FORMAT", "json"),
            ("ROSETTE_SMTP__HOST", "mail.example.org"),
            ("ROSETTE_SMTP__FROM", "Badges <badges@example.org>"),
            ("ROSETTE_LABS__MAX_SESSIONS", "12"),
        ]);
        let settings = Settings::load_with(&flags_for(&dir), vars).unwrap();
        assert_eq!(settings.listen.to_string(), "127.0.0.1:9123");
        assert_eq!(
            settings.database_url(),
            "postgres://rosette@db.example/rosette"
        );
        assert_eq!(settings.public_url, "https://badges.example.org");
        assert_eq!(settings.log_format, LogFormat::Json);
        assert_eq!(settings.smtp.unwrap().host, "mail.example.org");
        assert_eq!(settings.labs.max_sessions, 12);
    }

    #[test]
    fn flags_win_over_variables_and_defaults_fill_the_rest() {
        let dir = std::env::temp_dir().join(format!("rosette-config-{}", crate::db::new_id()));
        let mut flags = flags_for(&dir);
        flags.listen = Some("127.0.0.1:9200".parse().unwrap());
        let vars = environment(&[("ROSETTE_LISTEN", "127.0.0.1:9123")]);
        let settings = Settings::load_with(&flags, vars).unwrap();
        assert_eq!(settings.listen.to_string(), "127.0.0.1:9200");
        assert_eq!(settings.public_url, "http://127.0.0.1:9200");
        assert!(settings.database_url().starts_with("sqlite://"));
        assert!(settings.smtp.is_none());
        assert_eq!(settings.labs.max_sessions, 100);
    }
}
