//! The page people see at `/credentials/{id}`: what was earned, from whom, when, and whether
//! the credential verifies right now.
//!
//! Everything shown comes from the stored, signed credential (not from the achievement as it
//! is today, which may have been edited since), except the image, which is served live. The
//! status is computed on every view with the `badges` verification procedure and this
//! server's own documents, so a revocation or an expiry shows at once. The learner's email
//! never appears (the credential holds only its salted hash), and their name only when the
//! credential itself states it.

use axum::http::StatusCode;
use axum::response::Response;
use badges::model::{Credential, IssuerRef};
use badges::verify::Report;
use chrono::{DateTime, Datelike, Utc};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;
use serde_json::json;

use super::markdown::to_safe_html;
use super::page::{self, DateView, check_views, status_view, web_link};
use crate::award::{self, Award};
use crate::event::EventKind;
use crate::http::AppState;

/// The template of the page.
const TEMPLATE: &str = "public_credential.html";

/// LinkedIn's documented "Add to Profile" address for certifications.
const LINKEDIN_ADD_TO_PROFILE: &str = "https://www.linkedin.com/profile/add";

/// `GET /credentials/{id}` for people: the page, and a view event.
pub async fn show(state: &AppState, award_id: &str) -> Response {
    let award = match award::get_public(state.db(), award_id).await {
        Ok(Some(award)) => award,
        Ok(None) => return page::not_found("credential"),
        Err(e) => return page::failed(e),
    };
    let data = json!({"format": "html"});
    let kind = EventKind::CredentialViewed;
    state.events().record(&award.org_id, kind, &award.id, data);
    match context_at(state, &award, Utc::now()).await {
        Ok(context) => page::respond(StatusCode::OK, TEMPLATE, context),
        Err(e) => page::failed(format!("{e:#}")),
    }
}

/// The page of an award's credential as it reads at `now`, without recording a view: what
/// the page says at another time (after an expiry, say).
pub async fn render_at(
    state: &AppState,
    award: &Award,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let context = context_at(state, award, now).await?;
    crate::web::templates::render(TEMPLATE, context)
        .map(|html| html.0)
        .map_err(|_| anyhow::anyhow!("the credential page failed to render"))
}

/// Everything the template shows.
async fn context_at(state: &AppState, award: &Award, now: DateTime<Utc>) -> anyhow::Result<Value> {
    let document: serde_json::Value = serde_json::from_str(&award.credential)?;
    let credential = Credential::from_json(&document)?;
    let image_type = crate::achievement::get_public(state.db(), &award.achievement_id)
        .await?
        .and_then(|a| a.image_type);
    let report = award::report_at(state, award.credential.clone().into_bytes(), now).await?;
    let view = CredentialView::new(state.public_url(), award, &credential, image_type, &report);
    let status = status_view(Some(award), &report, &view.issuer_name, now);
    Ok(context! {
        credential => Value::from(Serde(&view)),
        status => Value::from(Serde(&status)),
        checks => Value::from(Serde(check_views(&report))),
    })
}

/// What the page says about the credential.
#[derive(Debug, Serialize)]
struct CredentialView {
    page_url: String,
    name: String,
    description: String,
    achievement_type: Option<String>,
    /// The image (same site), when the achievement has one.
    image_url: Option<String>,
    /// The image's absolute address, for link previews.
    og_image: Option<String>,
    issuer_name: String,
    issuer_href: String,
    recipient_name: Option<String>,
    issued: Option<DateView>,
    expires: Option<DateView>,
    /// Rendered by [`to_safe_html`], so the template may show it as HTML.
    criteria_html: Option<String>,
    criteria_url: Option<String>,
    skills: Vec<SkillView>,
    evidence: Vec<EvidenceView>,
    tags: Vec<String>,
    downloads: Downloads,
    linkedin_url: String,
}

/// A skill (OB 3.0 alignment) the achievement aligns to.
#[derive(Debug, Serialize)]
struct SkillView {
    name: String,
    url: Option<String>,
    framework: Option<String>,
    code: Option<String>,
}

/// One piece of evidence.
#[derive(Debug, Serialize)]
struct EvidenceView {
    name: Option<String>,
    /// Rendered by [`to_safe_html`].
    narrative_html: Option<String>,
    description: Option<String>,
    url: Option<String>,
}

/// The credential's other forms.
#[derive(Debug, Serialize)]
struct Downloads {
    json: String,
    jwt: String,
    /// The baked image, `.png` or `.svg` as the achievement's image is.
    image: Option<DownloadLink>,
}

#[derive(Debug, Serialize)]
struct DownloadLink {
    href: String,
    label: &'static str,
}

impl CredentialView {
    fn new(
        public_url: &str,
        award: &Award,
        credential: &Credential,
        image_type: Option<String>,
        report: &Report,
    ) -> Self {
        let achievement = &credential.credential_subject.achievement;
        let name = credential
            .name
            .clone()
            .unwrap_or_else(|| achievement.name.clone());
        let page_url = award::credential::public_id(public_url, &award.id);
        let image_url = image_type
            .as_ref()
            .map(|_| format!("/achievements/{}/image", award.achievement_id));
        let issuer_name = issuer_name(&credential.issuer, report);
        let issued = credential
            .awarded_date
            .as_deref()
            .or(credential.start())
            .and_then(DateView::parse);
        let expires = credential.end().and_then(DateView::parse);
        let linkedin_url = linkedin_url(&name, &issuer_name, credential, &page_url, &award.id);
        Self {
            og_image: image_url.as_ref().map(|path| format!("{public_url}{path}")),
            image_url,
            description: achievement.description.clone(),
            achievement_type: achievement.achievement_type.clone(),
            issuer_href: format!("/issuers/{}", award.issuer_id),
            recipient_name: stated_recipient_name(credential).or_else(|| {
                // The organization chose to show it when it awarded.
                award.recipient_name.clone().filter(|_| award.name_public)
            }),
            criteria_html: achievement.criteria.narrative.as_deref().map(to_safe_html),
            criteria_url: achievement.criteria.id.as_deref().and_then(web_link),
            skills: skills(achievement),
            evidence: evidence(credential),
            tags: achievement.tag.clone(),
            downloads: downloads(&page_url, image_type.as_deref()),
            issued,
            expires,
            issuer_name,
            linkedin_url,
            name,
            page_url,
        }
    }
}

