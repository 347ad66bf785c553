//! Status lists: the W3C Bitstring Status List examples, encoding round trips, hostile
//! inputs, and the 1EdTech Revocation List.

mod common;

use std::collections::BTreeSet;
use std::io::Write;

use badges::status::{
    BitstringStatusList, CredentialStatus, MIN_LIST_BITS, NewStatusListCredential, RevocationList,
    RevocationStatus, StatusError, StatusListEntry, StatusListKind, StatusListLimits,
    StatusPurpose, check_status, credential_statuses,
};
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const EXAMPLES: &str = "w3c-bitstring-status-list/examples";

fn example(name: &str) -> Value {
    serde_json::from_str(&common::read_standard(&format!("{EXAMPLES}/{name}"))).unwrap()
}

fn decoded_facts() -> Value {
    let text = common::read_standard("w3c-bitstring-status-list/encodedList-decoded.json");
    serde_json::from_str(&text).unwrap()
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

fn status_list_entries(credential: &Value) -> Vec<StatusListEntry> {
    credential_statuses(credential)
        .unwrap()
        .into_iter()
        .map(|status| match status {
            CredentialStatus::StatusList(entry) => entry,
            other => panic!("expected a status list entry, got {other:?}"),
        })
        .collect()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

#[test]
fn every_json_example_in_the_spec_folder_parses_and_is_read_as_its_kind() {
    let dir = common::standards_dir().join(EXAMPLES);
    let mut seen = 0;
    for file in std::fs::read_dir(dir).unwrap() {
        let path = file.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !name.ends_with(".json") {
            continue;
        }
        let doc = example(&name);
        seen += 1;
        if name.contains("jose-protected-header") {
            assert_eq!(doc["alg"], "ES256", "{name}");
            continue;
        }
        let types = doc["type"].as_array().unwrap();
        if types.iter().any(|t| t == "BitstringStatusListCredential") {
            let entry = StatusListEntry::new(doc["id"].as_str().unwrap(), 94567, revocation());
            let status = check_status(&entry, &doc, now()).unwrap();
            assert!(!status.is_set(), "{name}");
        } else {
            let entries = status_list_entries(&doc);
            assert!(!entries.is_empty(), "{name} has no status entries");
            assert!(
                entries.iter().all(|e| e.kind == StatusListKind::Bitstring),
                "{name}"
            );
        }
    }
    assert_eq!(seen, 13, "the number of JSON examples changed");
}

fn revocation() -> StatusPurpose {
    StatusPurpose::Revocation
}

#[test]
fn example_1_has_a_revocation_entry_and_a_suspension_entry() {
    let entries = status_list_entries(&example("ex01-statuslistcredential-simple-entries.json"));
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[0].id.as_deref(),
        Some("https://example.com/credentials/status/3#94567")
    );
    assert_eq!(entries[0].purpose, StatusPurpose::Revocation);
    assert_eq!(entries[0].index, 94567);
    assert_eq!(
        entries[0].list_credential,
        "https://example.com/credentials/status/3"
    );
    assert_eq!(entries[0].status_size, 1);
    assert_eq!(entries[1].purpose, StatusPurpose::Suspension);
    assert_eq!(entries[1].index, 23452);
}

#[test]
fn example_2_has_a_two_bit_message_entry_with_its_messages() {
    let entries = status_list_entries(&example("ex02-statuslistcredential-complex-entries.json"));
    let entry = &entries[0];
    assert_eq!(entry.purpose, StatusPurpose::Message);
    assert_eq!(entry.status_size, 2);
    let messages: Vec<_> = entry
        .messages
        .iter()
        .map(|m| (m.status, m.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [(0, "pending_review"), (1, "accepted"), (2, "rejected")]
    );
}

#[test]
fn examples_4_6_and_7_point_at_the_lists_they_name() {
    let ex04 = status_list_entries(&example("ex04-revocable-vc.json"));
    assert_eq!(
        (ex04[0].index, ex04[0].purpose.clone()),
        (94567, revocation())
    );
    let ex06 = status_list_entries(&example("ex06-multiple-status-lists-one-vc.json"));
    assert_ne!(ex06[0].list_credential, ex06[1].list_credential);
    let ex07 = status_list_entries(&example("ex07-multiple-status-entries-one-list.json"));
    assert_eq!(ex07[0].list_credential, ex07[1].list_credential);
    assert_eq!(ex07[1].index, 12345);
}

#[test]
fn example_4_entry_is_not_revoked_in_the_example_3_and_5_lists() {
    let entry = &status_list_entries(&example("ex04-revocable-vc.json"))[0];
    for list in [
        "ex03-bitstringstatuslistcredential.json",
        "ex05-status-list-vc.json",
    ] {
        let status = check_status(entry, &example(list), now()).unwrap();
        assert_eq!(status.value, 0, "{list}");
        assert_eq!(status.purpose, StatusPurpose::Revocation);
    }
}

#[test]
fn the_example_encoded_list_decodes_to_what_the_decoded_facts_record() {
    let facts = decoded_facts();
    for key in ["/encodedList", "/fpwd_2023_variant/encodedList"] {
        let encoded = facts.pointer(key).unwrap().as_str().unwrap();
        let list = BitstringStatusList::decode(encoded, 1).unwrap();
        let bytes = list.as_bytes();
        assert_eq!(
            bytes.len() as u64,
            facts["decompressed_length_bytes"].as_u64().unwrap()
        );
        assert_eq!(
            list.len() as u64,
            facts["decompressed_length_bits"].as_u64().unwrap()
        );
        let set_bits: u32 = bytes.iter().map(|b| b.count_ones()).sum();
        assert_eq!(u64::from(set_bits), facts["set_bits"].as_u64().unwrap());
        let digest = Sha256::digest(bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, facts["decompressed_sha256_hex"].as_str().unwrap());
    }
}

#[test]
fn an_encoded_list_carries_the_multibase_prefix_and_no_padding() {
    let encoded = BitstringStatusList::minimum().encode();
    assert!(encoded.starts_with("uH4sI"), "{encoded}");
    assert!(!encoded.contains('='));
}

#[test]
fn a_gzip_bomb_is_refused_at_the_decompression_limit() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..20 {
        gz.write_all(&chunk).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(
        bomb.len() < 100_000,
        "the bomb should be small: {}",
        bomb.len()
    );
    let encoded = format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bomb)
    );

    let err = BitstringStatusList::decode(&encoded, 1).unwrap_err();
    let max = 16 * 1024 * 1024;
    assert_eq!(
        err,
        StatusError::ListTooLarge {
            bytes: max + 1,
            max
        }
    );

    let tight = StatusListLimits {
        max_decompressed_bytes: 20_000,
        min_bits: MIN_LIST_BITS,
    };
    let err = BitstringStatusList::decode_with_limits(&encoded, 1, &tight).unwrap_err();
    assert_eq!(
        err,
        StatusError::ListTooLarge {
            bytes: 20_001,
            max: 20_000
        }
    );
}

