//! Open Badges 2.0: documents built with the `ob2` builders are verified through an offline
//! resolver, for the valid round trip and for every way an assertion can fail.

use base64::Engine as _;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use badges::ob2::{
    Alignment, Assertion, AssertionInput, BadgeClass, Criteria, CryptographicKey, Evidence, Issuer,
    Ob2Report, Ob2Status, Outcome, RevocationList, RevokedAssertion, Verification,
    VerificationPolicy, hash_email, rsa_signing_key, sign_assertion, verify_assertion,
};
use badges::resolve::OfflineResolver;

// Test-only RSA-2048 keys, made once with `openssl genrsa -traditional 2048` and
// `openssl rsa -pubout`. They protect nothing; never use them outside these tests.
const ISSUER_PRIVATE_KEY: &str = "\
-----BEGIN RSA PRIVATE KEY-----\n\
MIIEpAIBAAKCAQEA6W4IxCyhF9+9jZfOALJI/kZVxNgykHQHB5x4LwMDJiwiyKWb\n\
w+8xStX3yNxmziwt5JohZ1JyP9hz/mqYVLrRu8YpiK2N+M9kw15n2Z2Pu27Yfdcl\n\
lTov/jnku/4Mruc28nI/8XtuXxkG2BRcs83JQSGuMAPKZqI5MwVGFfbJZvixTn9P\n\
2reu6MhwcxKZNf6GicycwnX4C999ffDwQx7l/8xJGY6YUBNx3h60edH27z/5xbjr\n\
Ned4gP23U3LGiE2YgXq2qmR4F1hQfqdmjQOsvS0Yo1C9CiQ9WxqMGNw4LDxUD1un\n\
XqZss0p3JG0gv6zXbrKtFtJN52HU2DCh07yiZwIDAQABAoIBAASiR5BFZolHysaF\n\
zfQblfFeShOXSyGs+/q9s3ETeTuHwsUC7J2uIOdgagPVxECxhdO075bSfywfSuYx\n\
DYcZElLM80QgVeIrk8+BD0S1qQXKhIey/q8AsbU1RwIoX+4U7vVPKU/M6HsAzy74\n\
8IItQqKFXaTcXmc9Ly+BGkwTUxo1KfM0UDXqfLkdcGssDVtU+bUQpjbimqGwuSAq\n\
6jIjWV6+XE9B7avXIVO6ENZaZtREJkKkRGoqHJTwTRDkngxoGaSs9KhVmN20jVq1\n\
yI0GCuFVrSN0Oqc0tA5iu6NBQKccMxT4XA8KokXiWWtT6yhv7kePq3ccqs7mQg37\n\
zZPHEDECgYEA9iH2jgfs7H45LmJc6aBVvM+HYJJ2BHO4mCmLbMGH0yhVOabaqir3\n\
8g79aUGINtS+DoEcsbRt1Wph5I4UdiqKV7cYmWDrym6aQFF7yWQiRzdo4SXMLGyr\n\
Et0l3NrEwkNzVuvE0q1ZN10kiVBnc27Au4gz9jkKTjvakqNqeBiz9gkCgYEA8smz\n\
9xp59RCaXnoWMly6GKAHlzAJGR6sij7wwaz4Lcf5HbDV/Fum+jqv16HoUAJPDF3j\n\
1qQzPiJwI5sf8uUcxj7zdpB0tBfWDr9YOs/SqFnG4OKWDnajnfrAJFL4lelnjI1d\n\
kIfX3toPPZWUPa0w1oo4EWychyJdjVNNPBzmcO8CgYEAq2oX1e67GDEIDb+/SY26\n\
aFZ3x8/4lT0qj/5O9Z0KxQpP4GjN3Lk0GMZLwiQ7g0RCYMOWgkRQQdNm/c/dfDZA\n\
RrpjTV5smHzSvHyDI0yzermiNzslqMK9mdOebOOHKGvlReHJH5hOi/o4WdE/WusF\n\
GxXOamprPPT+UiWxHpbFrlECgYEAudKHW2l4TokWnZjzxDgUdySEqsKpNAC2Llle\n\
C95HVULo+ECQh0Xe10Zzr6bMF/Csb9qst2uVjMju61GfcljJXTJxRR3rNKvJuh/Z\n\
d6n4ocGU5iqGjyter1tsFGEswhCSoJDSO/y8zGQ5pfkGLO6RoqLHpw5p/0PeNny7\n\
cHbuKSECgYAWSUpIuhHRbmUcZO7mIcgIjQSLUEwRq+3nvR3MUaLcwuZUf5YEB0hs\n\
5AdueYEE33KZBqGNLleYWzf4rT34Pp0o8aq5dwdrreOKnvtFc6ptmASmNghnisa1\n\
K+FR7Jzi5Gf7MmgK5tyjZXiRmVovIbbhMQDZVKXA5zOJujT1KKw+bw==\n\
-----END RSA PRIVATE KEY-----\n\
";

