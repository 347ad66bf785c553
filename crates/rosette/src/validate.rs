//! Validated strings: emails, slugs, names and URLs, each parsed once at the edge.

use std::fmt;

/// An email address, trimmed and lower-cased (addresses are compared without regard to case).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a non-empty local part, a domain with a dot (or
    /// `localhost`), no spaces or control characters, at most 254 characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().to_lowercase();
        let invalid = || format!("{text:?} is not a valid email address");
        if text.len() > 254 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = text.split_once('@').ok_or_else(invalid)?;
        let domain_ok = (domain.contains('.') || domain == "localhost")
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty() || local.len() > 64 || domain.contains('@') || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(text))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An organization slug: 2–40 lower-case letters, digits and single hyphens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// Parses a slug.
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = (2..=40).contains(&text.len())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !text.starts_with('-')
            && !text.ends_with('-')
            && !text.contains("--");
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "{text:?} is not a valid slug: use 2 to 40 lower-case letters, digits and hyphens"
            ))
        }
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A required, trimmed, single-line text of at most `max` characters.
pub fn name(text: &str, what: &str, max: usize) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    if text.chars().count() > max {
        return Err(format!("{what} must be at most {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("{what} must be a single line of text"));
    }
    Ok(text.to_owned())
}

/// A trimmed text of at most `max` characters; line breaks allowed.
pub fn text(value: &str, what: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(format!("{what} must be at most {max} characters"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(format!("{what} contains control characters"));
    }
    Ok(value.to_owned())
}

/// An absolute http(s) URL.
pub fn web_url(value: &str, what: &str) -> Result<String, String> {
    let value = value.trim();
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(value.to_owned())
        }
        _ => Err(format!("{what} must be an absolute http or https URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            Email::parse(" Ada@Example.ORG ").unwrap().as_str(),
            "ada@example.org"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.org",
            "a b@x.org",
            "ada@x",
            "ada@x..org",
            "a@b@c.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse("dev@localhost").is_ok());
    }

    #[test]
    fn slugs_are_checked() {
        assert!(Slug::parse("acme-academy").is_ok());
        for bad in ["a", "Acme", "-a", "a-", "a--b", "a_b", &"x".repeat(41)] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_and_urls_are_checked() {
        assert_eq!(name("  Acme ", "name", 10).unwrap(), "Acme");
        assert!(name("", "name", 10).is_err());
        assert!(name("a\nb", "name", 10).is_err());
        assert!(name(&"x".repeat(11), "name", 10).is_err());
        assert!(web_url("https://acme.example", "url").is_ok());
        assert!(web_url("javascript:alert(1)", "url").is_err());
        assert!(web_url("/relative", "url").is_err());
    }
}
