//! The demo organization: Northwind Academy, an imaginary company academy with an issuer,
//! six designed achievements across its programs, a dozen learners and their awards.
//!
//! Everything is made through the domain services, exactly as the API and the web interface
//! make it: `org::create`, `issuer::create`, `achievement::create`, `award::create`,
//! `award::revoke` and `tokens::create`. The one exception is people: adding a member and
//! setting a password happen inside the web handlers, with no service function to call, so
//! [`seed`] writes the same rows those handlers write (see the helpers at the bottom).
//!
//! The seed is the same shape on every run (names, counts, designs); only ids, keys, salts,
//! the owner's password and the API token are new. Awards are issued *now*: `award::create`
//! dates every credential at the moment it signs it, and a signed credential's dates cannot be
//! moved afterwards without forging it. For the same reason no award is already expired:
//! validity is counted from issue in whole days (at least one), so the seeded awards of the
//! three achievements with a validity period show an expiry date instead.

use sqlx::Row;

use crate::achievement::designer::{Colour, Design, Icon, Shape};
use crate::achievement::{self, Achievement, Artwork, NewAchievement, Skill};
use crate::auth::{Actor, Caller, Role, tokens};
use crate::award::{self, Award, AwardFilter, EvidenceItem, NewAward};
use crate::db::{Db, new_id, now_ms};
use crate::http::{ApiError, AppState};
use crate::issuer::{self, Issuer, NewIssuer};
use crate::org::{self, Org};
use crate::validate::{Email, Slug};

/// The demo organization's slug.
pub const ORG_SLUG: &str = "northwind";
/// Its name.
pub const ORG_NAME: &str = "Northwind Academy";
/// The owner, who signs in with the printed password.
pub const OWNER_EMAIL: &str = "grace.okafor@example.com";
/// The second member, an author.
pub const AUTHOR_EMAIL: &str = "tomas.lindqvist@example.com";
/// Why the one revoked award was revoked.
pub const REVOCATION_REASON: &str =
    "Awarded in error before the partner architecture review was complete.";

const OWNER_NAME: &str = "Grace Okafor";
const AUTHOR_NAME: &str = "Tomás Lindqvist";

/// What [`seed`] made.
#[derive(Debug)]
pub struct Seeded {
    /// How to get in.
    pub access: Access,
    /// The one issuer.
    pub issuer: Issuer,
    /// The achievements, in the order of [`ACHIEVEMENTS`].
    pub achievements: Vec<Achievement>,
    /// Every award as it stands after seeding (the revoked one with its revocation).
    pub awards: Vec<Award>,
    /// The id of the revoked award.
    pub revoked_award_id: String,
}

/// How someone gets into the demo: the owner's sign-in and a credential to look at.
#[derive(Debug)]
pub struct Access {
    /// The organization.
    pub org: Org,
    /// The owner's email address.
    pub owner_email: String,
    /// The owner's password, new on every seed or [`reopen`]; only its hash is stored.
    pub owner_password: String,
    /// An admin API token, only when it was just made (it is stored hashed).
    pub api_token: Option<String>,
    /// An active award with evidence whose public pages are worth opening.
    pub showcase: Award,
}

impl Seeded {
    /// How many different learners received awards.
    pub fn learner_count(&self) -> usize {
        let mut emails: Vec<&str> = self
            .awards
            .iter()
            .map(|a| a.recipient_email.as_str())
            .collect();
        emails.sort_unstable();
        emails.dedup();
        emails.len()
    }
}

/// Seeds the demo organization. Fails if an organization with its slug already exists.
pub async fn seed(state: &AppState) -> anyhow::Result<Seeded> {
    let db = state.db();
    let people = seed_people(db).await?;
    let org = &people.org;
    let issuer = issuer::create(state, &org.id, northwind_issuer()).await?;
    let mut achievements = Vec::with_capacity(ACHIEVEMENTS.len());
    for plan in &ACHIEVEMENTS {
        let new = plan.to_new(&issuer.id)?;
        achievements.push(achievement::create(db, &org.id, new).await?);
    }

    let author = member_caller(org, &people.author_id, Role::Author);
    let mut awards = issue_awards(state, &author, &achievements).await?;
    let owner = member_caller(org, &people.owner_id, Role::Owner);
    let revoked = award::revoke(state, &owner, &awards[REVOKED_GRANT].id, REVOCATION_REASON)
        .await
        .map_err(|e| api_failure("revoking an award", &e))?;
    let revoked_award_id = revoked.id.clone();
    awards[REVOKED_GRANT] = revoked;

    let (_, token) = tokens::create(db, &org.id, "Demo API token", Role::Admin).await?;
    let access = Access {
        org: people.org,
        owner_email: OWNER_EMAIL.to_owned(),
        owner_password: people.owner_password,
        api_token: Some(token),
        showcase: awards[SHOWCASE_GRANT].clone(),
    };
    Ok(Seeded {
        access,
        issuer,
        achievements,
        awards,
        revoked_award_id,
    })
}

