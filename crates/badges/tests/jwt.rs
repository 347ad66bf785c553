//! VC-JWT: sign and verify round trips, every claim check, hostile tokens, and the
//! published vectors (1EdTech validator, W3C Bitstring Status List JOSE examples).

mod common;

use badges::jwt::{
    CLOCK_LEEWAY_SECONDS, JwtError, JwtPublicKey, JwtSigningKey, PayloadStyle, VerifyOptions,
    decode_unverified, sign_credential, verify_credential_jwt,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

// Generated once on this machine with `openssl genrsa 2048` (OpenSSL 3 writes PKCS#8).
const RSA_PKCS8_PEM: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDNTGuNJGtJvEW9\n\
EJns1wGYDoiVzonL2UrvhVy/q5GiiwpSNavUVlg3HPeATSCUjcaGB1jOit9YHg38\n\
hj9YIWRrTcN9hy0tuQqxdPREewJRdN1azlnupaxltQH6s/iYfGVtRYmnSjhL7M7S\n\
nReOAFsiPtGHtA9scEFg4GWNmB06Uizs662AoS4kIJdOIQnwKfRPXRuil2Bl4+2S\n\
HHU9m0xtY4CnlACeiXLxD2nVzEl48kjBrobB8wbPLBh/JZ9sYiC0Xi8LCzc6QePt\n\
Y0wlrM8ni4qYqTWNipmxZE+hf0dUly6rO1B4X3jFcvbJ4GwwbwHHuwIpguxsjPo5\n\
CjX85hLNAgMBAAECggEAGCaEwmpF2rs0ovyYduWGEPqos6LD0ACkUY/pLL0EmU/s\n\
62XX7Fcp8nXMYcHw8rjI4Uxs9IMeqfGDKLEsM3ReKUdRF2u281mAugZtk766s5Vh\n\
UsTSjIHdyWslK/ZO6LU9g0C6ZD0VaU0WuWz0b+Z30gv8vw99/v4nmrtbBvCdg5Yg\n\
BAceuqIFyD2q4LqZS0SNaWaY4KfebooqTbQxwI3xeX2lKW8a177x/PMXxteqbARQ\n\
GdIWK8UTUo8PSncsAaM0dcUdobYUYLkzJ454EtkWQiTTcwgUhwhQfViAkkEp27lF\n\
RNrxmwGrjTn61vuKC8cwBWnS+oxMyjUn0TEeksn8wQKBgQD5k045e22c21AHbari\n\
lQjuItqkB/h+fE1dDkWQPufkYGCzgPL2yylsS/2tZopwHjD+iiM154dUFswcuGzb\n\
4e+xJn1WajCwezhXwUP730G3n0gaCHDu6frk0dXFMDnxiEmr4X5td0uKSl5h9O1E\n\
FPgyQXUHYfKbRVHNhpSkIGOQ7QKBgQDSlVTGGLwUTkMZ92yStvb2iRZKRQqIYEds\n\
eXZzJABCoU3TJFQ5Zd6VAGHrp8Z/U9tnAH/X8GlN4upbZDfPYo9SUT31X6nkveOd\n\
LorQH5huTtTLgIu0GRk2AVgNh8bM/nSxp2EftL7F/WD8VeRUT2xkBHXh7eP7/yuR\n\
KpESa6ytYQKBgQCxJOpQCJi7zjrWmvPBEdGd3WVdKj8p4Ca1Vyzu/odv5SyeHHfX\n\
zkofkSyEyJSYkgVqljf5ydWXTPsho5G43HxaPByYmpTmnv9V4lrTyxqFL+xodfda\n\
zP8FLR9TcDCgjIDmHA61uggHJ1QoqUVDnrKwUR+01sPxi9lNTSnx+P9S3QKBgHCP\n\
v+OvnwEfoECF//QgdrvrJQ4H/4xMIoF6H3WGXdk/zZC6D4cqy6JLtQu4/6JZ2aIi\n\
IzPy3ubyDyFQ3YAuB7wRjxPU0cRiOANxuGNtMBZubtJkYMigzdgPOdjppbs3nHrF\n\
pGXFQGAmgyv+YXErjx2bQMPGXCH8EHalESyOf5uhAoGATPm8nKWvrHJEQQq+nGWa\n\
mRD5HX7zlgS+JFTQsprTYHGtASBV7h8V/NkxCiH9vfjeqHoeibE4Y2pgbndsZ+3K\n\
i1AOLc1OFjdXQcpn/RzAdu514A2hgwfaJmGDRr7G0m/smoGzBQSWD97agAKkrzRF\n\
vFC5xDwrOleJCQwYot+KNlc=\n\
-----END PRIVATE KEY-----\n";

const P256_PKCS8_PEM: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgisY76NtCR2zfjo+x\n\
zd6E2XFT1wvaHqj9CNvPA3XrZLGhRANCAASOXnnp2QN+UlB+QG7iqZGBibHm1tbF\n\
R4FUDPIDGWPCPiulOuUjw1qR6eJ9msktBo0hGRCdtz/SugyT4bK1UJvt\n\
-----END PRIVATE KEY-----\n";

// Generated once with `openssl ecparam -genkey -noout -name prime256v1 | openssl pkcs8 -topk8
// -nocrypt`; the coordinates below are its public point, read with `openssl ec -pubout`.
const P256_X: &str = "jl556dkDflJQfkBu4qmRgYmx5tbWxUeBVAzyAxljwj4";
const P256_Y: &str = "K6U65SPDWpHp4n2ayS0GjSEZEJ23P9K6DJPhsrVQm-0";

const KID: &str = "https://issuer.example/keys#key-1";
const ISSUER: &str = "https://issuer.example";
const VECTORS: &str = "test-vectors/1edtech-validator-ob30";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn ed_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

fn credential() -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:9a6f4f8e-2c1b-4b4e-9a55-0d6c1c7f1a01",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": { "id": ISSUER, "type": ["Profile"], "name": "Example Issuer" },
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://issuer.example/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Works well in a team.",
                "criteria": { "narrative": "Nominated by peers." }
            }
        }
    })
}