const ISSUER_PUBLIC_KEY: &str = "\
-----BEGIN PUBLIC KEY-----\n\
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6W4IxCyhF9+9jZfOALJI\n\
/kZVxNgykHQHB5x4LwMDJiwiyKWbw+8xStX3yNxmziwt5JohZ1JyP9hz/mqYVLrR\n\
u8YpiK2N+M9kw15n2Z2Pu27YfdcllTov/jnku/4Mruc28nI/8XtuXxkG2BRcs83J\n\
QSGuMAPKZqI5MwVGFfbJZvixTn9P2reu6MhwcxKZNf6GicycwnX4C999ffDwQx7l\n\
/8xJGY6YUBNx3h60edH27z/5xbjrNed4gP23U3LGiE2YgXq2qmR4F1hQfqdmjQOs\n\
vS0Yo1C9CiQ9WxqMGNw4LDxUD1unXqZss0p3JG0gv6zXbrKtFtJN52HU2DCh07yi\n\
ZwIDAQAB\n\
-----END PUBLIC KEY-----\n\
";

const OTHER_PRIVATE_KEY: &str = "\
-----BEGIN RSA PRIVATE KEY-----\n\
MIIEogIBAAKCAQEAkr5ejPLsQXYYvkAJM356KT2v72NirpppnqRiCNOnqi7gVero\n\
g2tkuGD3kg9uedaVi5iXFxJPQ9dhZ83n1boiYIUi0itF0h/KrjQv1VNSK/eoBwLM\n\
VIgnkjYoZj2a4FHikGJ72sCQJz5J/i2hSruSjLtnwkqzjR4tuq2o6o5mUh2BUwbI\n\
qoQMzB9SGwnmNGFQj3KVMFq50oUF6HABdE00QtrbGtPYqxy4ejbofDxDlRfyvsV2\n\
LiBTCAL+PSkDh7g2orlQq3ic7cunqRXQgWddtC3KcERhWa8jYt7IJNZTydKseVzR\n\
MccTfpjRrCx7QtAqSk9r+abf3ZTC0sSXTFPRZwIDAQABAoIBACMX5dK9caTCEm7F\n\
L64h7CMavo14biwlf2bSFyPXQjyf00SY1hw/vamefvZuPFRk7gShbFi3Jz+pLYE+\n\
q9fgGMKOdGJguOTkd3srvdi9gWREaOmsUKNSoGwGCalRyE0nKBCxjL8m2BKageWI\n\
kg8mRojjdI/xf3kbI4KGb2QQxAWU7hkzSq+0IhvZZg5wvZ8cdQRN2ZBx/qaZKM3o\n\
R95d5f7GGlP4/sbuAJXr8yCyUzx14JT6eRl9CzXHaYuSpxjKosOEI+l5MCp0oIxD\n\
jv99lgsjl5UNQLo5ZwJtlU2/FufNMFlh//Ih/+ctWgCrlz66AKOiRkXhM7yQs24T\n\
AFwSHCkCgYEAwi8uP63qcl0HopANqu4BA2h1SJW+m900q8BmSD12hbDjRd+C9M8V\n\
g7aLJxEg5msHD0GOUm8Bmi0jp+N5SAX6DgAJddHPEFzXwYPCNkOw8C6Pkob/oIdh\n\
A3c+2DiyBUURSR1FlUs+BtdYkbjGRKiFzspqU/VivAuWaZ/YZCmDDEUCgYEAwXUR\n\
TAdqe7XXpHBENrQv6yMOIA6JxcdSKJ1lJcZJOaAYInPkHGRew2iqnIJ9UacIwPII\n\
s4ipI8ufbyEFbNHMmueJGqPfllb0Z8Gn5adNHWzlA4SjegXeck+cWR+JtngDdLrF\n\
sK9o2tk+oTwTOPdGXbG7FbHase2n6PCyw1A/n7sCgYA76Uqfowz+k+1THpbY8e2m\n\
G4h0CJ9yf2FMzGPCThRPUzAL0tYYqfu9U4jDWOmJrePTtSowDMe1xc+GcQxuSEnK\n\
IADLNRxps/ttXTWCgIgK0pLBZp1f7eTkqNne5D8omRKoODvLwBc3DSHqc9PYQxZl\n\
otYDaWY5Fmol1Idy/8vK8QKBgCNK7CDmqXJwNir1oDwqmyNWfdkzTccbGc33CODf\n\
T7SHlF+UrOTRGsija5yp4Zrn0h0BCr1WDSVOnIN1jrvPeng4DTci9kNDEctr9Olc\n\
oCDiINWHeRtlvrMz+t33dvQm6Np+yFn3ZjWmtFpNz2PxGJE3P14x2Cflp2BDqRkg\n\
prrJAoGAAfPmsfl5vEoqDLQziDFyVjY4d+8+GI7GkPja76RMvVMnWSGtARr/i4FK\n\
2vy7Uq/ylkFOwP/ka/XTZp/tCvIdUOWGpgAmogr8LjbhjV+6Yz53Y8F69I6YyEuX\n\
yJkL6L59E26JiYTKJ6Y8wXCBZgkiD7adzid/ZewVIfgTkG+BCMA=\n\
-----END RSA PRIVATE KEY-----\n\
";