/// The organization and its two members, as [`seed_people`] made them.
struct People {
    org: Org,
    owner_id: String,
    owner_password: String,
    author_id: String,
}

/// Makes the organization with its owner (who gets a password) and an author.
async fn seed_people(db: &Db) -> anyhow::Result<People> {
    if org::by_slug(db, ORG_SLUG).await?.is_some() {
        anyhow::bail!("the demo organization {ORG_SLUG:?} already exists in this database");
    }
    // Made first so that `org::create` finds the owner with a proper name.
    let owner_id = add_person(db, OWNER_EMAIL, OWNER_NAME).await?;
    let owner = Email::parse(OWNER_EMAIL).map_err(anyhow::Error::msg)?;
    let slug = Slug::parse(ORG_SLUG).map_err(anyhow::Error::msg)?;
    // The owner signs in with a password, so the one-time link is not needed.
    let (org, _link) = org::create(db, &slug, ORG_NAME, &owner).await?;
    let owner_password = set_new_password(db, &owner_id).await?;
    let author_id = add_person(db, AUTHOR_EMAIL, AUTHOR_NAME).await?;
    add_membership(db, &org.id, &author_id, Role::Author).await?;
    Ok(People {
        org,
        owner_id,
        owner_password,
        author_id,
    })
}

/// Opens an already seeded demo again: gives the owner a new password (the old one is not
/// kept anywhere it could be printed from) and finds the showcase credential. `None` when
/// the database holds no demo organization.
pub async fn reopen(state: &AppState) -> anyhow::Result<Option<Access>> {
    let db = state.db();
    let Some(org) = org::by_slug(db, ORG_SLUG).await? else {
        return Ok(None);
    };
    let Some(owner_id) = member_id(db, &org.id, OWNER_EMAIL).await? else {
        anyhow::bail!("the demo organization has lost its owner {OWNER_EMAIL}");
    };
    let owner_password = set_new_password(db, &owner_id).await?;
    let filter = AwardFilter {
        email: Some(LEARNERS[GRANTS[SHOWCASE_GRANT].learner].1.to_owned()),
        // The showcase learner has one award; a few more rows cost nothing.
        limit: 10,
        ..AwardFilter::default()
    };
    let now = now_ms();
    let showcase = award::list(db, &org.id, &filter)
        .await?
        .into_iter()
        .find(|a| a.status_at(now) == award::AwardStatus::Active)
        .ok_or_else(|| anyhow::anyhow!("the demo's showcase credential is gone"))?;
    Ok(Some(Access {
        org,
        owner_email: OWNER_EMAIL.to_owned(),
        owner_password,
        api_token: None,
        showcase,
    }))
}

/// Issues every award of [`GRANTS`], in order, as the author.
async fn issue_awards(
    state: &AppState,
    author: &Caller,
    achievements: &[Achievement],
) -> anyhow::Result<Vec<Award>> {
    let mut awards = Vec::with_capacity(GRANTS.len());
    for grant in &GRANTS {
        let (name, email) = LEARNERS[grant.learner];
        let new = NewAward {
            achievement_id: achievements[grant.achievement].id.clone(),
            recipient_email: Email::parse(email).map_err(anyhow::Error::msg)?,
            recipient_name: Some(name.to_owned()),
            name_public: true,
            evidence: grant.evidence.iter().map(EvidencePlan::to_item).collect(),
            idempotency_key: None,
            results: Vec::new(),
        };
        let (award, _) = award::create(state, author, new)
            .await
            .map_err(|e| api_failure("issuing an award", &e))?;
        awards.push(award);
    }
    Ok(awards)
}

/// The caller a member of the organization acts as.
fn member_caller(org: &Org, user_id: &str, role: Role) -> Caller {
    Caller {
        org_id: org.id.clone(),
        role,
        actor: Actor::User(user_id.to_owned()),
    }
}

fn api_failure(what: &str, e: &ApiError) -> anyhow::Error {
    anyhow::anyhow!(
        "{what} failed while seeding the demo (HTTP status {})",
        e.status()
    )
}