/// The DER body of a PEM block (test plumbing; the library has its own reader).
fn pem_body(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

fn rsa_key() -> JwtSigningKey {
    JwtSigningKey::rsa_pem(RSA_PKCS8_PEM).unwrap()
}

fn ed_resolver(kid: Option<&str>, _issuer: Option<&str>) -> Option<JwtPublicKey> {
    assert_eq!(kid, Some(KID));
    Some(JwtPublicKey::Ed25519(ed_key().verifying_key()))
}

fn no_key(_: Option<&str>, _: Option<&str>) -> Option<JwtPublicKey> {
    None
}

fn verify_ed(token: &str) -> Result<Value, JwtError> {
    let verified = verify_credential_jwt(token, &ed_resolver, &VerifyOptions::at(now()))?;
    Ok(verified.credential)
}

/// Signs any payload with the Ed25519 test key, bypassing the claim mapping.
fn sign_raw(payload: &Value) -> String {
    let der = ed_key().to_pkcs8_der().unwrap();
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(KID.into());
    jsonwebtoken::encode(&header, payload, &EncodingKey::from_ed_der(der.as_bytes())).unwrap()
}

/// The payload `sign_credential` would produce in the VCDM 2.0 style, for editing.
fn vcdm2_payload() -> Value {
    let token = sign_credential(
        &credential(),
        &JwtSigningKey::ed25519(&ed_key()).unwrap(),
        KID,
        PayloadStyle::Vcdm2,
        None,
    )
    .unwrap();
    Value::Object(decode_unverified(&token).unwrap().1)
}

fn signed_with_claim(name: &str, value: Value) -> String {
    let mut payload = vcdm2_payload();
    payload[name] = value;
    sign_raw(&payload)
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[test]
fn an_eddsa_token_round_trips_in_both_payload_styles() {
    let key = JwtSigningKey::ed25519(&ed_key()).unwrap();
    for style in [PayloadStyle::Vcdm2, PayloadStyle::VcClaim] {
        let token = sign_credential(&credential(), &key, KID, style, Some(now())).unwrap();
        // The resolver is handed the header's kid and the (not yet verified) issuer.
        let resolver = |kid: Option<&str>, issuer: Option<&str>| {
            assert_eq!((kid, issuer), (Some(KID), Some(ISSUER)));
            Some(JwtPublicKey::Ed25519(ed_key().verifying_key()))
        };
        let verified = verify_credential_jwt(&token, &resolver, &VerifyOptions::at(now())).unwrap();
        assert_eq!(verified.credential, credential(), "{style:?}");
        assert_eq!(verified.style, style);
        assert_eq!(verified.header.alg, "EdDSA");
        assert_eq!(verified.header.typ.as_deref(), Some("JWT"));
        assert_eq!(verified.header.kid.as_deref(), Some(KID));
    }
}

#[test]
fn an_rs256_token_round_trips_in_both_payload_styles() {
    let key = rsa_key();
    let public = key.public_jwk().clone();
    let resolver = move |_: Option<&str>, _: Option<&str>| Some(JwtPublicKey::Jwk(public.clone()));
    for style in [PayloadStyle::Vcdm2, PayloadStyle::VcClaim] {
        let token = sign_credential(&credential(), &key, KID, style, None).unwrap();
        let (header, _) = decode_unverified(&token).unwrap();
        assert_eq!(header.alg, "RS256");
        let verified = verify_credential_jwt(&token, &resolver, &VerifyOptions::at(now())).unwrap();
        assert_eq!((verified.credential, verified.style), (credential(), style));
    }
}

#[test]
fn the_payload_carries_the_open_badges_claims() {
    let key = JwtSigningKey::ed25519(&ed_key()).unwrap();
    let token = sign_credential(&credential(), &key, KID, PayloadStyle::VcClaim, Some(now()));
    let (_, payload) = decode_unverified(&token.unwrap()).unwrap();
    assert_eq!(payload["iss"], ISSUER);
    assert_eq!(payload["jti"], credential()["id"]);
    assert_eq!(payload["sub"], "did:example:learner");
    assert_eq!(payload["nbf"], 1_767_225_600);
    assert_eq!(payload["exp"], 1_798_761_600);
    assert_eq!(payload["iat"], now().timestamp());
    assert_eq!(payload["vc"], credential());
}

#[test]
fn the_rsa_key_loads_from_pkcs8_and_pkcs1_in_pem_and_der() {
    let pkcs8 = pem_body(RSA_PKCS8_PEM);
    let pkcs1 = pkcs8::PrivateKeyInfo::try_from(pkcs8.as_slice())
        .unwrap()
        .private_key
        .to_vec();
    let pkcs1_pem = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        STANDARD.encode(&pkcs1)
    );
    let expected = rsa_key().public_jwk().clone();
    assert_eq!(expected["kty"], "RSA");
    assert_eq!(expected["e"], "AQAB");
    for key in [
        JwtSigningKey::rsa_der(&pkcs8),
        JwtSigningKey::rsa_der(&pkcs1),
        JwtSigningKey::rsa_pem(&pkcs1_pem),
    ] {
        assert_eq!(key.unwrap().public_jwk(), &expected);
    }
}

#[test]
fn keys_that_are_not_rsa_private_keys_are_refused() {
    assert!(matches!(
        JwtSigningKey::rsa_der(b"not a key"),
        Err(JwtError::InvalidKey(_))
    ));
    let ec = JwtSigningKey::rsa_pem(P256_PKCS8_PEM).unwrap_err();
    assert!(ec.to_string().contains("not RSA"), "{ec}");
    let encrypted =
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----";
    assert!(
        JwtSigningKey::rsa_pem(encrypted)
            .unwrap_err()
            .to_string()
            .contains("encrypted")
    );
}

#[test]
fn the_signing_key_does_not_show_in_debug_output() {
    let shown = format!("{:?}", rsa_key());
    assert_eq!(shown, "JwtSigningKey { algorithm: Rs256 }");
}

fn p256_jwk() -> Value {
    json!({ "kty": "EC", "crv": "P-256", "x": P256_X, "y": P256_Y })
}

#[test]
fn an_es256_token_from_another_signer_verifies_with_its_jwk() {
    let key = EncodingKey::from_ec_der(&pem_body(P256_PKCS8_PEM));
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(KID.into());
    let token = jsonwebtoken::encode(&header, &vcdm2_payload(), &key).unwrap();
    let resolver = |_: Option<&str>, _: Option<&str>| Some(JwtPublicKey::Jwk(p256_jwk()));
    let verified = verify_credential_jwt(&token, &resolver, &VerifyOptions::at(now())).unwrap();
    assert_eq!(verified.credential, credential());
    assert_eq!(verified.header.alg, "ES256");
}

#[test]
fn a_mismatched_issuer_is_refused() {
    let err = verify_ed(&signed_with_claim("iss", json!("https://evil.example"))).unwrap_err();
    assert!(
        matches!(err, JwtError::ClaimMismatch { claim: "iss", .. }),
        "{err:?}"
    );
}

#[test]
fn a_mismatched_token_id_is_refused() {
    let err = verify_ed(&signed_with_claim("jti", json!("urn:uuid:other"))).unwrap_err();
    assert!(
        matches!(err, JwtError::ClaimMismatch { claim: "jti", .. }),
        "{err:?}"
    );
}

#[test]
fn a_mismatched_subject_is_refused() {
    let err = verify_ed(&signed_with_claim("sub", json!("did:example:someone-else"))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the `sub` claim is \"did:example:someone-else\", but the credential says \
         \"did:example:learner\""
    );
}

#[test]
fn a_not_before_that_disagrees_with_valid_from_is_refused() {
    let err = verify_ed(&signed_with_claim("nbf", json!(1_700_000_000))).unwrap_err();
    assert!(
        matches!(err, JwtError::ClaimMismatch { claim: "nbf", .. }),
        "{err:?}"
    );
}

#[test]
fn missing_iss_and_nbf_claims_are_refused() {
    for claim in ["iss", "nbf"] {
        let mut payload = vcdm2_payload();
        payload.as_object_mut().unwrap().remove(claim);
        let err = verify_ed(&sign_raw(&payload)).unwrap_err();
        assert!(
            matches!(err, JwtError::MissingClaim(c) if c == claim),
            "{err:?}"
        );
    }
}

fn credential_valid(from: DateTime<Utc>, until: DateTime<Utc>) -> Value {
    let mut credential = credential();
    credential["validFrom"] = json!(from.to_rfc3339());
    credential["validUntil"] = json!(until.to_rfc3339());
    credential
}

fn sign_ed(credential: &Value) -> String {
    let key = JwtSigningKey::ed25519(&ed_key()).unwrap();
    sign_credential(credential, &key, KID, PayloadStyle::Vcdm2, None).unwrap()
}

#[test]
fn a_credential_whose_not_before_is_in_the_future_is_refused() {
    let far = Duration::seconds(CLOCK_LEEWAY_SECONDS * 2);
    let from = now() + far;
    let err = verify_ed(&sign_ed(&credential_valid(from, from + far))).unwrap_err();
    assert_eq!(err, JwtError::NotYetValid(from));
}

#[test]
fn a_not_before_within_the_clock_leeway_is_accepted() {
    let from = now() + Duration::seconds(CLOCK_LEEWAY_SECONDS / 2);
    let credential = credential_valid(from, from + Duration::days(1));
    assert_eq!(verify_ed(&sign_ed(&credential)).unwrap(), credential);
}

#[test]
fn a_credential_whose_expiry_has_passed_is_refused() {
    let until = now() - Duration::seconds(CLOCK_LEEWAY_SECONDS * 2);
    let err = verify_ed(&sign_ed(&credential_valid(
        until - Duration::days(1),
        until,
    )))
    .unwrap_err();
    assert_eq!(err, JwtError::Expired(until));
    assert!(
        err.to_string()
            .starts_with("the credential expired at 2026-06-01")
    );
}

#[test]
fn a_tampered_payload_is_refused() {
    let token = sign_ed(&credential());
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload = Value::Object(decode_unverified(&token).unwrap().1);
    payload["name"] = json!("Something Else");
    let forged = format!("{}.{}.{}", parts[0], b64(&payload), parts[2]);
    assert_eq!(verify_ed(&forged).unwrap_err(), JwtError::BadSignature);
}

#[test]
fn a_token_checked_with_the_wrong_key_is_refused() {
    let token = sign_ed(&credential());
    let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
    let resolver = move |_: Option<&str>, _: Option<&str>| Some(JwtPublicKey::Ed25519(other));
    let err = verify_credential_jwt(&token, &resolver, &VerifyOptions::at(now())).unwrap_err();
    assert_eq!(err, JwtError::BadSignature);
}

#[test]
fn an_unsigned_token_is_refused() {
    let payload = b64(&vcdm2_payload());
    for header in [json!({"alg": "none"}), json!({"alg": "None", "typ": "JWT"})] {
        let token = format!("{}.{payload}.", b64(&header));
        assert_eq!(verify_ed(&token).unwrap_err(), JwtError::Unsigned);
    }
}

#[test]
fn a_token_whose_algorithm_does_not_match_the_key_is_refused() {
    let rs = sign_credential(&credential(), &rsa_key(), KID, PayloadStyle::Vcdm2, None).unwrap();
    let err = verify_ed(&rs).unwrap_err();
    assert_eq!(
        err,
        JwtError::AlgorithmMismatch {
            header: "RS256".into(),
            key: "EdDSA"
        }
    );

    // The classic confusion: an HMAC token "signed" with the issuer's public key bytes.
    let public = ed_key().verifying_key();
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &vcdm2_payload(),
        &EncodingKey::from_secret(public.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(
        verify_ed(&hs).unwrap_err(),
        JwtError::UnsupportedAlgorithm("HS256".into())
    );
}

#[test]
fn a_jwk_holding_a_private_key_or_naming_another_algorithm_is_refused() {
    let mut private = p256_jwk();
    private["d"] = json!("AAAA");
    let resolver = move |_: Option<&str>, _: Option<&str>| Some(JwtPublicKey::Jwk(private.clone()));
    let token = sign_ed(&credential());
    let err = verify_credential_jwt(&token, &resolver, &VerifyOptions::at(now())).unwrap_err();
    assert_eq!(err, JwtError::PrivateKeyInJwk);

    let mut named = rsa_key().public_jwk().clone();
    named["alg"] = json!("PS256");
    let resolver = move |_: Option<&str>, _: Option<&str>| Some(JwtPublicKey::Jwk(named.clone()));
    let rs = sign_credential(&credential(), &rsa_key(), KID, PayloadStyle::Vcdm2, None).unwrap();
    let err = verify_credential_jwt(&rs, &resolver, &VerifyOptions::at(now())).unwrap_err();
    assert!(err.to_string().contains("PS256"), "{err}");
}

#[test]
fn a_credential_with_a_top_level_registered_claim_cannot_be_signed_in_vcdm2_style() {
    let mut odd = credential();
    odd["sub"] = json!("x");
    let key = JwtSigningKey::ed25519(&ed_key()).unwrap();
    let err = sign_credential(&odd, &key, KID, PayloadStyle::Vcdm2, None).unwrap_err();
    assert!(err.to_string().contains("`sub`"), "{err}");
    assert!(sign_credential(&odd, &key, KID, PayloadStyle::VcClaim, None).is_ok());
}

#[test]
fn garbage_is_reported_as_a_malformed_token() {
    for token in ["", "abc", "a.b", "a.b.c.d", "!!.??.**"] {
        let err = verify_ed(token).unwrap_err();
        assert!(matches!(err, JwtError::Malformed(_)), "{token}: {err:?}");
    }
}

#[test]
fn the_1edtech_simple_jwt_decodes_but_its_key_is_not_published() {
    let token = common::read_standard(&format!("{VECTORS}/simple.jwt"));
    let (header, payload) = decode_unverified(&token).unwrap();
    assert_eq!(
        (header.alg.as_str(), header.typ.as_deref()),
        ("RS256", Some("JWT"))
    );
    assert_eq!((header.kid, header.jwk), (None, None));
    assert_eq!(payload["iss"], "https://example.edu/issuers/565049");
    assert_eq!(payload["vc"]["id"], payload["jti"]);
    assert_eq!(payload["vc"]["credentialSubject"]["id"], payload["sub"]);

    let options = VerifyOptions {
        now: now(),
        allow_header_jwk: true,
    };
    let err = verify_credential_jwt(&token, &no_key, &options).unwrap_err();
    let issuer = Some("https://example.edu/issuers/565049".to_owned());
    assert_eq!(err, JwtError::KeyNotFound { kid: None, issuer });
}

fn svg_token() -> String {
    let svg = common::read_standard(&format!("{VECTORS}/simple-jwt.svg"));
    let start = svg.find("verify=\"").unwrap() + "verify=\"".len();
    let len = svg[start..].find('"').unwrap();
    svg[start..start + len].to_owned()
}

fn png_token() -> String {
    let bytes = common::read_standard_bytes(&format!("{VECTORS}/simple-jwt.png"));
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut buf).unwrap();
    reader.finish().unwrap();
    let chunk = reader
        .info()
        .utf8_text
        .iter()
        .find(|c| c.keyword == "openbadgecredential");
    chunk.unwrap().get_text().unwrap()
}

#[test]
fn the_1edtech_baked_jwts_verify_with_the_key_they_embed() {
    let options = VerifyOptions {
        now: now(),
        allow_header_jwk: true,
    };
    for (name, token) in [("svg", svg_token()), ("png", png_token())] {
        let verified = verify_credential_jwt(&token, &no_key, &options).unwrap();
        assert_eq!(verified.style, PayloadStyle::Vcdm2, "{name}");
        assert_eq!(verified.header.alg, "RS256");
        let credential = verified.credential;
        assert_eq!(
            credential["issuer"]["id"], "https://1edtech.edu/issuers/565049",
            "{name}"
        );
        assert!(credential.get("iat").is_none() && credential.get("aud").is_none());
    }
}

#[test]
fn an_embedded_key_is_refused_unless_the_caller_allows_it() {
    let err = verify_credential_jwt(&svg_token(), &no_key, &VerifyOptions::at(now()));
    assert_eq!(err.unwrap_err(), JwtError::EmbeddedKeyRefused);
}

#[test]
fn the_w3c_status_list_jose_examples_decode_to_the_unsigned_examples() {
    let dir = "w3c-bitstring-status-list/examples";
    for name in ["ex04-revocable-vc", "ex05-status-list-vc"] {
        let token = common::read_standard(&format!("{dir}/{name}.vc+jwt.txt"));
        let (header, payload) = decode_unverified(&token).unwrap();
        let published: Value = serde_json::from_str(&common::read_standard(&format!(
            "{dir}/{name}.jose-protected-header.json"
        )))
        .unwrap();
        assert_eq!(header.alg, published["alg"].as_str().unwrap(), "{name}");
        assert_eq!(header.kid.as_deref(), published["kid"].as_str(), "{name}");
        let unsigned: Value =
            serde_json::from_str(&common::read_standard(&format!("{dir}/{name}.json"))).unwrap();
        assert_eq!(Value::Object(payload), unsigned, "{name}");
    }
}
