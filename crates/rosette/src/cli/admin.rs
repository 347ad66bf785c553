//! `rosette orgs` and `rosette tokens`: setting up organizations and API access from the
//! command line, against the same data folder or database the server uses.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::auth::{Role, tokens};
use crate::config::{ServeFlags, Settings};
use crate::db::Db;
use crate::org;
use crate::validate::{self, Email, Slug};

/// Organization subcommands.
#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Create an organization and its owner; prints a one-time sign-in link.
    Create {
        /// The organization's slug (lower-case letters, digits, hyphens).
        slug: String,
        /// Its display name.
        #[arg(long)]
        name: String,
        /// The owner's email address.
        #[arg(long)]
        owner_email: String,
        #[command(flatten)]
        flags: ServeFlags,
    },
}

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token; prints it once.
    Create(CreateToken),
}

/// Arguments of `rosette tokens create`.
#[derive(Debug, Args)]
pub struct CreateToken {
    /// The organization's slug.
    #[arg(long)]
    org: String,
    /// What the token may do: owner, admin, author or analyst.
    #[arg(long, default_value = "author")]
    role: String,
    /// A name to recognize the token by.
    #[arg(long, default_value = "API token")]
    name: String,
    #[command(flatten)]
    flags: ServeFlags,
}

impl OrgsCommand {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let Self::Create {
            slug,
            name,
            owner_email,
            flags,
        } = self;
        let slug = Slug::parse(&slug).map_err(anyhow::Error::msg)?;
        let name = validate::name(&name, "the name", 120).map_err(anyhow::Error::msg)?;
        let owner = Email::parse(&owner_email).map_err(anyhow::Error::msg)?;
        let (settings, db) = open(&flags)?;
        let (org, link) = block_on(org::create(&db, &slug, &name, &owner))?;
        println!("Created the organization {} ({}).", org.name, org.slug);
        println!("The owner signs in once with this link (valid for 24 hours):");
        println!("  {}/login/link/{link}", settings.public_url);
        Ok(ExitCode::SUCCESS)
    }
}

impl TokensCommand {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let Self::Create(args) = self;
        let role: Role = args.role.parse().map_err(anyhow::Error::msg)?;
        let name = validate::name(&args.name, "the name", 120).map_err(anyhow::Error::msg)?;
        let (_, db) = open(&args.flags)?;
        let org = block_on(org::by_slug(&db, &args.org))?
            .with_context(|| format!("there is no organization {:?}", args.org))?;
        let (token, secret) = block_on(tokens::create(&db, &org.id, &name, role))?;
        eprintln!(
            "Created the {} token {:?} for {}. It is shown only this once:",
            token.role, token.name, org.slug
        );
        println!("{secret}");
        Ok(ExitCode::SUCCESS)
    }
}

/// The settings and a migrated database for the data folder in `flags`.
pub(super) fn open(flags: &ServeFlags) -> anyhow::Result<(Settings, Db)> {
    let settings = Settings::load(flags)?;
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = block_on(async {
        let db = Db::connect(&settings.database_url()).await?;
        db.migrate().await?;
        anyhow::Ok(db)
    })?;
    Ok((settings, db))
}

pub(super) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    // A command runs one thing at a time; a current-thread runtime is enough.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}