fn northwind_issuer() -> NewIssuer {
    NewIssuer {
        name: ORG_NAME.to_owned(),
        url: "https://academy.example.com".to_owned(),
        email: "badges@example.com".to_owned(),
        description: Some(
            "Northwind Academy is the learning arm of Northwind Cloud. It certifies the \
             customers, developers, partners and staff who build on the Northwind platform, \
             and recognizes the people who help its community grow."
                .to_owned(),
        ),
    }
}

/// One achievement of the demo, as constant data.
#[derive(Debug)]
pub struct AchievementPlan {
    /// Its name.
    pub name: &'static str,
    /// The program it belongs to (also its first tag).
    pub program: &'static str,
    description: &'static str,
    criteria: &'static str,
    achievement_type: &'static str,
    /// `(name, framework, code, url)`.
    skills: &'static [(
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
    )],
    tags: &'static [&'static str],
    points: i64,
    valid_for_days: Option<i64>,
    /// `(shape, primary, secondary, icon, ribbon text, subtitle)`.
    design: (
        Shape,
        &'static str,
        &'static str,
        Icon,
        &'static str,
        &'static str,
    ),
}

impl AchievementPlan {
    fn to_new(&self, issuer_id: &str) -> anyhow::Result<NewAchievement> {
        let (shape, primary, secondary, icon, text, subtitle) = self.design;
        let design = Design {
            shape,
            primary: Colour::parse(primary).map_err(anyhow::Error::msg)?,
            secondary: Colour::parse(secondary).map_err(anyhow::Error::msg)?,
            icon,
            text: text.to_owned(),
            subtitle: Some(subtitle.to_owned()),
        };
        let skills = self
            .skills
            .iter()
            .map(|&(name, framework, code, url)| Skill {
                name: name.to_owned(),
                url: url.map(str::to_owned),
                framework: Some(framework.to_owned()),
                code: Some(code.to_owned()),
            });
        let tags = std::iter::once(self.program).chain(self.tags.iter().copied());
        Ok(NewAchievement {
            issuer_id: issuer_id.to_owned(),
            name: self.name.to_owned(),
            description: self.description.to_owned(),
            criteria: self.criteria.to_owned(),
            achievement_type: self.achievement_type.to_owned(),
            skills: skills.collect(),
            tags: tags.map(str::to_owned).collect(),
            points: self.points,
            valid_for_days: self.valid_for_days,
            artwork: Some(Artwork::Designed(design)),
        })
    }
}

/// The company's own skills framework, for alignments that no public framework names.
const NW: &str = "Northwind Skills Framework";
/// The Skills Framework for the Information Age, whose skills have short codes.
const SFIA: &str = "SFIA 8";