fn issuer_name(issuer: &IssuerRef, report: &Report) -> String {
    match issuer {
        IssuerRef::Profile(profile) => profile.name.clone(),
        IssuerRef::Id(_) => None,
    }
    .or_else(|| report.issuer.clone())
    .unwrap_or_else(|| issuer.id().to_owned())
}

/// The learner's name when the credential itself states it.
fn stated_recipient_name(credential: &Credential) -> Option<String> {
    let subject = &credential.credential_subject.extra;
    subject
        .get("name")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

fn skills(achievement: &badges::model::Achievement) -> Vec<SkillView> {
    // Skills without a page of their own point into the achievement's JSON; no link then.
    let internal = format!("{}#", achievement.id);
    achievement
        .alignment
        .iter()
        .map(|a| SkillView {
            name: a.target_name.clone(),
            url: Some(&a.target_url)
                .filter(|url| !url.starts_with(&internal))
                .and_then(|url| web_link(url)),
            framework: a.target_framework.clone(),
            code: a.target_code.clone(),
        })
        .collect()
}

fn evidence(credential: &Credential) -> Vec<EvidenceView> {
    credential
        .evidence
        .iter()
        .map(|e| EvidenceView {
            name: e.name.clone(),
            narrative_html: e.narrative.as_deref().map(to_safe_html),
            description: e.description.clone(),
            url: e.id.as_deref().and_then(web_link),
        })
        .collect()
}

fn downloads(page_url: &str, image_type: Option<&str>) -> Downloads {
    let image = image_type.map(|media_type| match media_type {
        "image/png" => DownloadLink {
            href: format!("{page_url}.png"),
            label: "Badge image with the credential baked in (PNG)",
        },
        _ => DownloadLink {
            href: format!("{page_url}.svg"),
            label: "Badge image with the credential baked in (SVG)",
        },
    });
    Downloads {
        json: format!("{page_url}.json"),
        jwt: format!("{page_url}.jwt"),
        image,
    }
}

/// LinkedIn's "Add to Profile" link for a certification, filled in from the credential.
fn linkedin_url(
    name: &str,
    issuer: &str,
    credential: &Credential,
    page_url: &str,
    award_id: &str,
) -> String {
    let date = |text: Option<&str>| {
        text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let mut url = url::Url::parse(LINKEDIN_ADD_TO_PROFILE).expect("a valid constant URL");
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("startTask", "CERTIFICATION_NAME")
            .append_pair("name", name)
            .append_pair("organizationName", issuer);
        if let Some(issued) = date(credential.awarded_date.as_deref().or(credential.start())) {
            query
                .append_pair("issueYear", &issued.year().to_string())
                .append_pair("issueMonth", &issued.month().to_string());
        }
        if let Some(expires) = date(credential.end()) {
            query
                .append_pair("expirationYear", &expires.year().to_string())
                .append_pair("expirationMonth", &expires.month().to_string());
        }
        query
            .append_pair("certUrl", page_url)
            .append_pair("certId", award_id);
    }
    url.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_linkedin_link_carries_the_certification() {
        let mut credential: Credential = serde_json::from_value(json!({
            "@context": [], "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": "https://b.example/issuers/i", "type": ["Profile"], "name": "A&B"},
            "validFrom": "2026-03-05T10:00:00Z",
            "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
                "id": "https://b.example/achievements/a", "type": ["Achievement"],
                "name": "Operator", "description": "d", "criteria": {"narrative": "c"}}}
        }))
        .unwrap();
        credential.valid_until = Some("2027-03-05T10:00:00Z".into());
        let url = linkedin_url(
            "K8s & more",
            "A&B",
            &credential,
            "https://b.example/c/1",
            "1",
        );
        let parsed = url::Url::parse(&url).unwrap();
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert!(url.starts_with("https://www.linkedin.com/profile/add?startTask="));
        assert_eq!(get("name"), Some("K8s & more"));
        assert_eq!(get("organizationName"), Some("A&B"));
        assert_eq!(get("issueYear"), Some("2026"));
        assert_eq!(get("issueMonth"), Some("3"));
        assert_eq!(get("expirationYear"), Some("2027"));
        assert_eq!(get("certUrl"), Some("https://b.example/c/1"));
        assert_eq!(get("certId"), Some("1"));
    }

    #[test]
    fn the_baked_download_follows_the_image_type() {
        let png = downloads("https://b.example/credentials/1", Some("image/png"));
        assert_eq!(
            png.image.unwrap().href,
            "https://b.example/credentials/1.png"
        );
        let svg = downloads("https://b.example/credentials/1", Some("image/svg+xml"));
        assert_eq!(
            svg.image.unwrap().href,
            "https://b.example/credentials/1.svg"
        );
        assert!(
            downloads("https://b.example/credentials/1", None)
                .image
                .is_none()
        );
    }
}
