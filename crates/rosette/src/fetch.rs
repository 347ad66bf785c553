//! Fetching issuer documents and status lists over the network for online verification.
//!
//! Verification is offline unless the user asks otherwise. When it is online, only HTTPS is
//! used, except plain HTTP to a loopback address when explicitly allowed (a Rosette server on
//! the same machine, during development). Every fetch has a timeout and a size limit, so a
//! slow or hostile server cannot hold a verification hostage. A `410 Gone` counts as an
//! answer only when its body is an Open Badges 2.0 revocation notice.
//!
//! [`fetch_public`] fetches for someone else (a visitor of the public `/verify` page), so it
//! also refuses hosts that are, or resolve to, private, loopback, link-local or otherwise
//! non-public addresses: the server must not become a way to reach its own network.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
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

/// Why [`fetch_public`] got nothing.
#[derive(Debug, thiserror::Error)]
pub enum PublicFetchError {
    /// The address is not one this server fetches from (the request was never sent).
    #[error("{0}")]
    Refused(String),
    /// The fetch was tried and failed.
    #[error("{0}")]
    Failed(String),
    /// The answer was larger than allowed.
    #[error("the document is larger than {0} bytes")]
    TooLarge(usize),
}

/// Fetches `url` on behalf of someone else: HTTPS only, only to public addresses (checked
/// before connecting, and the connection pinned to the checked addresses so a second DNS
/// answer cannot swap them), no redirects, no proxy, [`FETCH_TIMEOUT`], at most `max_bytes`.
pub async fn fetch_public(url: &url::Url, max_bytes: usize) -> Result<Vec<u8>, PublicFetchError> {
    let refused = |why: &str| PublicFetchError::Refused(why.to_owned());
    if url.scheme() != "https" {
        return Err(refused("only https:// addresses are fetched"));
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let mut client = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .connect_timeout(FETCH_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .https_only(true)
        .user_agent(concat!("rosette/", env!("CARGO_PKG_VERSION")));
    match url.host() {
        Some(url::Host::Ipv4(ip)) => refuse_private(IpAddr::V4(ip))?,
        Some(url::Host::Ipv6(ip)) => refuse_private(IpAddr::V6(ip))?,
        Some(url::Host::Domain(domain)) => {
            let addresses = resolve_public(domain, port).await?;
            client = client.resolve_to_addrs(domain, &addresses);
        }
        None => return Err(refused("the address has no host")),
    }
    let client = client
        .build()
        .map_err(|e| PublicFetchError::Failed(e.to_string()))?;
    read_public(client, url.clone(), max_bytes).await
}

/// The addresses `domain` resolves to, when every one of them is public.
async fn resolve_public(domain: &str, port: u16) -> Result<Vec<SocketAddr>, PublicFetchError> {
    let lookup = tokio::net::lookup_host((domain, port));
    let addresses: Vec<SocketAddr> = tokio::time::timeout(FETCH_TIMEOUT, lookup)
        .await
        .map_err(|_| PublicFetchError::Failed(format!("looking up {domain} took too long")))?
        .map_err(|_| PublicFetchError::Failed(format!("{domain} could not be found")))?
        .collect();
    if addresses.is_empty() {
        return Err(PublicFetchError::Failed(format!("{domain} has no address")));
    }
    for address in &addresses {
        refuse_private(address.ip())?;
    }
    Ok(addresses)
}

fn refuse_private(ip: IpAddr) -> Result<(), PublicFetchError> {
    if is_public(ip) {
        Ok(())
    } else {
        Err(PublicFetchError::Refused(
            "the address is private, loopback, link-local or otherwise not on the public \
             internet, so this server does not fetch it"
                .to_owned(),
        ))
    }
}

async fn read_public(
    client: reqwest::Client,
    url: url::Url,
    max_bytes: usize,
) -> Result<Vec<u8>, PublicFetchError> {
    let failed = |e: reqwest::Error| PublicFetchError::Failed(e.without_url().to_string());
    let mut response = client.get(url).send().await.map_err(failed)?;
    let status = response.status();
    if !status.is_success() {
        let why = format!("the server answered {status} (redirects are not followed)");
        return Err(PublicFetchError::Failed(why));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        if body.len() + chunk.len() > max_bytes {
            return Err(PublicFetchError::TooLarge(max_bytes));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether an address is on the public internet: not private, loopback, link-local,
/// unspecified, shared (carrier-grade NAT), documentation, broadcast or multicast, nor an
/// IPv6 form (mapped, NAT64) of such an IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let this_network = a == 0;
    let shared = a == 100 && (64..128).contains(&b);
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || this_network
        || shared)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., a, b, c, d] = ip.octets();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    let documentation = segments[0] == 0x2001 && segments[1] == 0x0db8;
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        || ip.is_multicast()
        || documentation)
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

    #[test]
    fn only_public_addresses_count_as_public() {
        for private in [
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2606:4700::1111", "::ffff:93.184.216.34"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn private_and_plain_http_addresses_are_refused_before_any_connection() {
        for url in [
            "https://10.0.0.1/credential.json",
            "https://[::1]/x",
            "https://localhost/x",
            "http://example.org/x",
        ] {
            let url = url::Url::parse(url).unwrap();
            let refused = fetch_public(&url, 1024).await.unwrap_err();
            assert!(
                matches!(refused, PublicFetchError::Refused(_)),
                "{url}: {refused}"
            );
        }
    }
}
