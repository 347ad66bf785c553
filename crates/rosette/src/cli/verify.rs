//! `rosette verify`: checking a credential of any supported form and printing the report.

use std::process::ExitCode;

use badges::resolve::{OfflineResolver, Resolver};
use badges::verify::{Options, Verdict};
use chrono::{DateTime, Utc};
use clap::Args;

use crate::fetch::HttpResolver;

/// Arguments of `rosette verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A file (JSON, VC-JWT, PNG or SVG), an https URL, or `-` for standard input.
    input: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Allow fetching issuer documents and status lists over HTTPS.
    #[arg(long)]
    online: bool,
    /// With --online, also allow plain http to 127.0.0.1, [::1] and localhost.
    #[arg(long)]
    allow_http_loopback: bool,
    /// Check that the credential was awarded to this email address.
    #[arg(long, value_name = "EMAIL")]
    recipient_email: Option<String>,
    /// Check validity as of this time (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME")]
    at: Option<DateTime<Utc>>,
}

impl VerifyArgs {
    /// Runs the subcommand; the exit code is 0 valid, 1 invalid, 2 could not check.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        if self.allow_http_loopback && !self.online {
            anyhow::bail!("--allow-http-loopback only makes sense with --online");
        }
        let resolver: Box<dyn Resolver> = if self.online {
            Box::new(HttpResolver::new(self.allow_http_loopback)?)
        } else {
            Box::new(OfflineResolver::new())
        };
        let input = match self.input.as_deref() {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                if !self.online {
                    anyhow::bail!("verifying a URL needs --online");
                }
                resolver.fetch_bytes(url)?
            }
            other => super::read_input(other.map(std::path::Path::new))?,
        };
        let options = Options {
            resolver: resolver.as_ref(),
            now: self.at.unwrap_or_else(Utc::now),
            recipient: self.recipient_email.map(|e| ("emailAddress".to_owned(), e)),
        };
        let report = badges::verify::verify_bytes(&input, &options);
        if self.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", report.to_text());
        }
        Ok(ExitCode::from(match report.verdict {
            Verdict::Valid => 0,
            Verdict::Invalid => 1,
            Verdict::Indeterminate => 2,
        }))
    }
}