const OTHER_PUBLIC_KEY: &str = "\
-----BEGIN PUBLIC KEY-----\n\
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkr5ejPLsQXYYvkAJM356\n\
KT2v72NirpppnqRiCNOnqi7gVerog2tkuGD3kg9uedaVi5iXFxJPQ9dhZ83n1boi\n\
YIUi0itF0h/KrjQv1VNSK/eoBwLMVIgnkjYoZj2a4FHikGJ72sCQJz5J/i2hSruS\n\
jLtnwkqzjR4tuq2o6o5mUh2BUwbIqoQMzB9SGwnmNGFQj3KVMFq50oUF6HABdE00\n\
QtrbGtPYqxy4ejbofDxDlRfyvsV2LiBTCAL+PSkDh7g2orlQq3ic7cunqRXQgWdd\n\
tC3KcERhWa8jYt7IJNZTydKseVzRMccTfpjRrCx7QtAqSk9r+abf3ZTC0sSXTFPR\n\
ZwIDAQAB\n\
-----END PUBLIC KEY-----\n\
";

const ISSUER: &str = "https://issuer.example/ob2/issuer";
const BADGE: &str = "https://issuer.example/ob2/badges/rust-basics";
const ASSERTION: &str = "https://issuer.example/ob2/assertions/1";
const REVOCATIONS: &str = "https://issuer.example/ob2/revocations";
const KEY: &str = "https://issuer.example/ob2/keys/1";
const SIGNED_ID: &str = "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e";
const LEARNER: &str = "Learner@Example.org";

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, day, 12, 0, 0).unwrap()
}

/// The moment every verification runs at.
fn now() -> DateTime<Utc> {
    at(20)
}

/// One issuer with one badge class, one hosted assertion, a key and a revocation list.
struct World {
    issuer: Issuer,
    badge: BadgeClass,
    assertion: Assertion,
    revocations: RevocationList,
    key: CryptographicKey,
}

impl World {
    fn new() -> Self {
        let issuer = Issuer {
            id: ISSUER.into(),
            name: "Example Lab School".into(),
            url: "https://issuer.example".into(),
            email: "badges@issuer.example".into(),
            description: Some("Hands-on courses.".into()),
            image: Some("https://issuer.example/logo.png".into()),
            public_keys: vec![KEY.into()],
            revocation_list: Some(REVOCATIONS.into()),
            verification: None,
        };
        let badge = BadgeClass {
            id: BADGE.into(),
            name: "Rust basics".into(),
            description: "Wrote and tested a small Rust library.".into(),
            image: "https://issuer.example/ob2/badges/rust-basics.png".into(),
            criteria: Criteria {
                url: Some("https://issuer.example/courses/rust".into()),
                narrative: Some("Pass every check of the *Rust basics* lab.".into()),
            },
            issuer: ISSUER.into(),
            tags: vec!["rust".into(), "programming".into()],
            alignment: vec![Alignment {
                target_name: "Programming fundamentals".into(),
                target_url: "https://framework.example/skills/prog-1".into(),
                target_description: Some("Writes small programs with tests.".into()),
                target_framework: Some("Example Skills Framework".into()),
                target_code: Some("PROG-1".into()),
            }],
        };
        let assertion = Assertion {
            id: ASSERTION.into(),
            recipient_email: LEARNER.into(),
            salt: "c2FsdC0x".into(),
            badge: BADGE.into(),
            verification: Verification::Hosted,
            issued_on: at(1),
            expires: Some(Utc.with_ymd_and_hms(2028, 5, 1, 0, 0, 0).unwrap()),
            evidence: vec![Evidence {
                url: Some("https://issuer.example/labs/runs/42".into()),
                narrative: Some("All twelve checks passed on the first run.".into()),
                name: Some("Lab run 42".into()),
                description: None,
            }],
            narrative: Some("Completed the lab in one sitting.".into()),
            image: Some("https://issuer.example/ob2/assertions/1.png".into()),
        };
        let revocations = RevocationList {
            id: REVOCATIONS.into(),
            issuer: ISSUER.into(),
            revoked: vec![RevokedAssertion {
                id: "https://issuer.example/ob2/assertions/0".into(),
                reason: Some("Issued by mistake".into()),
            }],
        };
        let key = CryptographicKey {
            id: KEY.into(),
            owner: ISSUER.into(),
            public_key_pem: ISSUER_PUBLIC_KEY.into(),
        };
        Self {
            issuer,
            badge,
            assertion,
            revocations,
            key,
        }
    }

    /// The same world with a signed assertion instead of a hosted one.
    fn signed() -> Self {
        let mut world = Self::new();
        world.assertion.id = SIGNED_ID.into();
        world.assertion.image = None;
        world.assertion.verification = Verification::Signed {
            creator: KEY.into(),
        };
        world
    }