#[test]
fn malformed_base64_is_reported_as_such() {
    let err = BitstringStatusList::decode("uH4sI!!not base64", 1).unwrap_err();
    assert!(matches!(err, StatusError::MalformedBase64(_)), "{err:?}");
}

#[test]
fn base64_that_is_not_gzip_is_reported_as_such() {
    let err = BitstringStatusList::decode("uAAAAAAAA", 1).unwrap_err();
    assert!(matches!(err, StatusError::MalformedGzip(_)), "{err:?}");
}

#[test]
fn a_decoded_list_below_the_minimum_length_is_refused() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&[0u8; 100]).unwrap();
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(gz.finish().unwrap());
    let err = BitstringStatusList::decode(&encoded, 1).unwrap_err();
    assert_eq!(
        err,
        StatusError::ListTooShort {
            bits: 800,
            min: MIN_LIST_BITS
        }
    );
}

#[test]
fn an_index_past_the_end_of_the_list_is_refused() {
    let list = example("ex03-bitstringstatuslistcredential.json");
    let entry = StatusListEntry::new(
        "https://example.com/credentials/status/3",
        131_072,
        revocation(),
    );
    let err = check_status(&entry, &list, now()).unwrap_err();
    assert_eq!(
        err,
        StatusError::IndexOutOfRange {
            index: 131_072,
            len: 131_072
        }
    );
}

#[test]
fn an_entry_whose_purpose_the_list_does_not_serve_is_refused() {
    let list = example("ex03-bitstringstatuslistcredential.json");
    let url = "https://example.com/credentials/status/3";
    let entry = StatusListEntry::new(url, 5, StatusPurpose::Suspension);
    let err = check_status(&entry, &list, now()).unwrap_err();
    let expected = StatusError::PurposeMismatch {
        entry: "suspension".into(),
        list: "revocation".into(),
    };
    assert_eq!(err, expected);
    assert_eq!(
        err.to_string(),
        "the entry's purpose is `suspension`, but the list serves `revocation`"
    );
}

#[test]
fn an_entry_checked_against_a_different_list_is_refused() {
    let entries = status_list_entries(&example("ex06-multiple-status-lists-one-vc.json"));
    let err = check_status(
        &entries[1],
        &example("ex03-bitstringstatuslistcredential.json"),
        now(),
    )
    .unwrap_err();
    assert!(matches!(err, StatusError::ListIdMismatch { .. }), "{err:?}");
}

