//! Small readers shared by the OB 2.0 builders and verifier: URL kinds, ISO 8601 dates with a
//! time zone, JSON-LD `type` values, one-or-many properties, and PEM armor.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde_json::Value;

/// The largest PEM text accepted for a key; an RSA-8192 public key is under 2 KiB.
pub const MAX_PEM_BYTES: usize = 16 * 1024;

/// Whether `s` is an `https://` URL, or a plain `http://` URL to a loopback host
/// (127.0.0.0/8, `[::1]`, `localhost`).
///
/// The loopback exception lets a server under development publish documents that a verifier
/// on the same machine fetches (`rosette verify --allow-http-loopback`); nobody else can reach
/// such an address, so it cannot stand for a public issuer.
pub fn is_https_or_loopback_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| match u.scheme() {
        "https" => u.host_str().is_some(),
        "http" => match u.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    })
}

/// Whether `s` is an absolute `http://` or `https://` URL with a host.
pub fn is_web_url(s: &str) -> bool {
    url::Url::parse(s)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Whether `s` is a `data:image/...` URI, which OB 2.0 allows for images.
pub fn is_image_data_uri(s: &str) -> bool {
    // `get` rather than indexing: a multi-byte character may straddle the cut.
    s.len() > 11
        && s.get(..11)
            .is_some_and(|p| p.eq_ignore_ascii_case("data:image/"))
}

/// Whether `s` is an IRI an OB 2.0 `id` may use: a web URL or a `urn:uuid:`.
pub fn is_id_iri(s: &str) -> bool {
    is_web_url(s) || is_urn_uuid(s)
}

/// Whether `s` is a `urn:uuid:` IRI.
pub fn is_urn_uuid(s: &str) -> bool {
    s.len() > 9
        && s.get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:uuid:"))
}

/// The `host[:port]` part of a web URL, lowercased, the port only when it is not the default.
///
/// OB 2.0 scopes hosted assertions by the RFC 3986 host of the issuer's id; user information
/// (`https://issuer.example@evil.example/`) is not part of it, which is why a real URL parser
/// decides and not string slicing.
pub fn origin_host(s: &str) -> Option<String> {
    let parsed = url::Url::parse(s).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    Some(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Formats a timestamp the way the builders write it: `2026-01-02T03:04:05Z`.
pub fn format_datetime(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an OB 2.0 DateTime: ISO 8601 with a time and a time zone, seconds optional.
pub fn parse_datetime(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let zoned = match s.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+00:00"),
        None => s.to_owned(),
    };
    for format in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z"] {
        if let Ok(t) = DateTime::parse_from_str(&zoned, format) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    let naive = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .any(|f| NaiveDateTime::parse_from_str(s, f).is_ok());
    Err(if naive {
        format!("{s:?} has no time zone (OB 2.0 requires one, for example Z or +00:00)")
    } else {
        format!("{s:?} is not an ISO 8601 date and time")
    })
}

/// Reads an OB 2.0 DateTime property, saying why a present value is unusable.
pub fn datetime_field(doc: &Value, key: &str) -> Option<Result<DateTime<Utc>, String>> {
    let value = doc.get(key)?;
    Some(match value {
        Value::String(s) => parse_datetime(s).map_err(|e| format!("{key}: {e}")),
        Value::Number(_) => Err(format!(
            "{key} is a Unix timestamp; OB 2.0 requires an ISO 8601 string"
        )),
        _ => Err(format!("{key} must be an ISO 8601 date-time string")),
    })
}

/// A property that may hold one value or an array of them, as a list.
pub fn one_or_many(value: Option<&Value>) -> Vec<&Value> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
    }
}

/// The `id` of a node given either as a plain IRI string or as an object with an `id`.
pub fn node_id(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(map) => map.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// Whether the JSON-LD `type` (one value or several) names the OB 2.0 class `term`.
///
/// Besides the context's short term the full IRI (`https://w3id.org/openbadges#Assertion`)
/// and the `obi:` compact form are accepted, since they expand to the same class.
pub fn has_type(doc: &Value, terms: &[&str]) -> bool {
    one_or_many(doc.get("type")).iter().any(|t| {
        t.as_str().is_some_and(|t| {
            let short = t
                .strip_prefix("https://w3id.org/openbadges#")
                .or_else(|| t.strip_prefix("obi:"))
                .unwrap_or(t);
            terms.contains(&short)
        })
    })
}

/// Whether the document's `@context` names the OB 2.0 context (either URL scheme).
pub fn has_ob2_context(doc: &Value) -> bool {
    one_or_many(doc.get("@context")).iter().any(|c| {
        c.as_str().is_some_and(|c| {
            c.strip_prefix("http://")
                .or_else(|| c.strip_prefix("https://"))
                .is_some_and(|rest| rest.trim_end_matches('/') == "w3id.org/openbadges/v2")
        })
    })
}

/// A decoded PEM block: its label (`PUBLIC KEY`, `RSA PRIVATE KEY`, ...) and DER bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pem {
    /// The text between `-----BEGIN ` and `-----`.
    pub label: String,
    /// The base64-decoded body.
    pub der: Vec<u8>,
}

/// Removes the PEM armor of the first block in `text` and decodes its base64 body.
///
/// Only the armor is handled here; the DER inside is parsed by the cryptography library.
pub fn decode_pem(text: &str) -> Result<Pem, String> {
    if text.len() > MAX_PEM_BYTES {
        return Err(format!("the PEM text is larger than {MAX_PEM_BYTES} bytes"));
    }
    let block = pem::parse(text).map_err(|e| format!("the PEM text is not valid: {e}"))?;
    if block.contents().is_empty() {
        return Err("the PEM body is empty".to_owned());
    }
    Ok(Pem {
        label: block.tag().to_owned(),
        der: block.into_contents(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_need_a_time_zone_but_seconds_are_optional() {
        let t = parse_datetime("2016-12-31T23:59:59+00:00").unwrap();
        assert_eq!(format_datetime(&t), "2016-12-31T23:59:59Z");
        let t = parse_datetime("2016-12-31T23:59Z").unwrap();
        assert_eq!(format_datetime(&t), "2016-12-31T23:59:00Z");
        let t = parse_datetime("2017-01-01T01:30:00.5+0130").unwrap();
        assert_eq!(format_datetime(&t), "2017-01-01T00:00:00Z");
        let err = parse_datetime("2016-12-31T23:59:59").unwrap_err();
        assert!(err.contains("no time zone"), "{err}");
        assert!(parse_datetime("31/12/2016").is_err());
        assert!(parse_datetime("2016-12-31").is_err());
    }

    #[test]
    fn unix_timestamps_are_refused_with_a_reason() {
        let doc = json!({"issuedOn": 1483228799});
        let err = datetime_field(&doc, "issuedOn").unwrap().unwrap_err();
        assert!(err.contains("Unix timestamp"), "{err}");
        assert!(datetime_field(&doc, "expires").is_none());
    }

    #[test]
    fn the_origin_host_ignores_user_information_and_default_ports() {
        assert_eq!(
            origin_host("https://Issuer.Example/a/b").as_deref(),
            Some("issuer.example")
        );
        assert_eq!(
            origin_host("https://issuer.example:443/a").as_deref(),
            Some("issuer.example")
        );
        assert_eq!(
            origin_host("https://issuer.example:8443/a").as_deref(),
            Some("issuer.example:8443")
        );
        assert_eq!(
            origin_host("https://issuer.example@evil.example/a").as_deref(),
            Some("evil.example")
        );
        assert_eq!(origin_host("urn:uuid:1234"), None);
    }

    #[test]
    fn url_kinds_are_told_apart() {
        assert!(is_web_url("http://a.example/x"));
        assert!(is_https_or_loopback_url("https://a.example/x"));
        assert!(is_https_or_loopback_url("http://127.0.0.1:8080/x"));
        assert!(is_https_or_loopback_url("http://[::1]/x"));
        assert!(is_https_or_loopback_url("http://LOCALHOST/x"));
        assert!(!is_https_or_loopback_url("http://a.example/x"));
        assert!(!is_https_or_loopback_url("http://127.0.0.1.evil.example/x"));
        assert!(!is_https_or_loopback_url("http://10.0.0.1/x"));
        assert!(!is_web_url("ftp://a.example/x"));
        assert!(is_id_iri("urn:uuid:2f1a3c1e-0000-4000-8000-000000000000"));
        assert!(!is_id_iri("not a url"));
        assert!(is_image_data_uri("data:image/png;base64,AAAA"));
        assert!(!is_image_data_uri("data:text/html,<b>"));
        // A multi-byte character across the prefix length must not panic.
        assert!(!is_image_data_uri("data:imag\u{e9}/png"));
        assert!(!is_urn_uuid("urn:uui\u{e9}:1234"));
    }

    #[test]
    fn types_match_by_term_full_iri_or_compact_iri() {
        assert!(has_type(&json!({"type": "Assertion"}), &["Assertion"]));
        assert!(has_type(
            &json!({"type": ["Extension", "https://w3id.org/openbadges#Assertion"]}),
            &["Assertion"]
        ));
        assert!(has_type(
            &json!({"type": "obi:Issuer"}),
            &["Issuer", "Profile"]
        ));
        assert!(!has_type(&json!({"type": "BadgeClass"}), &["Assertion"]));
        assert!(!has_type(&json!({}), &["Assertion"]));
    }

    #[test]
    fn pem_armor_is_removed_and_the_body_decoded() {
        let pem =
            decode_pem("junk\n-----BEGIN PUBLIC KEY-----\nAAEC\nAw==\n-----END PUBLIC KEY-----\n")
                .unwrap();
        assert_eq!(pem.label, "PUBLIC KEY");
        assert_eq!(pem.der, vec![0, 1, 2, 3]);
        assert!(decode_pem("-----BEGIN PUBLIC KEY-----\nAAEC\n").is_err());
        assert!(decode_pem("-----BEGIN X-----\n!!!\n-----END X-----").is_err());
        assert!(decode_pem("no armor").is_err());
    }

    #[test]
    fn the_ob2_context_is_recognised_in_either_scheme_and_in_arrays() {
        assert!(has_ob2_context(
            &json!({"@context": "https://w3id.org/openbadges/v2"})
        ));
        assert!(has_ob2_context(
            &json!({"@context": ["http://w3id.org/openbadges/v2", {"x": "urn:x"}]})
        ));
        assert!(!has_ob2_context(
            &json!({"@context": "https://w3id.org/openbadges/v1"})
        ));
    }
}