    /// Every document served where its id says.
    fn resolver(&self) -> OfflineResolver {
        let mut resolver = OfflineResolver::new();
        for doc in [
            self.issuer.to_json().unwrap(),
            self.badge.to_json().unwrap(),
            self.revocations.to_json().unwrap(),
            self.key.to_json().unwrap(),
        ] {
            let id = doc["id"].as_str().unwrap().to_owned();
            resolver.insert(&id, doc);
        }
        if self.assertion.verification == Verification::Hosted {
            resolver.insert(&self.assertion.id, self.assertion.to_json().unwrap());
        }
        resolver
    }

    fn assertion_json(&self) -> Value {
        self.assertion.to_json().unwrap()
    }

    fn jws(&self, private_key: &str) -> String {
        let key = rsa_signing_key(private_key).unwrap();
        sign_assertion(&self.assertion_json(), &key).unwrap()
    }

    fn verify_json(&self, expected_email: Option<&str>) -> Ob2Report {
        let input = AssertionInput::Json(self.assertion_json());
        verify_assertion(&input, &self.resolver(), now(), expected_email)
    }

    fn verify_jws(&self, jws: &str) -> Ob2Report {
        verify_assertion(
            &AssertionInput::Jws(jws.to_owned()),
            &self.resolver(),
            now(),
            Some(LEARNER),
        )
    }
}

