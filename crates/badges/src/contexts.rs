//! The JSON-LD contexts Rosette knows, bundled into the binary.
//!
//! Credentials name their vocabularies by URL. Fetching those URLs at verification time would
//! make every verification depend on third-party web servers and would let whoever controls
//! them change what a signed credential means, so Rosette never does: every context it accepts
//! is compiled in here, and any other URL is an error for the caller to report.

/// A context URL and the JSON text of the document it names.
#[derive(Debug, Clone, Copy)]
pub struct BundledContext {
    /// The URL documents use in `@context`.
    pub url: &'static str,
    /// The file name under `crates/badges/contexts/`.
    pub file: &'static str,
    /// The JSON text of the context document.
    pub json: &'static str,
}

macro_rules! bundled {
    ($($url:literal => $file:literal,)*) => {
        /// Every bundled context, in no particular order.
        pub const BUNDLED: &[BundledContext] = &[
            $(BundledContext {
                url: $url,
                file: $file,
                json: include_str!(concat!("../contexts/", $file)),
            },)*
        ];
    };
}

bundled! {
    "https://www.w3.org/ns/credentials/v2" => "credentials-v2.w3c-published.jsonld",
    "https://www.w3.org/2018/credentials/v1" => "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2" => "credentials-examples-v2.jsonld",
    "https://www.w3.org/ns/credentials/undefined-terms/v2" =>
        "credentials-undefined-terms-v2.jsonld",
    "https://www.w3.org/ns/credentials/status/v1" => "credentials-status-v1.jsonld",
    "https://w3id.org/vc/status-list/2021/v1" => "vc-status-list-2021-v1.jsonld",
    "https://w3id.org/security/data-integrity/v1" => "data-integrity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2" => "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1" => "multikey-v1.jsonld",
    "https://w3id.org/security/jwk/v1" => "jwk-v1.jsonld",
    "https://www.w3.org/ns/did/v1" => "did-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1" => "suites-ed25519-2020-v1.jsonld",
    "https://w3id.org/security/suites/x25519-2020/v1" => "suites-x25519-2020-v1.jsonld",
    "https://w3id.org/security/v1" => "security-v1.jsonld",
    "https://w3id.org/security/v2" => "security-v2.jsonld",
    "https://w3id.org/citizenship/v4rc1" => "citizenship-v4rc1.jsonld",
    "https://w3id.org/dcc/v1" => "dcc-v1.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json" => "ob-v3p0-context-3.0.0.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json" => "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json" => "ob-v3p0-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" => "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json" => "ob-v3p0-extensions.json",
    "https://w3id.org/openbadges/v2" => "ob-v2p0-context.json",
    "https://w3id.org/openbadges/v1" => "ob-v1-context.json",
    "https://w3id.org/openbadges/badgeconnect/v1" => "ob-v2p1-context.jsonld",
}

/// The VC Data Model 2.0 context, first in every credential Rosette writes.
pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The VC Data Model 1.1 context, found in older (legacy) credentials.
pub const CREDENTIALS_V1: &str = "https://www.w3.org/2018/credentials/v1";
/// The current Open Badges 3.0 context, second in every credential Rosette writes.
pub const OB_V3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// The Open Badges 2.0 context.
pub const OB_V2: &str = "https://w3id.org/openbadges/v2";

/// Returns the JSON text of a bundled context, or `None` for a URL Rosette does not know.
///
/// `http://` spellings of the W3C and w3id URLs are accepted too, since older documents use
/// them and they name the same documents.
pub fn lookup(url: &str) -> Option<&'static BundledContext> {
    let https;
    let url = match url.strip_prefix("http://") {
        Some(rest) => {
            https = format!("https://{rest}");
            https.as_str()
        }
        None => url,
    };
    BUNDLED.iter().find(|c| c.url == url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_context_is_json_with_a_context_key() {
        for c in BUNDLED {
            let v: serde_json::Value = serde_json::from_str(c.json).unwrap();
            assert!(v.get("@context").is_some(), "{} has no @context", c.file);
        }
    }

    #[test]
    fn lookup_knows_http_spellings_and_refuses_strangers() {
        assert!(lookup("http://www.w3.org/ns/credentials/v2").is_some());
        assert_eq!(lookup(OB_V3).unwrap().file, "ob-v3p0-context-3.0.3.json");
        assert!(lookup("https://example.com/context.json").is_none());
    }
}