/// The six achievements, one or two per program.
pub const ACHIEVEMENTS: [AchievementPlan; 6] = [
    AchievementPlan {
        name: "Northwind Cloud Foundations",
        program: "customer-onboarding",
        description: "Sets up a Northwind Cloud workspace end to end: projects, roles, \
                      billing alerts and a first deployment reachable over HTTPS.",
        criteria: "Complete the **Foundations** onboarding track:\n\n\
                   1. Create a workspace with two projects and separate roles for developers \
                   and viewers.\n\
                   2. Set a billing alert and a monthly usage budget.\n\
                   3. Deploy the sample service and reach it over HTTPS.\n\
                   4. Pass the onboarding quiz with a score of 80% or more.\n",
        achievement_type: "Badge",
        skills: &[
            (
                "Cloud workspace administration",
                NW,
                "NW-ONB-01",
                Some("https://academy.example.com/skills/workspace-administration"),
            ),
            (
                "Cloud cost management",
                NW,
                "NW-ONB-02",
                Some("https://academy.example.com/skills/cost-management"),
            ),
        ],
        tags: &["cloud", "getting-started"],
        points: 100,
        valid_for_days: None,
        design: (
            Shape::Circle,
            "#2563eb",
            "#f59e0b",
            Icon::Cloud,
            "Foundations",
            "Customer Onboarding",
        ),
    },
    AchievementPlan {
        name: "API Integration Developer",
        program: "developer-education",
        description: "Builds a reliable integration with the Northwind REST API: \
                      authentication, pagination, safe retries and signed webhooks.",
        criteria: "Pass the **API Integration** lab. Its automated checks confirm that the \
                   integration:\n\n\
                   - authenticates with OAuth 2.0 client credentials and renews tokens before \
                   they expire;\n\
                   - pages through a large collection without missing or repeating items;\n\
                   - retries failed writes safely with idempotency keys;\n\
                   - verifies webhook signatures and rejects replayed deliveries.\n\n\
                   All checks must pass within **3 hours**. The certification is valid for \
                   two years.\n",
        achievement_type: "Certification",
        skills: &[
            ("Programming/software development", SFIA, "PROG", None),
            (
                "REST API integration",
                NW,
                "NW-DEV-10",
                Some("https://academy.example.com/skills/rest-api-integration"),
            ),
            (
                "OAuth 2.0 client authentication",
                NW,
                "NW-DEV-11",
                Some("https://academy.example.com/skills/oauth-clients"),
            ),
        ],
        tags: &["api", "webhooks", "hands-on-lab"],
        points: 250,
        valid_for_days: Some(730),
        design: (
            Shape::Hexagon,
            "#4f46e5",
            "#22d3ee",
            Icon::Code,
            "API Integration",
            "Developer Education",
        ),
    },
    AchievementPlan {
        name: "Command Line Power User",
        program: "developer-education",
        description: "Runs Northwind from the `nw` command line: scripted deployments, log \
                      queries and rollbacks without opening the console.",
        criteria: "Complete the five challenges of the **nw CLI** track in the browser \
                   terminal:\n\n\
                   1. Sign in and switch between two projects.\n\
                   2. Deploy a service from a script, with its settings in a file.\n\
                   3. Find the failing request in the logs with a query.\n\
                   4. Roll back a broken release and prove the service is healthy.\n\
                   5. Tidy up: remove every resource the track created.\n",
        achievement_type: "Badge",
        skills: &[
            (
                "Shell scripting",
                NW,
                "NW-DEV-04",
                Some("https://academy.example.com/skills/shell-scripting"),
            ),
            ("Release and deployment", SFIA, "RELM", None),
        ],
        tags: &["cli", "hands-on-lab"],
        points: 150,
        valid_for_days: None,
        design: (
            Shape::Square,
            "#0f172a",
            "#22c55e",
            Icon::Terminal,
            "CLI Power User",
            "Developer Education",
        ),
    },
    AchievementPlan {
        name: "Certified Implementation Partner",
        program: "partner-enablement",
        description: "Qualifies a consultant at a Northwind partner to lead customer \
                      implementations, from discovery to handover.",
        criteria: "Hold the **API Integration Developer** certification, then:\n\n\
                   - lead the discovery and architecture of a customer implementation;\n\
                   - present a migration plan with a rollback path to two Northwind solution \
                   architects, who review it against the partner checklist;\n\
                   - hand the running system over with its runbook.\n\n\
                   Partners renew the certification every year.\n",
        achievement_type: "Certification",
        skills: &[
            ("Solution architecture", SFIA, "ARCH", None),
            (
                "Migration planning",
                NW,
                "NW-PTN-03",
                Some("https://academy.example.com/skills/migration-planning"),
            ),
            ("Customer service support", SFIA, "CSMG", None),
        ],
        tags: &["certification", "consulting"],
        points: 500,
        valid_for_days: Some(365),
        design: (
            Shape::Rosette,
            "#065f46",
            "#fbbf24",
            Icon::Trophy,
            "Implementation",
            "Certified Partner",
        ),
    },
    AchievementPlan {
        name: "Security Awareness",
        program: "internal-training",
        description: "Completed the yearly security course for Northwind staff: phishing, \
                      handling customer data, and reporting incidents.",
        criteria: "Watch the four modules of the **Security Awareness** course and pass its \
                   assessment (at least 9 of 10 answers right). Staff repeat the course every \
                   year.\n",
        achievement_type: "CertificateOfCompletion",
        skills: &[
            ("Information security", SFIA, "SCTY", None),
            (
                "Incident reporting",
                NW,
                "NW-INT-02",
                Some("https://academy.example.com/skills/incident-reporting"),
            ),
        ],
        tags: &["security", "compliance"],
        points: 50,
        valid_for_days: Some(365),
        design: (
            Shape::Shield,
            "#991b1b",
            "#fde68a",
            Icon::Lock,
            "Security Aware",
            "Internal Training",
        ),
    },
    AchievementPlan {
        name: "Community Mentor",
        program: "community",
        description: "Recognizes members of the Northwind community forum who help others \
                      learn: accepted answers, reviewed examples and a warm welcome.",
        criteria: "Awarded by the community team to members who, over one quarter:\n\n\
                   - gave at least **25 accepted answers** on the forum;\n\
                   - reviewed at least five community code examples;\n\
                   - followed the community guidelines throughout.\n",
        achievement_type: "Achievement",
        skills: &[
            (
                "Mentoring",
                NW,
                "NW-COM-01",
                Some("https://academy.example.com/skills/mentoring"),
            ),
            (
                "Technical writing",
                NW,
                "NW-COM-02",
                Some("https://academy.example.com/skills/technical-writing"),
            ),
        ],
        tags: &["mentoring", "forum"],
        points: 200,
        valid_for_days: None,
        design: (
            Shape::Hexagon,
            "#db2777",
            "#7c3aed",
            Icon::Heart,
            "Mentor",
            "Community",
        ),
    },
];