/// Describes a report for assertion messages.
fn show(report: &Ob2Report) -> String {
    report
        .checks
        .iter()
        .map(|c| format!("{} {:?}: {}", c.id, c.outcome, c.message))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_check(report: &Ob2Report, id: &str, outcome: Outcome, needle: &str) {
    let check = report
        .check(id)
        .unwrap_or_else(|| panic!("no {id} check in\n{}", show(report)));
    assert_eq!(check.outcome, outcome, "{id} in\n{}", show(report));
    assert!(
        check.message.contains(needle),
        "{id} message {:?} lacks {needle:?}",
        check.message
    );
}

fn assert_status(report: &Ob2Report, status: Ob2Status) {
    assert_eq!(report.status(), status, "\n{}", show(report));
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

// --- hosted round trip and failures ---

#[test]
fn a_hosted_assertion_built_here_verifies_as_valid() {
    let report = World::new().verify_json(Some("learner@example.ORG"));
    assert_status(&report, Ob2Status::Valid);
    for check in &report.checks {
        assert_eq!(check.outcome, Outcome::Pass, "\n{}", show(&report));
    }
    for id in [
        "input",
        "assertion.hosted",
        "assertion.hosted_copy",
        "assertion.fields",
        "badge_class",
        "issuer",
        "hosted.scope",
        "revocation",
        "issued_on",
        "expires",
        "recipient",
    ] {
        assert!(
            report.check(id).is_some(),
            "{id} missing in\n{}",
            show(&report)
        );
    }
    assert_eq!(report.badge_class.as_ref().unwrap()["name"], "Rust basics");
    assert_eq!(report.issuer.as_ref().unwrap()["id"], ISSUER);
}

#[test]
fn a_hosted_assertion_verifies_from_its_url_alone() {
    let world = World::new();
    let input = AssertionInput::from_text(ASSERTION).unwrap();
    let report = verify_assertion(&input, &world.resolver(), now(), None);
    assert_status(&report, Ob2Status::Valid);
    assert_check(
        &report,
        "recipient",
        Outcome::Skipped,
        "no expected recipient",
    );
    assert_eq!(report.assertion.unwrap()["id"], ASSERTION);
}

#[test]
fn a_recipient_hash_is_the_salted_sha256_of_the_lowercased_email() {
    let doc = World::new().assertion_json();
    assert_eq!(doc["recipient"]["type"], "email");
    assert_eq!(doc["recipient"]["hashed"], true);
    assert_eq!(doc["recipient"]["salt"], "c2FsdC0x");
    assert_eq!(
        doc["recipient"]["identity"],
        hash_email("learner@example.org", "c2FsdC0x")
    );
    assert!(
        !doc.to_string()
            .to_lowercase()
            .contains("learner@example.org")
    );
}

#[test]
fn an_assertion_on_the_revocation_list_fails_with_the_reason() {
    let mut world = World::new();
    world.revocations.revoked.push(RevokedAssertion {
        id: ASSERTION.into(),
        reason: Some("Academic misconduct".into()),
    });
    let report = world.verify_json(None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "revocation", Outcome::Fail, "Academic misconduct");
}

#[test]
fn an_assertion_its_host_marks_revoked_fails_with_the_reason() {
    let world = World::new();
    let mut resolver = world.resolver();
    let stub = json!({
        "@context": "https://w3id.org/openbadges/v2",
        "id": ASSERTION,
        "revoked": true,
        "revocationReason": "Replaced by a newer badge"
    });
    resolver.insert(ASSERTION, stub);
    let input = AssertionInput::Url(ASSERTION.into());
    let report = verify_assertion(&input, &resolver, now(), None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(
        &report,
        "revocation",
        Outcome::Fail,
        "Replaced by a newer badge",
    );
}

#[test]
fn a_revocation_notice_handed_in_as_json_is_confirmed_with_its_host() {
    let world = World::new();
    let mut resolver = world.resolver();
    let notice = RevokedAssertion {
        id: ASSERTION.into(),
        reason: Some("Issued by mistake".into()),
    }
    .to_hosted_json()
    .unwrap();
    resolver.insert(ASSERTION, notice.clone());
    let report = verify_assertion(&AssertionInput::Json(notice), &resolver, now(), None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "input", Outcome::Pass, "revocation notice");
    assert_check(&report, "assertion.hosted", Outcome::Pass, ASSERTION);
    assert_check(&report, "revocation", Outcome::Fail, "Issued by mistake");
}

#[test]
fn a_revocation_notice_whose_host_still_serves_the_assertion_is_overruled() {
    let world = World::new();
    let notice = json!({"id": ASSERTION, "revoked": true});
    let report = verify_assertion(
        &AssertionInput::Json(notice),
        &world.resolver(),
        now(),
        None,
    );
    assert_status(&report, Ob2Status::Valid);
    assert_check(
        &report,
        "assertion.hosted_copy",
        Outcome::Warning,
        "differs",
    );
}

#[test]
fn an_expired_assertion_fails() {
    let mut world = World::new();
    world.assertion.expires = Some(at(10));
    let report = world.verify_json(None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(
        &report,
        "expires",
        Outcome::Fail,
        "expired on 2026-05-10T12:00:00Z",
    );
}

#[test]
fn an_assertion_issued_in_the_future_fails() {
    let mut world = World::new();
    world.assertion.issued_on = now() + Duration::days(1);
    let report = world.verify_json(None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "issued_on", Outcome::Fail, "in the future");
}

#[test]
fn an_assertion_issued_a_minute_ahead_of_our_clock_is_accepted() {
    let mut world = World::new();
    world.assertion.issued_on = now() + Duration::minutes(1);
    assert_status(&world.verify_json(None), Ob2Status::Valid);
}

#[test]
fn an_assertion_for_someone_else_fails_the_recipient_check() {
    let report = World::new().verify_json(Some("someone.else@example.org"));
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "recipient", Outcome::Fail, "someone else");
}

#[test]
fn a_plain_text_recipient_is_compared_case_insensitively() {
    let world = World::new();
    let mut doc = world.assertion_json();
    doc["recipient"] = json!({"type": "email", "hashed": false, "identity": LEARNER});
    let mut resolver = world.resolver();
    resolver.insert(ASSERTION, doc.clone());
    let input = AssertionInput::Json(doc);
    let good = verify_assertion(&input, &resolver, now(), Some("LEARNER@example.org"));
    assert_status(&good, Ob2Status::Valid);
    let bad = verify_assertion(&input, &resolver, now(), Some("other@example.org"));
    assert_check(&bad, "recipient", Outcome::Fail, "someone else");
}

#[test]
fn an_assertion_hosted_on_another_origin_fails_the_scope_check() {
    let mut world = World::new();
    world.assertion.id = "https://badges-elsewhere.example/ob2/assertions/1".into();
    let report = world.verify_json(None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(
        &report,
        "hosted.scope",
        Outcome::Fail,
        "badges-elsewhere.example",
    );
}

#[test]
fn an_assertion_on_an_origin_the_issuer_allows_passes_the_scope_check() {
    let mut world = World::new();
    world.assertion.id = "https://cdn.issuer-badges.example/ob2/assertions/1".into();
    world.issuer.verification = Some(VerificationPolicy {
        allowed_origins: vec!["cdn.issuer-badges.example".into()],
        starts_with: vec![],
    });
    let report = world.verify_json(None);
    assert_status(&report, Ob2Status::Valid);
}

#[test]
fn an_assertion_outside_the_issuer_starts_with_prefix_fails() {
    let mut world = World::new();
    world.issuer.verification = Some(VerificationPolicy {
        allowed_origins: vec![],
        starts_with: vec!["https://issuer.example/other-school/".into()],
    });
    let report = world.verify_json(None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(
        &report,
        "hosted.scope",
        Outcome::Fail,
        "does not start with",
    );
}

#[test]
fn an_embedded_issuer_cannot_widen_its_own_hosting_scope() {
    // An attacker hosts an assertion on their origin and embeds the real issuer's id with a
    // verification policy allowing that origin; the real profile is fetched and wins.
    let world = World::new();
    let forged_id = "https://attacker.example/assertions/1";
    let mut forged = world.assertion_json();
    forged["id"] = json!(forged_id);
    forged["badge"] = json!({
        "id": "https://attacker.example/badge",
        "type": "BadgeClass",
        "name": "Rust basics",
        "description": "Copied.",
        "image": "https://attacker.example/badge.png",
        "criteria": {"narrative": "None."},
        "issuer": {
            "id": ISSUER,
            "type": "Issuer",
            "name": "Example Lab School",
            "url": "https://issuer.example",
            "email": "badges@issuer.example",
            "verification": {"allowedOrigins": "attacker.example"}
        }
    });
    let mut resolver = world.resolver();
    resolver.insert(forged_id, forged.clone());
    resolver.insert("https://attacker.example/badge", forged["badge"].clone());
    let report = verify_assertion(&AssertionInput::Json(forged), &resolver, now(), None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "hosted.scope", Outcome::Fail, "attacker.example");
    assert_eq!(report.issuer.unwrap().get("verification"), None);
}

#[test]
fn the_hosted_copy_is_the_truth_when_the_given_json_differs() {
    let world = World::new();
    let mut forged = world.assertion_json();
    forged["recipient"]["identity"] = json!(hash_email("forger@example.org", "c2FsdC0x"));
    let input = AssertionInput::Json(forged);
    let report = verify_assertion(&input, &world.resolver(), now(), Some("forger@example.org"));
    assert_status(&report, Ob2Status::Invalid);
    assert_check(
        &report,
        "assertion.hosted_copy",
        Outcome::Warning,
        "differs",
    );
    assert_check(&report, "recipient", Outcome::Fail, "someone else");
    assert_eq!(
        report.assertion.unwrap()["recipient"]["identity"],
        hash_email(LEARNER, "c2FsdC0x")
    );
}

#[test]
fn a_hosted_document_with_another_id_fails() {
    let world = World::new();
    let mut resolver = world.resolver();
    let mut other = world.assertion_json();
    other["id"] = json!("https://issuer.example/ob2/assertions/2");
    resolver.insert(ASSERTION, other);
    let report = verify_assertion(
        &AssertionInput::Url(ASSERTION.into()),
        &resolver,
        now(),
        None,
    );
    assert_status(&report, Ob2Status::Invalid);
    assert_check(
        &report,
        "assertion.hosted",
        Outcome::Fail,
        "different assertion",
    );
}

#[test]
fn a_missing_hosted_assertion_is_indeterminate() {
    let world = World::new();
    let input = AssertionInput::Url("https://issuer.example/ob2/assertions/404".into());
    let report = verify_assertion(&input, &world.resolver(), now(), None);
    assert_status(&report, Ob2Status::Indeterminate);
    assert_check(
        &report,
        "assertion.hosted",
        Outcome::Skipped,
        "not available",
    );
}

#[test]
fn a_missing_badge_class_makes_the_result_indeterminate() {
    let mut world = World::new();
    world.assertion.badge = "https://issuer.example/ob2/badges/gone".into();
    let report = world.verify_json(None);
    assert_status(&report, Ob2Status::Indeterminate);
    assert_check(&report, "badge_class", Outcome::Skipped, "could not check");
    assert_check(&report, "hosted.scope", Outcome::Skipped, "no issuer");
    assert_eq!(report.unresolved.len(), 1, "{:?}", report.unresolved);
    assert!(report.unresolved[0].contains("badges/gone"));
}

#[test]
fn a_missing_revocation_list_makes_the_result_indeterminate() {
    let mut world = World::new();
    world.issuer.revocation_list = Some("https://issuer.example/ob2/revocations-gone".into());
    let report = world.verify_json(None);
    assert_status(&report, Ob2Status::Indeterminate);
    assert_check(&report, "revocation", Outcome::Skipped, "revocations-gone");
}

#[test]
fn a_badge_class_missing_required_properties_fails() {
    let world = World::new();
    let mut resolver = world.resolver();
    let mut badge = world.badge.to_json().unwrap();
    badge.as_object_mut().unwrap().remove("criteria");
    badge["name"] = json!(42);
    resolver.insert(BADGE, badge);
    let input = AssertionInput::Url(ASSERTION.into());
    let report = verify_assertion(&input, &resolver, now(), None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "badge_class", Outcome::Fail, "criteria is missing");
    assert_check(&report, "badge_class", Outcome::Fail, "name must be text");
}

#[test]
fn an_assertion_without_a_time_zone_on_issued_on_fails_its_field_check() {
    let world = World::new();
    let mut doc = world.assertion_json();
    doc["issuedOn"] = json!("2026-05-01T12:00:00");
    let mut resolver = world.resolver();
    resolver.insert(ASSERTION, doc);
    let report = verify_assertion(
        &AssertionInput::Url(ASSERTION.into()),
        &resolver,
        now(),
        None,
    );
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "assertion.fields", Outcome::Fail, "no time zone");
}

// --- signed assertions ---

#[test]
fn a_signed_assertion_built_here_verifies_as_valid() {
    let world = World::signed();
    let report = world.verify_jws(&world.jws(ISSUER_PRIVATE_KEY));
    assert_status(&report, Ob2Status::Valid);
    assert_check(&report, "signature", Outcome::Pass, KEY);
    assert_check(
        &report,
        "signing_key",
        Outcome::Pass,
        "belongs to the issuer",
    );
    assert_check(&report, "recipient", Outcome::Pass, "awarded to that email");
    assert!(report.check("hosted.scope").is_none());
}

#[test]
fn a_signed_assertion_without_a_creator_is_checked_against_the_issuer_keys() {
    let world = World::signed();
    let mut doc = world.assertion_json();
    doc["verification"] = json!({"type": "SignedBadge"});
    let jws = sign_assertion(&doc, &rsa_signing_key(ISSUER_PRIVATE_KEY).unwrap()).unwrap();
    let report = world.verify_jws(&jws);
    assert_status(&report, Ob2Status::Valid);
}

#[test]
fn a_signed_assertion_on_the_revocation_list_fails() {
    let mut world = World::signed();
    world.revocations.revoked.push(RevokedAssertion {
        id: SIGNED_ID.into(),
        reason: Some("Key compromised".into()),
    });
    let report = world.verify_jws(&world.jws(ISSUER_PRIVATE_KEY));
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "revocation", Outcome::Fail, "Key compromised");
}

#[test]
fn a_jws_signed_with_another_key_fails() {
    let world = World::signed();
    let report = world.verify_jws(&world.jws(OTHER_PRIVATE_KEY));
    assert_status(&report, Ob2Status::Invalid);
    assert_check(
        &report,
        "signature",
        Outcome::Fail,
        "does not match the key",
    );
}

#[test]
fn a_key_owned_by_someone_else_fails_the_key_check() {
    let mut world = World::signed();
    world.key.owner = "https://other-issuer.example/profile".into();
    let report = world.verify_jws(&world.jws(ISSUER_PRIVATE_KEY));
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "signature", Outcome::Pass, KEY);
    assert_check(
        &report,
        "signing_key",
        Outcome::Fail,
        "owned by https://other-issuer",
    );
}

#[test]
fn a_key_the_issuer_does_not_list_fails_the_key_check() {
    let mut world = World::signed();
    world.issuer.public_keys = vec!["https://issuer.example/ob2/keys/2".into()];
    let report = world.verify_jws(&world.jws(ISSUER_PRIVATE_KEY));
    assert_status(&report, Ob2Status::Invalid);
    assert_check(
        &report,
        "signing_key",
        Outcome::Fail,
        "does not list the key",
    );
}

#[test]
fn a_signed_assertion_naming_an_attacker_key_fails_even_if_the_signature_matches() {
    // The attacker signs with their own key and hosts a key document claiming the issuer.
    let mut world = World::signed();
    let attacker_key = "https://attacker.example/key";
    world.assertion.verification = Verification::Signed {
        creator: attacker_key.into(),
    };
    let mut resolver = world.resolver();
    let forged = CryptographicKey {
        id: attacker_key.into(),
        owner: ISSUER.into(),
        public_key_pem: OTHER_PUBLIC_KEY.into(),
    };
    resolver.insert(attacker_key, forged.to_json().unwrap());
    let input = AssertionInput::Jws(world.jws(OTHER_PRIVATE_KEY));
    let report = verify_assertion(&input, &resolver, now(), None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "signature", Outcome::Pass, attacker_key);
    assert_check(
        &report,
        "signing_key",
        Outcome::Fail,
        "does not list the key",
    );
}

#[test]
fn a_tampered_jws_payload_fails_the_signature() {
    let world = World::signed();
    let jws = world.jws(ISSUER_PRIVATE_KEY);
    let parts: Vec<&str> = jws.split('.').collect();
    let mut payload = world.assertion_json();
    payload["expires"] = json!("2099-01-01T00:00:00Z");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(payload.to_string().as_bytes()),
        parts[2]
    );
    let report = world.verify_jws(&tampered);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "signature", Outcome::Fail, "does not verify");
}

