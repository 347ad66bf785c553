//! The page templates: minijinja sources embedded in the binary, parsed once.
//!
//! Auto-escaping is on for every template, and undefined values
//! are errors rather than empty strings, so a misspelt variable fails the page (and the
//! tests that render every page) instead of quietly showing nothing.

use std::sync::LazyLock;

use axum::response::Html;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use super::PageError;

/// Every template, by name, with its source.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("login.html", include_str!("../../templates/login.html")),
    (
        "email_link.html",
        include_str!("../../templates/email_link.html"),
    ),
    (
        "password.html",
        include_str!("../../templates/password.html"),
    ),
    ("orgs.html", include_str!("../../templates/orgs.html")),
    (
        "dashboard.html",
        include_str!("../../templates/dashboard.html"),
    ),
    ("issuers.html", include_str!("../../templates/issuers.html")),
    (
        "issuer_form.html",
        include_str!("../../templates/issuer_form.html"),
    ),
    (
        "issuer_edit.html",
        include_str!("../../templates/issuer_edit.html"),
    ),
    (
        "achievement_list.html",
        include_str!("../../templates/achievement_list.html"),
    ),
    (
        "achievement_form.html",
        include_str!("../../templates/achievement_form.html"),
    ),
    (
        "achievement_new.html",
        include_str!("../../templates/achievement_new.html"),
    ),
    (
        "achievement_edit.html",
        include_str!("../../templates/achievement_edit.html"),
    ),
    (
        "award_list.html",
        include_str!("../../templates/award_list.html"),
    ),
    (
        "award_form.html",
        include_str!("../../templates/award_form.html"),
    ),
    (
        "award_new.html",
        include_str!("../../templates/award_new.html"),
    ),
    (
        "award_detail.html",
        include_str!("../../templates/award_detail.html"),
    ),
    ("members.html", include_str!("../../templates/members.html")),
    ("tokens.html", include_str!("../../templates/tokens.html")),
    ("labs.html", include_str!("../../templates/labs.html")),
    (
        "labs_track.html",
        include_str!("../../templates/labs_track.html"),
    ),
    // The public pages (no sign-in), with their own layout.
    (
        "public_base.html",
        include_str!("../../templates/public_base.html"),
    ),
    (
        "public_error.html",
        include_str!("../../templates/public_error.html"),
    ),
    (
        "public_status.html",
        include_str!("../../templates/public_status.html"),
    ),
    (
        "public_checks.html",
        include_str!("../../templates/public_checks.html"),
    ),
    (
        "public_credential.html",
        include_str!("../../templates/public_credential.html"),
    ),
    (
        "public_issuer.html",
        include_str!("../../templates/public_issuer.html"),
    ),
    (
        "public_verify.html",
        include_str!("../../templates/public_verify.html"),
    ),
    (
        "api_docs.html",
        include_str!("../../templates/api_docs.html"),
    ),
    (
        "lab_session.html",
        include_str!("../../templates/lab_session.html"),
    ),
];

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Every template is HTML, whatever its name.
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_filter("when", when);
    for (name, source) in TEMPLATES {
        // A syntax error is a programming error; the page test renders every template.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "a page template does not parse");
        }
    }
    env
});

/// Renders a template with its context.
pub fn render(name: &str, context: Value) -> Result<Html<String>, PageError> {
    ENVIRONMENT
        .get_template(name)
        .and_then(|template| template.render(context))
        .map(Html)
        .map_err(|e| PageError::internal(format!("the page {name} failed to render: {e:#}")))
}

/// The names of every template, for tests that parse them all.
pub fn names() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|(name, _)| *name)
}

/// Checks that a template parses.
pub fn parses(name: &str) -> Result<(), String> {
    ENVIRONMENT
        .get_template(name)
        .map(|_| ())
        .map_err(|e| format!("{e:#}"))
}

/// The filter `when`: Unix milliseconds as a date and time in UTC (`2026-12-03 14:05 UTC`).
fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use minijinja::context;

    use super::*;

    #[test]
    fn every_template_parses() {
        for name in names() {
            assert_eq!(parses(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn values_are_escaped_and_undefined_ones_fail() {
        let page = render(
            "error.html",
            context! { status => 404, title => "<b>x</b>", detail => "d", request_id => "r" },
        )
        .unwrap();
        assert!(page.0.contains("&lt;b&gt;x&lt;"));
        assert!(!page.0.contains("<b>x</b>"));
        assert!(render("error.html", context! { status => 404 }).is_err());
    }

    #[test]
    fn times_read_as_utc_dates() {
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(when(1_796_305_500_000), "2026-12-03 13:45 UTC");
    }
}