/// The learners: fictional people at reserved example domains.
pub const LEARNERS: [(&str, &str); 12] = [
    ("Amara Okonkwo", "amara.okonkwo@example.org"),
    ("Sofía Marín", "sofia.marin@example.com"),
    ("Kenji Watanabe", "kenji.watanabe@example.org"),
    ("Priya Raman", "priya.raman@example.com"),
    ("Jonas Becker", "jonas.becker@example.org"),
    ("Fatima Al-Sayed", "fatima.alsayed@example.com"),
    ("Mateo Rossi", "mateo.rossi@example.org"),
    ("Ingrid Halvorsen", "ingrid.halvorsen@example.com"),
    ("Chloé Dubois", "chloe.dubois@example.org"),
    ("Daniel Mensah", "daniel.mensah@example.com"),
    ("Hana Kim", "hana.kim@example.org"),
    ("Oliver Grant", "oliver.grant@example.com"),
];

/// One piece of evidence, as constant data.
#[derive(Debug)]
pub struct EvidencePlan {
    name: &'static str,
    narrative: &'static str,
    url: Option<&'static str>,
}

impl EvidencePlan {
    fn to_item(&self) -> EvidenceItem {
        EvidenceItem {
            name: Some(self.name.to_owned()),
            narrative: Some(self.narrative.to_owned()),
            url: self.url.map(str::to_owned),
        }
    }
}

/// One award to issue: a learner (index into [`LEARNERS`]), an achievement (index into
/// [`ACHIEVEMENTS`]) and maybe evidence.
#[derive(Debug)]
pub struct Grant {
    /// The learner's index in [`LEARNERS`].
    pub learner: usize,
    /// The achievement's index in [`ACHIEVEMENTS`].
    pub achievement: usize,
    /// Evidence of how it was earned.
    pub evidence: Option<EvidencePlan>,
}

const fn grant(learner: usize, achievement: usize) -> Grant {
    Grant {
        learner,
        achievement,
        evidence: None,
    }
}

const fn with_evidence(
    learner: usize,
    achievement: usize,
    name: &'static str,
    narrative: &'static str,
    url: Option<&'static str>,
) -> Grant {
    Grant {
        learner,
        achievement,
        evidence: Some(EvidencePlan {
            name,
            narrative,
            url,
        }),
    }
}

/// The grant whose award is revoked.
pub const REVOKED_GRANT: usize = 20;
/// The grant whose credential the demo points at: its learner has no other award.
pub const SHOWCASE_GRANT: usize = 0;

/// The awards, in the order they are issued.
pub const GRANTS: [Grant; 25] = [
    with_evidence(
        0,
        1,
        "Capstone: order sync service",
        "Built a service that keeps orders in step between a web shop and Northwind, with \
         retries, idempotency keys and verified webhooks. All 14 checks passed on the first \
         attempt.",
        Some("https://git.example.org/amara/order-sync"),
    ),
    grant(1, 0),
    with_evidence(
        1,
        1,
        "API Integration lab",
        "Passed every check of the lab in 2 h 10 min; the pagination check needed a second \
         attempt.",
        None,
    ),
    grant(1, 2),
    grant(2, 0),
    with_evidence(
        2,
        2,
        "nw CLI track",
        "All five challenges passed; the rollback was scripted with a health check.",
        None,
    ),
    grant(3, 0),
    with_evidence(
        3,
        3,
        "Partner architecture review",
        "Led discovery and the migration plan for a 40-service retail platform, reviewed by \
         two Northwind solution architects.",
        Some("https://partners.example.com/reviews/2291"),
    ),
    grant(4, 0),
    grant(4, 1),
    grant(4, 5),
    grant(5, 4),
    grant(5, 0),
    grant(6, 3),
    grant(6, 4),
    grant(7, 4),
    with_evidence(
        7,
        5,
        "Forum contributions",
        "31 accepted answers and 12 reviewed code examples on the community forum in one \
         quarter.",
        Some("https://community.example.com/u/ingrid"),
    ),
    grant(8, 0),
    grant(8, 2),
    grant(9, 4),
    grant(9, 3),
    grant(10, 0),
    with_evidence(
        10,
        1,
        "Capstone: webhook relay",
        "A relay that verifies, queues and replays Northwind webhooks to an internal system, \
         with a dead-letter queue. All checks passed.",
        Some("https://git.example.org/hana/webhook-relay"),
    ),
    grant(11, 2),
    grant(11, 5),
];