fn new_list_credential(list: &BitstringStatusList) -> Value {
    NewStatusListCredential {
        id: "https://badges.example/status/1".into(),
        issuer: "https://badges.example/issuers/1".into(),
        purpose: StatusPurpose::Revocation,
        valid_from: Some(at("2025-01-01T00:00:00Z")),
        valid_until: Some(at("2027-01-01T00:00:00Z")),
        ttl_ms: Some(300_000),
    }
    .build(list)
}

#[test]
fn a_built_list_credential_has_the_spec_shape() {
    let credential = new_list_credential(&BitstringStatusList::minimum());
    assert_eq!(
        credential["@context"],
        json!(["https://www.w3.org/ns/credentials/v2"])
    );
    assert_eq!(
        credential["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(credential["validFrom"], "2025-01-01T00:00:00Z");
    let subject = &credential["credentialSubject"];
    assert_eq!(subject["id"], "https://badges.example/status/1#list");
    assert_eq!(subject["type"], "BitstringStatusList");
    assert_eq!(subject["statusPurpose"], "revocation");
    assert_eq!(subject["ttl"], 300_000);
    assert!(subject["encodedList"].as_str().unwrap().starts_with('u'));
}

#[test]
fn a_revoked_entry_reads_back_as_set_through_the_built_credential() {
    let mut list = BitstringStatusList::minimum();
    list.set(42, 1).unwrap();
    let credential = new_list_credential(&list);
    let entry = StatusListEntry::new("https://badges.example/status/1", 42, revocation());
    let entry = StatusListEntry::from_json(&entry.to_json()).unwrap();
    assert!(check_status(&entry, &credential, now()).unwrap().is_set());
    let other = StatusListEntry::new("https://badges.example/status/1", 43, revocation());
    assert!(!check_status(&other, &credential, now()).unwrap().is_set());
}

#[test]
fn a_list_credential_outside_its_validity_window_is_refused() {
    let credential = new_list_credential(&BitstringStatusList::minimum());
    let entry = StatusListEntry::new("https://badges.example/status/1", 1, revocation());
    let early = check_status(&entry, &credential, at("2024-06-01T00:00:00Z")).unwrap_err();
    assert_eq!(
        early,
        StatusError::ListNotYetValid(at("2025-01-01T00:00:00Z"))
    );
    let late = check_status(&entry, &credential, at("2027-06-01T00:00:00Z")).unwrap_err();
    assert_eq!(late, StatusError::ListExpired(at("2027-01-01T00:00:00Z")));
}

#[test]
fn a_built_entry_has_the_spec_shape() {
    let entry = StatusListEntry::new("https://badges.example/status/1", 94567, revocation());
    assert_eq!(
        entry.to_json(),
        json!({
            "id": "https://badges.example/status/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://badges.example/status/1"
        })
    );
}

#[test]
fn a_message_entry_reports_the_message_for_its_value() {
    let mut list = BitstringStatusList::new(65_536, 2).unwrap();
    list.set(7, 2).unwrap();
    let mut credential = new_list_credential(&list);
    credential["credentialSubject"]["statusPurpose"] = json!(["revocation", "message"]);
    let mut entry =
        status_list_entries(&example("ex02-statuslistcredential-complex-entries.json")).remove(0);
    entry.list_credential = "https://badges.example/status/1".into();
    entry.index = 7;
    let status = check_status(&entry, &credential, now()).unwrap();
    assert_eq!(
        (status.value, status.message.as_deref()),
        (2, Some("rejected"))
    );
}

#[test]
fn a_legacy_status_list_2021_entry_reads_an_unprefixed_list() {
    let facts = decoded_facts();
    let list = json!({
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/vc/status-list/2021/v1"
        ],
        "id": "https://example.com/credentials/status/3",
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": "did:example:12345",
        "issuanceDate": "2021-04-05T14:27:40Z",
        "credentialSubject": {
            "id": "https://example.com/status/3#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": facts["fpwd_2023_variant"]["encodedList"],
        }
    });
    let credential = json!({ "credentialStatus": {
        "id": "https://example.com/credentials/status/3#94567",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://example.com/credentials/status/3"
    }});
    let entry = &status_list_entries(&credential)[0];
    assert_eq!(entry.kind, StatusListKind::StatusList2021);
    assert!(!check_status(entry, &list, now()).unwrap().is_set());

    let mut wrong = list.clone();
    wrong["type"] = json!(["VerifiableCredential", "BitstringStatusListCredential"]);
    let err = check_status(entry, &wrong, now()).unwrap_err();
    assert_eq!(err, StatusError::WrongListType("StatusList2021Credential"));
}

fn entry_error(change: impl FnOnce(&mut Value)) -> String {
    let mut entry = example("ex04-revocable-vc.json")["credentialStatus"].clone();
    change(&mut entry);
    StatusListEntry::from_json(&entry).unwrap_err().to_string()
}

#[test]
fn each_wrong_entry_field_is_named_in_its_error() {
    let missing = entry_error(|e| drop(e.as_object_mut().unwrap().remove("statusListCredential")));
    assert_eq!(
        missing,
        "the status entry has no `statusListCredential` property"
    );
    let negative = entry_error(|e| e["statusListIndex"] = json!("-1"));
    assert!(negative.contains("invalid `statusListIndex`"), "{negative}");
    let purpose = entry_error(|e| e["statusPurpose"] = json!(3));
    assert!(purpose.contains("invalid `statusPurpose`"), "{purpose}");
    let size = entry_error(|e| e["statusSize"] = json!(9));
    assert_eq!(size, "the status size must be between 1 and 8 bits, not 9");
    let messages = entry_error(|e| e["statusSize"] = json!(2));
    assert!(messages.contains("invalid `statusMessage`"), "{messages}");
    let kind = entry_error(|e| e["type"] = json!("RevocationList2020Status"));
    assert!(kind.contains("RevocationList2020Status"), "{kind}");
}

#[test]
fn a_numeric_status_list_index_is_accepted() {
    let mut entry = example("ex04-revocable-vc.json")["credentialStatus"].clone();
    entry["statusListIndex"] = json!(94567);
    assert_eq!(StatusListEntry::from_json(&entry).unwrap().index, 94567);
}

#[test]
fn a_1edtech_revocation_list_status_is_recognised() {
    let credential = json!({ "credentialStatus": {
        "id": "https://dc.example/api/revocations/org-1",
        "type": "1EdTechRevocationList"
    }});
    let statuses = credential_statuses(&credential).unwrap();
    let expected = CredentialStatus::RevocationList {
        id: "https://dc.example/api/revocations/org-1".into(),
    };
    assert_eq!(statuses, [expected]);
}

#[test]
fn a_1edtech_revocation_list_says_which_credentials_are_revoked_and_why() {
    let doc = json!({
        "id": "https://dc.example/api/revocations/org-1",
        "issuer": { "id": "https://dc.example/issuers/1", "type": "Profile" },
        "revokedCredentials": [
            { "id": "urn:uuid:a", "revocationReason": "Issued in error." },
            { "id": "urn:uuid:b" },
            { "id": "urn:uuid:c", "revoked": false }
        ]
    });
    let list = RevocationList::from_json(&doc).unwrap();
    assert_eq!(list.issuer.as_deref(), Some("https://dc.example/issuers/1"));
    let reason = Some("Issued in error.".to_owned());
    assert_eq!(
        list.status_of("urn:uuid:a"),
        RevocationStatus::Revoked { reason }
    );
    assert_eq!(
        list.status_of("urn:uuid:b"),
        RevocationStatus::Revoked { reason: None }
    );
    assert_eq!(list.status_of("urn:uuid:c"), RevocationStatus::NotRevoked);
    assert_eq!(list.status_of("urn:uuid:d"), RevocationStatus::NotRevoked);
}

#[test]
fn a_malformed_1edtech_revocation_list_is_refused() {
    let no_id = json!({ "revokedCredentials": [{ "revocationReason": "x" }] });
    let err = RevocationList::from_json(&no_id).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the revoked credential has no `id` property"
    );
    let not_array = json!({ "revokedCredentials": "urn:uuid:a" });
    assert!(RevocationList::from_json(&not_array).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_set_of_revoked_indices_survives_encode_and_decode(
        indices in proptest::collection::btree_set(0usize..MIN_LIST_BITS, 0..64)
    ) {
        let mut list = BitstringStatusList::minimum();
        for &i in &indices {
            list.set(i, 1).unwrap();
        }
        let decoded = BitstringStatusList::decode(&list.encode(), 1).unwrap();
        prop_assert_eq!(&decoded, &list);
        let set: BTreeSet<usize> =
            (0..decoded.len()).filter(|&i| decoded.get(i).unwrap() == 1).collect();
        prop_assert_eq!(set, indices);
    }

    #[test]
    fn any_multi_bit_values_survive_encode_and_decode(
        size in 1u8..=8,
        values in proptest::collection::btree_map(0usize..16_384, any::<u8>(), 0..32)
    ) {
        let entries = MIN_LIST_BITS.div_ceil(usize::from(size));
        let mut list = BitstringStatusList::new(entries, size).unwrap();
        let mask = if size == 8 { 0xff } else { (1u8 << size) - 1 };
        for (&i, &v) in &values {
            list.set(i, v & mask).unwrap();
        }
        let decoded = BitstringStatusList::decode(&list.encode(), size).unwrap();
        for (&i, &v) in &values {
            prop_assert_eq!(decoded.get(i).unwrap(), v & mask);
        }
    }
}
