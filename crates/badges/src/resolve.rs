//! Finding the documents a verification needs: issuer profiles, controller documents, DID
//! documents and status lists.
//!
//! The library itself never touches the network. A [`Resolver`] is handed in by the caller:
//! [`OfflineResolver`] answers from documents given up front (tests, air-gapped checks), and
//! the `rosette` application supplies one that fetches over HTTPS with timeouts and size
//! limits. `did:key` identifiers need no resolver at all.

use std::collections::HashMap;

use serde_json::Value;

/// Why a document could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The resolver does not fetch documents (an offline check) and was not given this one.
    #[error("{0} is not available offline (run with online checks allowed to fetch it)")]
    Offline(String),
    /// The URL's scheme or host is not allowed (plain http, private addresses, and so on).
    #[error("refused to fetch {url}: {reason}")]
    Refused {
        /// The URL asked for.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The fetch failed: network error, timeout, HTTP error status, too large.
    #[error("could not fetch {url}: {reason}")]
    Fetch {
        /// The URL asked for.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The document arrived but is not JSON.
    #[error("{url} did not return JSON: {reason}")]
    NotJson {
        /// The URL asked for.
        url: String,
        /// The parse error.
        reason: String,
    },
    /// The document is not of the kind expected (no such key, wrong shape).
    #[error("{0}")]
    Invalid(String),
}

impl ResolveError {
    /// Whether the failure says nothing about the credential itself (the document just could
    /// not be had), so a verification should end as "could not check" rather than "invalid".
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Offline(_) | Self::Refused { .. } | Self::Fetch { .. }
        )
    }
}

/// Fetches JSON documents by URL for a verification.
pub trait Resolver: Send + Sync {
    /// Returns the JSON document at `url` (without fragment), or why it cannot.
    fn fetch_json(&self, url: &str) -> Result<Value, ResolveError>;

    /// Returns the raw bytes at `url`; used for OB 2.0 hosted images and non-JSON documents.
    fn fetch_bytes(&self, url: &str) -> Result<Vec<u8>, ResolveError> {
        let value = self.fetch_json(url)?;
        Ok(value.to_string().into_bytes())
    }
}

/// A resolver that only knows the documents it was given.
#[derive(Debug, Clone, Default)]
pub struct OfflineResolver {
    documents: HashMap<String, Value>,
}

impl OfflineResolver {
    /// A resolver that knows nothing: only `did:key` identifiers can be resolved.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a document served at `url` (a fragment, if any, is dropped).
    pub fn with_document(mut self, url: &str, document: Value) -> Self {
        self.insert(url, document);
        self
    }

    /// Adds a document served at `url` (a fragment, if any, is dropped).
    pub fn insert(&mut self, url: &str, document: Value) {
        self.documents
            .insert(without_fragment(url).to_owned(), document);
    }
}

impl Resolver for OfflineResolver {
    fn fetch_json(&self, url: &str) -> Result<Value, ResolveError> {
        self.documents
            .get(without_fragment(url))
            .cloned()
            .ok_or_else(|| ResolveError::Offline(without_fragment(url).to_owned()))
    }
}

/// The URL without its `#fragment`.
pub fn without_fragment(url: &str) -> &str {
    url.split_once('#').map_or(url, |(base, _)| base)
}

/// The HTTPS URL of the DID document for a `did:web` identifier (DID fragment ignored).
///
/// `did:web:example.com` is served at `https://example.com/.well-known/did.json`, and
/// `did:web:example.com:issuers:1` at `https://example.com/issuers/1/did.json`; a port is
/// written percent-encoded (`example.com%3A8443`).
pub fn did_web_url(did: &str) -> Result<String, ResolveError> {
    let invalid = || ResolveError::Invalid(format!("{did} is not a valid did:web identifier"));
    let rest = without_fragment(did)
        .strip_prefix("did:web:")
        .ok_or_else(invalid)?;
    let mut parts = rest.split(':');
    let host = parts.next().filter(|h| !h.is_empty()).ok_or_else(invalid)?;
    let host = host.replace("%3A", ":").replace("%3a", ":");
    if host.contains(['/', '?', '#', '@']) {
        return Err(invalid());
    }
    let path: Vec<&str> = parts.collect();
    if path
        .iter()
        .any(|p| p.is_empty() || p.contains(['/', '?']) || *p == ".." || *p == ".")
    {
        return Err(invalid());
    }
    Ok(if path.is_empty() {
        format!("https://{host}/.well-known/did.json")
    } else {
        format!("https://{host}/{}/did.json", path.join("/"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_urls_follow_the_method_spec() {
        assert_eq!(
            did_web_url("did:web:w3c-ccg.github.io").unwrap(),
            "https://w3c-ccg.github.io/.well-known/did.json"
        );
        assert_eq!(
            did_web_url("did:web:example.com:user:alice#key-1").unwrap(),
            "https://example.com/user/alice/did.json"
        );
        assert_eq!(
            did_web_url("did:web:example.com%3A3000").unwrap(),
            "https://example.com:3000/.well-known/did.json"
        );
        assert!(did_web_url("did:web:").is_err());
        assert!(did_web_url("did:web:example.com:..:x").is_err());
        assert!(did_web_url("did:key:z6Mk").is_err());
    }

    #[test]
    fn the_offline_resolver_answers_only_what_it_was_given() {
        let r = OfflineResolver::new().with_document("https://a.example/i#k", Value::Bool(true));
        assert_eq!(
            r.fetch_json("https://a.example/i#other").unwrap(),
            Value::Bool(true)
        );
        let err = r.fetch_json("https://b.example/").unwrap_err();
        assert!(err.is_unavailable());
    }
}