// People. Adding a member and setting a password happen inside the web handlers
// (`web::members`, `web::account`) with no service function to call, so the demo writes the
// same rows they write.

/// Adds a person with a display name (`org::create` would name them after their address).
async fn add_person(db: &Db, email: &str, name: &str) -> anyhow::Result<String> {
    let id = new_id();
    sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(email)
        .bind(name)
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    Ok(id)
}

async fn add_membership(db: &Db, org_id: &str, user_id: &str, role: Role) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(org_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The id of the member of an organization with this address.
async fn member_id(db: &Db, org_id: &str, email: &str) -> anyhow::Result<Option<String>> {
    let row = sqlx::query(
        "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id \
         WHERE m.org_id = $1 AND u.email = $2",
    )
    .bind(org_id)
    .bind(email)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| r.get("id")))
}

/// Gives a person a new random password and returns it; only its Argon2id hash is stored.
async fn set_new_password(db: &Db, user_id: &str) -> anyhow::Result<String> {
    let password = new_password();
    let copy = password.clone();
    let hash = tokio::task::spawn_blocking(move || crate::web::hash_password(&copy)).await??;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(password)
}

/// A password easy to copy and type: four groups of five letters and digits (100 bits), from
/// an alphabet without look-alikes (no `l`, `o`, `0` or `1`).
fn new_password() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    aws_lc_rs::rand::fill(&mut bytes).expect("system randomness");
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect();
    chars
        .chunks(5)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_four_groups_of_five_without_look_alikes() {
        let (a, b) = (new_password(), new_password());
        assert_ne!(a, b);
        assert_eq!(a.len(), 23);
        let groups: Vec<&str> = a.split('-').collect();
        assert_eq!(groups.len(), 4);
        assert!(groups.iter().all(|g| g.len() == 5));
        assert!(!a.contains(['l', 'o', '0', '1']));
    }

    #[test]
    fn the_plans_fit_the_limits_the_api_enforces() {
        for plan in &ACHIEVEMENTS {
            let new = plan.to_new("issuer").unwrap();
            assert!(new.name.chars().count() <= achievement::MAX_NAME_CHARS);
            assert!(new.description.chars().count() <= achievement::MAX_DESCRIPTION_CHARS);
            assert!(achievement::achievement_type(&new.achievement_type).is_ok());
            assert!(
                new.tags
                    .iter()
                    .all(|t| t.len() <= achievement::MAX_TAG_CHARS)
            );
            for skill in &new.skills {
                if let Some(url) = &skill.url {
                    crate::validate::web_url(url, "url").unwrap();
                }
            }
            let Some(Artwork::Designed(design)) = &new.artwork else {
                panic!("{} has no design", plan.name);
            };
            let fields = achievement::designer::DesignFields {
                shape: design.shape.as_str().into(),
                primary: design.primary.as_str().into(),
                secondary: design.secondary.as_str().into(),
                icon: design.icon.as_str().into(),
                text: design.text.clone(),
                subtitle: design.subtitle.clone(),
            };
            assert_eq!(Design::parse(&fields).as_ref(), Ok(design), "{}", plan.name);
        }
        for grant in &GRANTS {
            assert!(grant.learner < LEARNERS.len() && grant.achievement < ACHIEVEMENTS.len());
        }
        let showcase = GRANTS[SHOWCASE_GRANT].learner;
        assert_eq!(GRANTS.iter().filter(|g| g.learner == showcase).count(), 1);
        assert!(GRANTS[SHOWCASE_GRANT].evidence.is_some());
        assert_ne!(REVOKED_GRANT, SHOWCASE_GRANT);
        let revoked = &ACHIEVEMENTS[GRANTS[REVOKED_GRANT].achievement];
        assert_eq!(
            revoked.program, "partner-enablement",
            "the reason names its review"
        );
    }
}
