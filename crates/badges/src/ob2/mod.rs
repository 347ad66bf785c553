//! Open Badges 2.0: the documents many systems still read, and their verification.
//!
//! Rosette issues Open Badges 3.0, but a large part of the badge world (backpacks, LMS
//! plug-ins, older verifiers) only understands 2.0. This module owns both sides of that:
//!
//! - [`build`]: plain input structs ([`Issuer`], [`BadgeClass`], [`Assertion`],
//!   [`RevocationList`], [`CryptographicKey`]) that turn into hosted OB 2.0 JSON-LD documents
//!   under the `https://w3id.org/openbadges/v2` context, and [`sign_assertion`] for the
//!   RS256 JWS form of a signed assertion.
//! - [`verify`]: the OB 2.0 verification procedure for hosted assertions (given as JSON or as
//!   a URL) and signed ones (a compact JWS), reported as a list of [`Ob2Check`]s.
//!
//! Like the rest of the crate it never touches the network: every document is fetched through
//! the [`crate::resolve::Resolver`] the caller hands in, and the current time is an argument.
//! The OB 3.0 verification report lives elsewhere; the types here are kept self-contained so
//! the two can be unified later without this module depending on that one.

pub mod build;
mod json;
pub mod verify;

use sha2::{Digest, Sha256};

pub use build::{
    Alignment, Assertion, BadgeClass, Criteria, CryptographicKey, Evidence, Issuer, Ob2BuildError,
    RevocationList, RevokedAssertion, Verification, VerificationPolicy, rsa_signing_key,
    sign_assertion,
};
pub use verify::{
    AssertionInput, Ob2Check, Ob2Report, Ob2Status, Outcome, is_revocation_notice, verify_assertion,
};

/// The JSON-LD context every OB 2.0 document Rosette writes starts with.
pub const CONTEXT: &str = crate::contexts::OB_V2;

/// The salted identity hash OB 2.0 puts in an assertion's `recipient.identity`.
///
/// Returns `sha256$` followed by the lowercase hex SHA-256 of the email and the salt
/// concatenated (`email + salt`; an empty salt means an unsalted hash). OB 2.0 compares email
/// addresses case-insensitively, so the email is lowercased before hashing: the same person
/// typing `Alice@Example.org` and `alice@example.org` gets the same hash. Surrounding
/// whitespace is not removed; callers pass the address as stored.
pub fn hash_email(email: &str, salt: &str) -> String {
    sha256_identity(&email.to_lowercase(), salt)
}

/// `sha256$` + hex SHA-256 of `identity + salt`, with the identity taken as given.
fn sha256_identity(identity: &str, salt: &str) -> String {
    let digest = Sha256::new()
        .chain_update(identity.as_bytes())
        .chain_update(salt.as_bytes())
        .finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256$");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_hash_is_sha256_of_email_then_salt_in_lowercase_hex() {
        // Reference values from `printf 'alice@example.orgdeadsea' | sha256sum`.
        assert_eq!(
            hash_email("alice@example.org", "deadsea"),
            "sha256$c934fdacc6242be0277a284970416aa9bfa583241fb85094bc96c504ee0abd4e"
        );
        assert_eq!(
            hash_email("", ""),
            "sha256$e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn the_email_hash_ignores_the_case_of_the_address_but_not_of_the_salt() {
        assert_eq!(
            hash_email("Alice@Example.ORG", "deadsea"),
            hash_email("alice@example.org", "deadsea")
        );
        assert_ne!(
            hash_email("alice@example.org", "DeadSea"),
            hash_email("alice@example.org", "deadsea")
        );
    }
}
