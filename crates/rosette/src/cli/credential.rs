//! `rosette credential sign`: signing unsigned OB 3.0 credentials, one or a batch.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use badges::jwt::{self, JwtSigningKey, PayloadStyle};
use badges::keys::{KeyFile, KeyPair};
use badges::model::Credential;
use badges::proof::{self, ProofOptions};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::Value;

/// Credential subcommands.
#[derive(Debug, Subcommand)]
pub enum CredentialCommand {
    /// Sign an unsigned OB 3.0 credential and print it.
    Sign(SignArgs),
}

/// Arguments of `rosette credential sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The key file made by `rosette keys generate`.
    #[arg(long)]
    key: PathBuf,
    /// The unsigned credential (JSON); standard input when absent or `-`.
    input: Option<PathBuf>,
    /// Print the credential as a VC-JWT instead of JSON with a Data Integrity proof.
    #[arg(long)]
    jwt: bool,
    /// Sign one credential per input line and write one per output line.
    #[arg(long)]
    jsonl: bool,
}

impl CredentialCommand {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let Self::Sign(args) = self;
        let key_text = std::fs::read_to_string(&args.key)
            .with_context(|| format!("cannot read the key file {}", args.key.display()))?;
        let (key_file, pair) = KeyFile::parse(&key_text)
            .with_context(|| format!("{} is not a usable key file", args.key.display()))?;
        let jwt = match args.jwt {
            true => Some(JwtSigningKey::ed25519(pair.signing_key())?),
            false => None,
        };
        let signer = Signer {
            file: key_file,
            pair,
            jwt,
        };
        let input = super::read_input(args.input.as_deref())?;
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        if args.jsonl {
            for (n, line) in input.lines().enumerate() {
                let line = line.context("the input is not UTF-8 text")?;
                if line.trim().is_empty() {
                    continue;
                }
                let signed = signer
                    .sign_text(line.as_bytes(), Utc::now())
                    .with_context(|| format!("line {}", n + 1))?;
                writeln!(out, "{signed}")?;
            }
        } else {
            let signed = signer.sign_text(&input, Utc::now())?;
            writeln!(out, "{signed}")?;
        }
        out.flush()?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Signs credentials with one key.
struct Signer {
    file: KeyFile,
    pair: KeyPair,
    /// The same key in the form JWT signing needs, when signing JWTs.
    jwt: Option<JwtSigningKey>,
}

impl Signer {
    fn sign_text(&self, bytes: &[u8], now: DateTime<Utc>) -> anyhow::Result<String> {
        let doc = super::parse_json(bytes, "the credential")?;
        let prepared = self.prepare(doc, now)?;
        if let Some(key) = &self.jwt {
            let style = PayloadStyle::Vcdm2;
            return Ok(jwt::sign_credential(
                &prepared,
                key,
                &self.file.id,
                style,
                Some(now),
            )?);
        }
        let options = ProofOptions {
            verification_method: self.file.id.clone(),
            created: now,
        };
        let signed = proof::sign(&prepared, &self.pair, &options)?;
        Ok(serde_json::to_string(&signed)?)
    }

    /// Fills in what an unsigned credential may leave out, checks the issuer, and puts the
    /// document in the OB 3.0 serialized form.
    fn prepare(&self, mut doc: Value, now: DateTime<Utc>) -> anyhow::Result<Value> {
        let Some(object) = doc.as_object_mut() else {
            bail!("the credential is not a JSON object")
        };
        if object.contains_key("proof") {
            bail!("the credential is already signed (it has a proof)");
        }
        let issuer = object
            .entry("issuer")
            .or_insert_with(|| Value::Object(Default::default()));
        let issuer_id = match issuer {
            Value::String(id) => id.clone(),
            Value::Object(profile) => match profile.get("id").and_then(Value::as_str) {
                Some(id) => id.to_owned(),
                None if self.file.is_did_key() => {
                    profile.insert("id".into(), self.file.controller.clone().into());
                    profile
                        .entry("type")
                        .or_insert_with(|| vec!["Profile"].into());
                    self.file.controller.clone()
                }
                None => bail!("the credential's issuer has no id"),
            },
            _ => bail!("the credential's issuer must be an object or an id"),
        };
        if issuer_id != self.file.controller {
            bail!(
                "the credential's issuer is {issuer_id}, but the key belongs to {}",
                self.file.controller
            );
        }
        object
            .entry("id")
            .or_insert_with(|| format!("urn:uuid:{}", uuid::Uuid::new_v4()).into());
        if !object.contains_key("validFrom") && !object.contains_key("issuanceDate") {
            object.insert("validFrom".into(), proof::xsd_date_time(now).into());
        }
        let credential = Credential::from_json(&doc)
            .context("the credential is not an Open Badges 3.0 credential")?;
        Ok(credential.to_json())
    }
}
