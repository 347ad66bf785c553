//! Fetching issuer documents and status lists over the network for online verification.
//!
//! Verification is offline unless the user asks otherwise. When it is online, only HTTPS is
//! used, except plain HTTP to a loopback address when explicitly allowed (a Rosette server on
//! the same machine, during development). Every fetch has a timeout and a size limit, so a
//! slow or hostile server cannot hold a verification hostage. A `410 Gone` counts as an
//! answer only when its body is an Open Badges 2.0 revocation notice.

use std::io::Read;
use std::net::IpAddr;
use std::time::Duration;

use badges::resolve::{ResolveError, Resolver, without_fragment};
use serde_json::Value;

/// The most a fetched document may weigh.
pub const MAX_DOCUMENT_BYTES: u64 = 2 * 1024 * 1024;
/// How long one fetch may take, connection included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// A resolver that fetches documents over HTTPS.
pub struct HttpResolver {
    client: reqwest::blocking::Client,
    allow_http_loopback: bool,
}

impl HttpResolver {
    /// A resolver; `allow_http_loopback` also permits `http://127.0.0.1`, `[::1]`, `localhost`.
    pub fn new(allow_http_loopback: bool) -> anyhow::Result<Self> {
        let client = reqwest::blocking::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("rosette/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            allow_http_loopback,
        })
    }

    fn check_url(&self, url: &str) -> Result<reqwest::Url, ResolveError> {
        let refused = |reason: &str| ResolveError::Refused {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let parsed = reqwest::Url::parse(url).map_err(|_| refused("it is not a valid URL"))?;
        match parsed.scheme() {
            "https" => Ok(parsed),
            "http" if self.allow_http_loopback && is_loopback(&parsed) => Ok(parsed),
            "http" if self.allow_http_loopback => {
                Err(refused("plain http is only allowed to loopback addresses"))
            }
            "http" => Err(refused(
                "plain http is not allowed (use --allow-http-loopback for a local server)",
            )),
            other => Err(refused(&format!("the {other} scheme is not supported"))),
        }
    }

    fn get(&self, url: &str) -> Result<Vec<u8>, ResolveError> {
        let target = self.check_url(url)?;
        let fail = |reason: String| ResolveError::Fetch {
            url: url.to_owned(),
            reason,
        };
        let response = self
            .client
            .get(target)
            .header(
                "Accept",
                "application/ld+json, application/json;q=0.9, */*;q=0.1",
            )
            .send()
            .map_err(|e| fail(e.without_url().to_string()))?;
        let status = response.status();
        let gone = status == reqwest::StatusCode::GONE;
        if !status.is_success() && !gone {
            return Err(fail(format!("the server answered {status}")));
        }
        let body = read_limited(response).map_err(fail)?;
        // OB 2.0 hosts answer a revoked hosted assertion with 410 Gone and a body that says
        // so; that body is the answer a verification needs, any other 410 is a failure.
        if gone && !is_revocation_notice(&body) {
            return Err(fail(format!("the server answered {status}")));
        }
        Ok(body)
    }
}

/// The response body, refused past [`MAX_DOCUMENT_BYTES`].
fn read_limited(response: reqwest::blocking::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    response
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| e.to_string())?;
    if body.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "the document is larger than {MAX_DOCUMENT_BYTES} bytes"
        ));
    }
    Ok(body)
}

/// Whether a body is an OB 2.0 revocation notice (a JSON object with `"revoked": true`).
fn is_revocation_notice(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|doc| badges::ob2::is_revocation_notice(&doc))
}

impl Resolver for HttpResolver {
    fn fetch_json(&self, url: &str) -> Result<Value, ResolveError> {
        let url = without_fragment(url);
        let body = self.get(url)?;
        serde_json::from_slice(&body).map_err(|e| ResolveError::NotJson {
            url: url.to_owned(),
            reason: e.to_string(),
        })
    }

    fn fetch_bytes(&self, url: &str) -> Result<Vec<u8>, ResolveError> {
        self.get(without_fragment(url))
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_unless_loopback_is_allowed() {
        let strict = HttpResolver::new(false).unwrap();
        assert!(strict.check_url("http://127.0.0.1:8080/x").is_err());
        assert!(strict.check_url("https://example.org/x").is_ok());
        assert!(strict.check_url("file:///etc/passwd").is_err());
        let dev = HttpResolver::new(true).unwrap();
        assert!(dev.check_url("http://127.0.0.1:8080/x").is_ok());
        assert!(dev.check_url("http://[::1]:8080/x").is_ok());
        assert!(dev.check_url("http://localhost/x").is_ok());
        assert!(dev.check_url("http://10.0.0.1/x").is_err());
    }

    #[test]
    fn only_a_body_that_says_revoked_is_a_revocation_notice() {
        assert!(is_revocation_notice(
            br#"{"id": "https://i.example/a/1", "revoked": true}"#
        ));
        assert!(!is_revocation_notice(
            br#"{"id": "https://i.example/a/1", "revoked": false}"#
        ));
        assert!(!is_revocation_notice(br#"{"title": "Gone"}"#));
        assert!(!is_revocation_notice(b"<html>Gone</html>"));
    }
}