#[test]
fn a_jws_with_a_broken_signature_fails() {
    let world = World::signed();
    let jws = world.jws(ISSUER_PRIVATE_KEY);
    let broken = format!("{}AA", jws.trim_end_matches(|c| c != '.'));
    let report = world.verify_jws(&broken);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "signature", Outcome::Fail, "does not verify");
}

#[test]
fn an_unsigned_jws_with_alg_none_is_refused() {
    let world = World::signed();
    let header = b64(br#"{"alg":"none"}"#);
    let payload = b64(world.assertion_json().to_string().as_bytes());
    let report = world.verify_jws(&format!("{header}.{payload}."));
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "signature", Outcome::Fail, "alg none");
}

#[test]
fn a_jws_with_an_hmac_algorithm_is_refused() {
    // HS256 "signed" with the public key text is the classic algorithm-confusion forgery.
    let world = World::signed();
    let header = b64(br#"{"alg":"HS256"}"#);
    let payload = b64(world.assertion_json().to_string().as_bytes());
    let report = world.verify_jws(&format!("{header}.{payload}.c2ln"));
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "signature", Outcome::Fail, "HS256");
}

#[test]
fn a_signed_assertion_given_as_bare_json_is_refused() {
    let world = World::signed();
    let input = AssertionInput::Json(world.assertion_json());
    let report = verify_assertion(&input, &world.resolver(), now(), None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(
        &report,
        "input",
        Outcome::Fail,
        "must be verified from its JWS",
    );
}

#[test]
fn a_signed_assertion_whose_key_cannot_be_fetched_is_indeterminate() {
    let world = World::signed();
    let jws = world.jws(ISSUER_PRIVATE_KEY);
    let mut resolver = OfflineResolver::new();
    for doc in [
        world.issuer.to_json().unwrap(),
        world.badge.to_json().unwrap(),
        world.revocations.to_json().unwrap(),
    ] {
        let id = doc["id"].as_str().unwrap().to_owned();
        resolver.insert(&id, doc);
    }
    let report = verify_assertion(&AssertionInput::Jws(jws), &resolver, now(), None);
    assert_status(&report, Ob2Status::Indeterminate);
    assert_check(&report, "signature", Outcome::Skipped, "not available");
}

#[test]
fn garbage_input_is_refused_as_unreadable() {
    let world = World::signed();
    let input = AssertionInput::from_text("not a badge").unwrap();
    let report = verify_assertion(&input, &world.resolver(), now(), None);
    assert_status(&report, Ob2Status::Invalid);
    assert_check(&report, "input", Outcome::Fail, "three dot-separated parts");
}

// --- the documents as JSON-LD ---

/// Counts the statements a document should produce: one per scalar value (including `type`)
/// and one per link to a nested object, whose own properties are counted too. `id` only names
/// a node and `@context` produces nothing.
fn leaf_properties(doc: &Value) -> usize {
    let Value::Object(map) = doc else {
        return 0;
    };
    map.iter()
        .filter(|(key, _)| *key != "@context" && *key != "id")
        .map(|(_, value)| match value {
            Value::Array(items) => items.iter().map(|item| 1 + leaf_properties(item)).sum(),
            other => 1 + leaf_properties(other),
        })
        .sum()
}

#[test]
fn every_document_expands_under_the_ob2_context_without_dropping_a_property() {
    let mut world = World::new();
    world.issuer.verification = Some(VerificationPolicy {
        allowed_origins: vec!["issuer.example".into()],
        starts_with: vec!["https://issuer.example/ob2/".into()],
    });
    world
        .issuer
        .public_keys
        .push("https://issuer.example/ob2/keys/2".into());
    let signed = World::signed();
    let docs = [
        world.issuer.to_json().unwrap(),
        world.badge.to_json().unwrap(),
        world.assertion_json(),
        signed.assertion_json(),
        world.revocations.to_json().unwrap(),
        world.key.to_json().unwrap(),
        RevokedAssertion {
            id: ASSERTION.into(),
            reason: Some("Issued by mistake".into()),
        }
        .to_hosted_json()
        .unwrap(),
    ];
    for doc in docs {
        let quads = badges::rdf::to_quads(doc.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{e}: {doc:#}"));
        // Equal rather than at-least: none of these documents repeats a statement, so every
        // property must have become exactly one quad.
        assert_eq!(quads.len(), leaf_properties(&doc), "{doc:#}");
        assert!(quads.len() >= 3, "{doc:#}");
    }
}

#[test]
fn a_term_the_context_does_not_define_is_refused_and_would_otherwise_be_missed() {
    let mut doc = World::new().badge.to_json().unwrap();
    doc["undefinedTerm"] = json!("dropped by JSON-LD");
    let err = badges::rdf::to_quads(doc.to_string().as_bytes()).unwrap_err();
    assert!(err.to_string().contains("undefinedTerm"), "{err}");
    // Without safe mode the term vanishes, and the leaf count notices the gap.
    let lax = badges::rdf::Limits {
        safe_mode: false,
        ..Default::default()
    };
    let quads = badges::rdf::to_quads_with(doc.to_string().as_bytes(), &lax).unwrap();
    assert_eq!(quads.len() + 1, leaf_properties(&doc));
}

#[test]
fn the_input_structs_read_from_camel_case_json() {
    let assertion: Assertion = serde_json::from_value(json!({
        "id": ASSERTION,
        "recipientEmail": LEARNER,
        "salt": "s",
        "badge": BADGE,
        "verification": {"type": "signed", "creator": KEY},
        "issuedOn": "2026-05-01T12:00:00Z"
    }))
    .unwrap();
    assert_eq!(
        assertion.verification,
        Verification::Signed {
            creator: KEY.into()
        }
    );
    assert_eq!(assertion.issued_on, at(1));
    let doc = assertion.to_json().unwrap();
    assert_eq!(
        doc["verification"],
        json!({"type": "signed", "creator": KEY})
    );
    assert_eq!(doc["issuedOn"], "2026-05-01T12:00:00Z");
}

#[test]
fn the_builders_refuse_an_assertion_that_expires_before_it_is_issued() {
    let mut world = World::new();
    world.assertion.expires = Some(at(1) - Duration::seconds(1));
    let err = world.assertion.to_json().unwrap_err();
    assert!(err.to_string().contains("before it is issued"), "{err}");
}
