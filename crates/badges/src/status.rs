//! Credential status: the W3C Bitstring Status List (and its legacy `StatusList2021` shape)
//! and the 1EdTech Revocation List used by Open Badges 3.0.
//!
//! This module owns the bitstring itself (create, get, set, GZIP + base64url encoding), the
//! JSON shapes that point at a list (`credentialStatus` entries) and publish it (the unsigned
//! status list credential), and the decision "what is this credential's status, given the
//! list document the caller fetched". It does no network I/O and does not check the list
//! credential's proof: the caller fetches the list and verifies it before asking here.

use std::io::{Read, Write};
use std::str::FromStr;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, SecondsFormat, Utc};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde_json::{Map, Value, json};

/// The smallest bitstring the spec allows: 16 KiB, so one entry hides among many (herd privacy).
pub const MIN_LIST_BITS: usize = 131_072;

/// The default ceiling on a decompressed bitstring (16 MiB); larger lists are refused.
pub const DEFAULT_MAX_DECOMPRESSED_BYTES: usize = 16 * 1024 * 1024;

/// The largest `statusSize` the spec allows, in bits.
pub const MAX_STATUS_SIZE: u8 = 8;

/// The VCDM 2.0 base context, first in every credential this module builds.
pub const VCDM2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// base64url with no padding on output; padding is tolerated on input because some
/// StatusList2021 publishers wrote it.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a status list, status entry or revocation list could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StatusError {
    /// `statusSize` outside 1..=8.
    #[error("the status size must be between 1 and {MAX_STATUS_SIZE} bits, not {0}")]
    InvalidStatusSize(u64),
    /// The list would be smaller than the herd-privacy minimum.
    #[error("a status list needs at least {min} bits, but this one has {bits}")]
    ListTooShort {
        /// Bits the list has.
        bits: usize,
        /// Bits the limits require.
        min: usize,
    },
    /// The list would be larger than the configured ceiling.
    #[error("a status list may hold at most {max} bytes, but this one needs {bytes}")]
    ListTooLarge {
        /// Bytes the list needs (or at least this many, when decompression was cut off).
        bytes: usize,
        /// Bytes the limits allow.
        max: usize,
    },
    /// An index past the end of the list.
    #[error("status index {index} is outside the list, which has {len} entries")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// Entries in the list.
        len: usize,
    },
    /// A value that does not fit in `statusSize` bits.
    #[error("status value {value} does not fit in {size} bits")]
    ValueTooLarge {
        /// The value given.
        value: u8,
        /// The status size in bits.
        size: u8,
    },
    /// `encodedList` is not base64url.
    #[error("the encodedList is not valid base64url: {0}")]
    MalformedBase64(String),
    /// `encodedList` does not decompress as GZIP.
    #[error("the encodedList is not valid GZIP data: {0}")]
    MalformedGzip(String),
    /// A required property is missing.
    #[error("the {object} has no `{field}` property")]
    MissingField {
        /// Which JSON object.
        object: &'static str,
        /// The missing property.
        field: &'static str,
    },
    /// A property has the wrong shape or value.
    #[error("the {object} has an invalid `{field}`: {reason}")]
    InvalidField {
        /// Which JSON object.
        object: &'static str,
        /// The property.
        field: &'static str,
        /// What is wrong with it, as a sentence fragment.
        reason: String,
    },
    /// `credentialStatus` has a type this module does not read.
    #[error("credentialStatus type `{0}` is not a status list entry")]
    NotAStatusListEntry(String),
    /// The list credential is not the kind the entry points at.
    #[error("the status list credential's type does not include `{0}`")]
    WrongListType(&'static str),
    /// The list credential's `id` is not the URL the entry names.
    #[error("the entry points at status list {expected}, but the list says it is {found}")]
    ListIdMismatch {
        /// `statusListCredential` from the entry.
        expected: String,
        /// `id` of the list credential.
        found: String,
    },
    /// The entry's purpose is not one the list serves.
    #[error("the entry's purpose is `{entry}`, but the list serves `{list}`")]
    PurposeMismatch {
        /// The entry's `statusPurpose`.
        entry: String,
        /// The list's `statusPurpose` values, comma separated.
        list: String,
    },
    /// The list credential's `validFrom` is in the future.
    #[error("the status list credential is not valid until {0}")]
    ListNotYetValid(DateTime<Utc>),
    /// The list credential's `validUntil` has passed.
    #[error("the status list credential expired at {0}")]
    ListExpired(DateTime<Utc>),
}

/// What a status entry is for. The spec defines four purposes and allows others.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StatusPurpose {
    /// A set value means the credential is revoked, permanently.
    Revocation,
    /// A set value means the credential is suspended, possibly for a while.
    Suspension,
    /// A set value means a newer version of the credential should be fetched.
    Refresh,
    /// The value selects one of the entry's `statusMessage`s.
    Message,
    /// A purpose this module has no special meaning for.
    Other(String),
}

impl StatusPurpose {
    /// The purpose as written in JSON.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
            Self::Refresh => "refresh",
            Self::Message => "message",
            Self::Other(other) => other,
        }
    }
}

impl FromStr for StatusPurpose {
    type Err = StatusError;

    /// Reads a purpose; an empty string is refused because it cannot match any list.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "revocation" => Self::Revocation,
            "suspension" => Self::Suspension,
            "refresh" => Self::Refresh,
            "message" => Self::Message,
            "" => {
                return Err(StatusError::InvalidField {
                    object: "status entry",
                    field: "statusPurpose",
                    reason: "it is empty".into(),
                });
            }
            other => Self::Other(other.to_owned()),
        })
    }
}

/// Limits applied when decoding an `encodedList` from someone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusListLimits {
    /// The largest decompressed bitstring accepted, in bytes
    /// (default [`DEFAULT_MAX_DECOMPRESSED_BYTES`]).
    pub max_decompressed_bytes: usize,
    /// The smallest bitstring accepted, in bits (default [`MIN_LIST_BITS`]).
    pub min_bits: usize,
}

impl Default for StatusListLimits {
    fn default() -> Self {
        Self {
            max_decompressed_bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
            min_bits: MIN_LIST_BITS,
        }
    }
}

/// A bitstring of fixed-width status entries; entry 0 starts at the first byte's high bit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitstringStatusList {
    bytes: Vec<u8>,
    status_size: u8,
}

impl BitstringStatusList {
    /// A list of `entries` statuses of `status_size` bits, all zero.
    ///
    /// The list must hold at least [`MIN_LIST_BITS`] bits and at most
    /// [`DEFAULT_MAX_DECOMPRESSED_BYTES`] bytes.
    pub fn new(entries: usize, status_size: u8) -> Result<Self, StatusError> {
        check_status_size(u64::from(status_size))?;
        let bits = entries.saturating_mul(usize::from(status_size));
        if bits < MIN_LIST_BITS {
            return Err(StatusError::ListTooShort {
                bits,
                min: MIN_LIST_BITS,
            });
        }
        let bytes = bits.div_ceil(8);
        if bytes > DEFAULT_MAX_DECOMPRESSED_BYTES {
            let max = DEFAULT_MAX_DECOMPRESSED_BYTES;
            return Err(StatusError::ListTooLarge { bytes, max });
        }
        Ok(Self {
            bytes: vec![0; bytes],
            status_size,
        })
    }

    /// The smallest list the spec allows with one bit per entry (131,072 entries).
    pub fn minimum() -> Self {
        Self {
            bytes: vec![0; MIN_LIST_BITS / 8],
            status_size: 1,
        }
    }

    /// Decodes an `encodedList` with the default limits.
    ///
    /// The multibase `u` prefix is optional because the 2023 drafts and StatusList2021 had
    /// none; a bare GZIP stream in base64url always starts with `H`, so there is no ambiguity.
    pub fn decode(encoded: &str, status_size: u8) -> Result<Self, StatusError> {
        Self::decode_with_limits(encoded, status_size, &StatusListLimits::default())
    }

    /// Decodes an `encodedList`, refusing lists outside `limits`.
    ///
    /// Decompression reads through a reader capped one byte past the limit, so a small
    /// GZIP bomb costs at most `max_decompressed_bytes` of memory before it is refused.
    pub fn decode_with_limits(
        encoded: &str,
        status_size: u8,
        limits: &StatusListLimits,
    ) -> Result<Self, StatusError> {
        check_status_size(u64::from(status_size))?;
        let text = encoded.strip_prefix('u').unwrap_or(encoded);
        let max = limits.max_decompressed_bytes;
        // GZIP grows incompressible data by well under 1/64 plus a small header, so a
        // compressed list longer than that cannot fit the limit; refuse it before decoding.
        let compressed_len = text.len() / 4 * 3;
        if compressed_len > max.saturating_add(max / 64).saturating_add(1024) {
            return Err(StatusError::ListTooLarge {
                bytes: compressed_len,
                max,
            });
        }
        let compressed = BASE64URL
            .decode(text)
            .map_err(|e| StatusError::MalformedBase64(e.to_string()))?;

        let bytes = gunzip_limited(&compressed, max)?;
        let bits = bytes.len().saturating_mul(8);
        if bits < limits.min_bits {
            return Err(StatusError::ListTooShort {
                bits,
                min: limits.min_bits,
            });
        }
        Ok(Self { bytes, status_size })
    }

    /// Encodes the list as an `encodedList`: `u` + base64url (no padding) of the GZIP stream.
    pub fn encode(&self) -> String {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        // Writing into a Vec cannot fail; the only error source would be the allocator.
        let compressed = gz
            .write_all(&self.bytes)
            .and_then(|()| gz.try_finish())
            .map(|()| gz.get_ref().clone())
            .unwrap_or_default();
        format!("u{}", BASE64URL.encode(compressed))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.bytes.len() * 8 / usize::from(self.status_size)
    }

    /// True when the list has no entries (never the case for a list built here).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The width of one entry, in bits.
    pub fn status_size(&self) -> u8 {
        self.status_size
    }

    /// The raw bitstring.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The status value at `index`.
    pub fn get(&self, index: usize) -> Result<u8, StatusError> {
        let first_bit = self.first_bit(index)?;
        let mut value = 0u8;
        for bit in first_bit..first_bit + usize::from(self.status_size) {
            let set = self.bytes[bit / 8] & (0x80 >> (bit % 8)) != 0;
            value = (value << 1) | u8::from(set);
        }
        Ok(value)
    }

    /// Sets the status value at `index`; the value must fit in `status_size` bits.
    pub fn set(&mut self, index: usize, value: u8) -> Result<(), StatusError> {
        let size = self.status_size;
        if size < 8 && value >> size != 0 {
            return Err(StatusError::ValueTooLarge { value, size });
        }
        let first_bit = self.first_bit(index)?;
        for offset in 0..usize::from(size) {
            let bit = first_bit + offset;
            let mask = 0x80u8 >> (bit % 8);
            if (value >> (usize::from(size) - 1 - offset)) & 1 == 1 {
                self.bytes[bit / 8] |= mask;
            } else {
                self.bytes[bit / 8] &= !mask;
            }
        }
        Ok(())
    }

    fn first_bit(&self, index: usize) -> Result<usize, StatusError> {
        let len = self.len();
        if index >= len {
            return Err(StatusError::IndexOutOfRange { index, len });
        }
        Ok(index * usize::from(self.status_size))
    }
}

/// Which family of status list an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusListKind {
    /// W3C Bitstring Status List v1.0 (`BitstringStatusListEntry`).
    Bitstring,
    /// The legacy CCG draft (`StatusList2021Entry`), read only.
    StatusList2021,
}

impl StatusListKind {
    fn entry_type(self) -> &'static str {
        match self {
            Self::Bitstring => "BitstringStatusListEntry",
            Self::StatusList2021 => "StatusList2021Entry",
        }
    }

    fn credential_type(self) -> &'static str {
        match self {
            Self::Bitstring => "BitstringStatusListCredential",
            Self::StatusList2021 => "StatusList2021Credential",
        }
    }

    fn subject_type(self) -> &'static str {
        match self {
            Self::Bitstring => "BitstringStatusList",
            Self::StatusList2021 => "StatusList2021",
        }
    }
}

/// One `statusMessage` item: what a status value means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    /// The status value (written in JSON as a hex string such as `"0x2"`).
    pub status: u8,
    /// What the value means.
    pub message: String,
}

/// A `credentialStatus` entry pointing into a status list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListEntry {
    /// Bitstring (current) or StatusList2021 (legacy).
    pub kind: StatusListKind,
    /// The entry's own `id`, when given.
    pub id: Option<String>,
    /// What the entry's status means.
    pub purpose: StatusPurpose,
    /// The entry's position in the list.
    pub index: usize,
    /// The URL of the status list credential.
    pub list_credential: String,
    /// Bits per entry (1 unless `statusSize` says otherwise).
    pub status_size: u8,
    /// The meanings of the status values, when given.
    pub messages: Vec<StatusMessage>,
}

impl StatusListEntry {
    /// A one-bit `BitstringStatusListEntry` at `index` of the list published at `list_url`.
    pub fn new(list_url: &str, index: usize, purpose: StatusPurpose) -> Self {
        Self {
            kind: StatusListKind::Bitstring,
            id: Some(format!("{list_url}#{index}")),
            purpose,
            index,
            list_credential: list_url.to_owned(),
            status_size: 1,
            messages: Vec::new(),
        }
    }

    /// The entry as `credentialStatus` JSON.
    pub fn to_json(&self) -> Value {
        let mut entry = Map::new();
        let id = self.id.clone();
        let id = id.unwrap_or_else(|| format!("{}#{}", self.list_credential, self.index));
        entry.insert("id".into(), id.into());
        entry.insert("type".into(), self.kind.entry_type().into());
        entry.insert("statusPurpose".into(), self.purpose.as_str().into());
        entry.insert("statusListIndex".into(), self.index.to_string().into());
        entry.insert(
            "statusListCredential".into(),
            self.list_credential.clone().into(),
        );
        if self.status_size != 1 {
            entry.insert("statusSize".into(), self.status_size.into());
        }
        if !self.messages.is_empty() {
            let messages = self
                .messages
                .iter()
                .map(|m| json!({ "status": format!("0x{:x}", m.status), "message": m.message }));
            entry.insert("statusMessage".into(), messages.collect::<Vec<_>>().into());
        }
        Value::Object(entry)
    }

    /// Reads a `BitstringStatusListEntry` or `StatusList2021Entry` object.
    ///
    /// `statusListIndex` is a base-10 string per the spec; a JSON integer is also accepted
    /// because some issuers write one.
    pub fn from_json(value: &Value) -> Result<Self, StatusError> {
        const OBJ: &str = "status entry";
        let entry = value.as_object().ok_or(StatusError::InvalidField {
            object: "credential",
            field: "credentialStatus",
            reason: "it is not a JSON object".into(),
        })?;
        let kind = match types_of(entry.get("type")).as_slice() {
            [t] if t == "BitstringStatusListEntry" => StatusListKind::Bitstring,
            [t] if t == "StatusList2021Entry" => StatusListKind::StatusList2021,
            [] => {
                return Err(StatusError::MissingField {
                    object: OBJ,
                    field: "type",
                });
            }
            other => return Err(StatusError::NotAStatusListEntry(other.join(", "))),
        };
        let id = optional_string(entry, OBJ, "id")?;
        let purpose = required_string(entry, OBJ, "statusPurpose")?.parse()?;
        let index = parse_index(entry.get("statusListIndex"))?;
        let list_credential = required_string(entry, OBJ, "statusListCredential")?.to_owned();
        let status_size = match entry.get("statusSize") {
            None => 1,
            Some(size) => parse_status_size(size)?,
        };
        let messages = match entry.get("statusMessage") {
            None => Vec::new(),
            Some(messages) => parse_messages(messages)?,
        };
        if status_size > 1 && messages.is_empty() {
            let reason = "it must list the status messages when statusSize is over 1".into();
            let field = "statusMessage";
            return Err(StatusError::InvalidField {
                object: OBJ,
                field,
                reason,
            });
        }
        let entry = Self {
            kind,
            id,
            purpose,
            index,
            list_credential,
            status_size,
            messages,
        };
        Ok(entry)
    }
}

/// One item of a credential's `credentialStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialStatus {
    /// A Bitstring Status List or StatusList2021 entry.
    StatusList(StatusListEntry),
    /// A 1EdTech Revocation List: `id` is the URL of the list document.
    RevocationList {
        /// Where the revocation list is published.
        id: String,
    },
    /// A status method this module does not read.
    Other {
        /// The entry's `type`.
        status_type: String,
    },
}

/// Reads every item of a credential's `credentialStatus` (an object or an array of them).
///
/// A credential without `credentialStatus` has no items; a malformed known entry is an error.
pub fn credential_statuses(credential: &Value) -> Result<Vec<CredentialStatus>, StatusError> {
    let items = match credential.get("credentialStatus") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item) => vec![item],
    };
    items.into_iter().map(read_status_item).collect()
}

fn read_status_item(item: &Value) -> Result<CredentialStatus, StatusError> {
    let types = item
        .as_object()
        .map(|o| types_of(o.get("type")))
        .unwrap_or_default();
    let is = |name: &str| types.iter().any(|t| t == name);
    if is("BitstringStatusListEntry") || is("StatusList2021Entry") {
        return StatusListEntry::from_json(item).map(CredentialStatus::StatusList);
    }
    if is("1EdTechRevocationList") {
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty());
        let id = id.ok_or(StatusError::MissingField {
            object: "1EdTechRevocationList status",
            field: "id",
        })?;
        return Ok(CredentialStatus::RevocationList { id: id.to_owned() });
    }
    match types.first() {
        Some(t) => Ok(CredentialStatus::Other {
            status_type: t.clone(),
        }),
        None => Err(StatusError::MissingField {
            object: "status entry",
            field: "type",
        }),
    }
}

/// The status an entry has in its list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusResult {
    /// The entry's purpose (which the list serves).
    pub purpose: StatusPurpose,
    /// The raw status value.
    pub value: u8,
    /// The entry's message for this value, when it lists messages.
    pub message: Option<String>,
}

impl StatusResult {
    /// True when the status value is not zero: revoked, suspended or needing refresh,
    /// depending on the purpose.
    pub fn is_set(&self) -> bool {
        self.value != 0
    }
}

/// Looks up an entry's status in the list credential the caller fetched from
/// `entry.list_credential` (and whose proof the caller has already verified).
///
/// Checks the list's type, `id`, validity window against `now`, purpose, and the index.
pub fn check_status(
    entry: &StatusListEntry,
    list_credential: &Value,
    now: DateTime<Utc>,
) -> Result<StatusResult, StatusError> {
    check_status_with_limits(entry, list_credential, now, &StatusListLimits::default())
}

/// [`check_status`] with explicit decoding limits.
pub fn check_status_with_limits(
    entry: &StatusListEntry,
    list_credential: &Value,
    now: DateTime<Utc>,
    limits: &StatusListLimits,
) -> Result<StatusResult, StatusError> {
    const OBJ: &str = "status list credential";
    let list = list_credential
        .as_object()
        .ok_or(StatusError::InvalidField {
            object: OBJ,
            field: "credential",
            reason: "it is not a JSON object".into(),
        })?;
    let wanted = entry.kind.credential_type();
    if !types_of(list.get("type")).iter().any(|t| t == wanted) {
        return Err(StatusError::WrongListType(wanted));
    }
    if let Some(found) = optional_string(list, OBJ, "id")?
        && found != entry.list_credential
    {
        let expected = entry.list_credential.clone();
        return Err(StatusError::ListIdMismatch { expected, found });
    }
    check_list_validity(list, now)?;

    let subject = list_subject(list, entry.kind)?;
    check_purpose(subject, &entry.purpose)?;
    let encoded = required_string(subject, "status list", "encodedList")?;
    let bits = BitstringStatusList::decode_with_limits(encoded, entry.status_size, limits)?;
    let value = bits.get(entry.index)?;
    let message = entry.messages.iter().find(|m| m.status == value);
    let message = message.map(|m| m.message.clone());
    Ok(StatusResult {
        purpose: entry.purpose.clone(),
        value,
        message,
    })
}

/// The fields of a new, unsigned `BitstringStatusListCredential`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatusListCredential {
    /// The URL the list credential will be published at (entries point here).
    pub id: String,
    /// The issuer's id.
    pub issuer: String,
    /// What the list's values mean.
    pub purpose: StatusPurpose,
    /// When the list starts being valid.
    pub valid_from: Option<DateTime<Utc>>,
    /// When the list stops being valid.
    pub valid_until: Option<DateTime<Utc>>,
    /// How long verifiers may cache the list, in milliseconds.
    pub ttl_ms: Option<u64>,
}

impl NewStatusListCredential {
    /// The unsigned credential publishing `list`, ready for a proof.
    pub fn build(&self, list: &BitstringStatusList) -> Value {
        let mut subject = Map::new();
        subject.insert("id".into(), format!("{}#list", self.id).into());
        subject.insert("type".into(), "BitstringStatusList".into());
        subject.insert("statusPurpose".into(), self.purpose.as_str().into());
        subject.insert("encodedList".into(), list.encode().into());
        if let Some(ttl) = self.ttl_ms {
            subject.insert("ttl".into(), ttl.into());
        }

        let mut credential = Map::new();
        credential.insert("@context".into(), json!([VCDM2_CONTEXT]));
        credential.insert("id".into(), self.id.clone().into());
        let types = json!(["VerifiableCredential", "BitstringStatusListCredential"]);
        credential.insert("type".into(), types);
        credential.insert("issuer".into(), self.issuer.clone().into());
        if let Some(from) = self.valid_from {
            credential.insert("validFrom".into(), xsd_datetime(from).into());
        }
        if let Some(until) = self.valid_until {
            credential.insert("validUntil".into(), xsd_datetime(until).into());
        }
        credential.insert("credentialSubject".into(), Value::Object(subject));
        Value::Object(credential)
    }
}

/// A 1EdTech Revocation List document: the credentials an issuer has revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationList {
    /// The list's own `id`, when given.
    pub id: Option<String>,
    /// The issuer's id (a string, or the `id` of an issuer object), when given.
    pub issuer: Option<String>,
    /// The `revokedCredentials` items.
    pub revoked: Vec<RevokedCredential>,
}

/// One `revokedCredentials` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedCredential {
    /// The revoked credential's `id`.
    pub id: String,
    /// `revoked`; an omitted value means true.
    pub revoked: bool,
    /// `revocationReason`, when given.
    pub reason: Option<String>,
}

/// What a revocation list says about one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationStatus {
    /// The credential is not listed as revoked.
    NotRevoked,
    /// The credential is revoked, with the issuer's reason when it gave one.
    Revoked {
        /// `revocationReason`.
        reason: Option<String>,
    },
}

impl RevocationList {
    /// Reads a revocation list document.
    pub fn from_json(value: &Value) -> Result<Self, StatusError> {
        const OBJ: &str = "revocation list";
        let list = value.as_object().ok_or(StatusError::InvalidField {
            object: OBJ,
            field: "document",
            reason: "it is not a JSON object".into(),
        })?;
        let id = optional_string(list, OBJ, "id")?;
        let issuer = match list.get("issuer") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Object(o)) => optional_string(o, "revocation list issuer", "id")?,
            Some(_) => {
                let reason = "it is neither a string nor an object".into();
                return Err(StatusError::InvalidField {
                    object: OBJ,
                    field: "issuer",
                    reason,
                });
            }
        };
        let revoked = match list.get("revokedCredentials") {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                items.iter().map(read_revoked).collect::<Result<_, _>>()?
            }
            Some(_) => {
                let reason = "it is not an array".into();
                let field = "revokedCredentials";
                return Err(StatusError::InvalidField {
                    object: OBJ,
                    field,
                    reason,
                });
            }
        };
        Ok(Self {
            id,
            issuer,
            revoked,
        })
    }

    /// Whether the credential with `credential_id` is revoked, and why.
    pub fn status_of(&self, credential_id: &str) -> RevocationStatus {
        let listed = self
            .revoked
            .iter()
            .find(|r| r.id == credential_id && r.revoked);
        match listed {
            Some(item) => RevocationStatus::Revoked {
                reason: item.reason.clone(),
            },
            None => RevocationStatus::NotRevoked,
        }
    }
}

fn read_revoked(item: &Value) -> Result<RevokedCredential, StatusError> {
    const OBJ: &str = "revoked credential";
    let item = item.as_object().ok_or(StatusError::InvalidField {
        object: "revocation list",
        field: "revokedCredentials",
        reason: "an item is not a JSON object".into(),
    })?;
    let id = required_string(item, OBJ, "id")?.to_owned();
    let revoked = match item.get("revoked") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            let reason = "it is not true or false".into();
            return Err(StatusError::InvalidField {
                object: OBJ,
                field: "revoked",
                reason,
            });
        }
    };
    let reason = optional_string(item, OBJ, "revocationReason")?;
    Ok(RevokedCredential {
        id,
        revoked,
        reason,
    })
}

fn gunzip_limited(compressed: &[u8], max: usize) -> Result<Vec<u8>, StatusError> {
    let cap = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut reader = GzDecoder::new(compressed).take(cap);
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| StatusError::MalformedGzip(e.to_string()))?;
    if bytes.len() > max {
        return Err(StatusError::ListTooLarge {
            bytes: bytes.len(),
            max,
        });
    }
    Ok(bytes)
}

fn check_status_size(size: u64) -> Result<u8, StatusError> {
    match u8::try_from(size) {
        Ok(size @ 1..=MAX_STATUS_SIZE) => Ok(size),
        _ => Err(StatusError::InvalidStatusSize(size)),
    }
}

fn parse_status_size(value: &Value) -> Result<u8, StatusError> {
    match value.as_u64() {
        Some(size) => check_status_size(size),
        None => Err(StatusError::InvalidField {
            object: "status entry",
            field: "statusSize",
            reason: "it is not a positive whole number".into(),
        }),
    }
}

fn parse_index(value: Option<&Value>) -> Result<usize, StatusError> {
    let invalid = |reason: &str| StatusError::InvalidField {
        object: "status entry",
        field: "statusListIndex",
        reason: reason.into(),
    };
    match value {
        None => Err(StatusError::MissingField {
            object: "status entry",
            field: "statusListIndex",
        }),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().map_err(|_| invalid("it is too large"))
        }
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| invalid("it is not a non-negative whole number")),
        Some(_) => Err(invalid(
            "it is not a base-10 whole number written as a string",
        )),
    }
}

fn parse_messages(value: &Value) -> Result<Vec<StatusMessage>, StatusError> {
    let invalid = |reason: String| StatusError::InvalidField {
        object: "status entry",
        field: "statusMessage",
        reason,
    };
    let items = value
        .as_array()
        .ok_or_else(|| invalid("it is not an array".into()))?;
    items
        .iter()
        .map(|item| {
            let status = item.get("status").and_then(Value::as_str);
            let message = item.get("message").and_then(Value::as_str);
            let (Some(status), Some(message)) = (status, message) else {
                return Err(invalid(
                    "an item lacks a string `status` or `message`".into(),
                ));
            };
            let digits = status
                .strip_prefix("0x")
                .or_else(|| status.strip_prefix("0X"));
            let value = digits.and_then(|d| u8::from_str_radix(d, 16).ok());
            let value = value.ok_or_else(|| {
                invalid(format!(
                    "status `{status}` is not a hexadecimal byte such as 0x1"
                ))
            })?;
            Ok(StatusMessage {
                status: value,
                message: message.to_owned(),
            })
        })
        .collect()
}

fn list_subject(
    list: &Map<String, Value>,
    kind: StatusListKind,
) -> Result<&Map<String, Value>, StatusError> {
    const OBJ: &str = "status list credential";
    let subject = match list.get("credentialSubject") {
        None => {
            return Err(StatusError::MissingField {
                object: OBJ,
                field: "credentialSubject",
            });
        }
        Some(Value::Array(items)) if items.len() == 1 => &items[0],
        Some(subject) => subject,
    };
    let subject = subject.as_object().ok_or(StatusError::InvalidField {
        object: OBJ,
        field: "credentialSubject",
        reason: "it is not a single JSON object".into(),
    })?;
    let wanted = kind.subject_type();
    if !types_of(subject.get("type")).iter().any(|t| t == wanted) {
        return Err(StatusError::InvalidField {
            object: "status list",
            field: "type",
            reason: format!("it does not include `{wanted}`"),
        });
    }
    Ok(subject)
}

fn check_purpose(subject: &Map<String, Value>, purpose: &StatusPurpose) -> Result<(), StatusError> {
    let purposes = match subject.get("statusPurpose") {
        None => {
            return Err(StatusError::MissingField {
                object: "status list",
                field: "statusPurpose",
            });
        }
        Some(value) => types_of(Some(value)),
    };
    if purposes.iter().any(|p| p == purpose.as_str()) {
        return Ok(());
    }
    let entry = purpose.as_str().to_owned();
    Err(StatusError::PurposeMismatch {
        entry,
        list: purposes.join(", "),
    })
}

fn check_list_validity(list: &Map<String, Value>, now: DateTime<Utc>) -> Result<(), StatusError> {
    const OBJ: &str = "status list credential";
    let from = date_field(list, OBJ, "validFrom")?.or(date_field(list, OBJ, "issuanceDate")?);
    if let Some(from) = from
        && now < from
    {
        return Err(StatusError::ListNotYetValid(from));
    }
    let until = date_field(list, OBJ, "validUntil")?.or(date_field(list, OBJ, "expirationDate")?);
    if let Some(until) = until
        && now > until
    {
        return Err(StatusError::ListExpired(until));
    }
    Ok(())
}

fn date_field(
    object: &Map<String, Value>,
    name: &'static str,
    field: &'static str,
) -> Result<Option<DateTime<Utc>>, StatusError> {
    let Some(text) = optional_string(object, name, field)? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&text)
        .map(|d| Some(d.with_timezone(&Utc)))
        .map_err(|e| StatusError::InvalidField {
            object: name,
            field,
            reason: format!("`{text}` is not an RFC 3339 date-time ({e})"),
        })
}

/// The strings of a `type`-like property: one string or an array of strings.
fn types_of(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn required_string<'a>(
    object: &'a Map<String, Value>,
    name: &'static str,
    field: &'static str,
) -> Result<&'a str, StatusError> {
    match object.get(field) {
        None => Err(StatusError::MissingField {
            object: name,
            field,
        }),
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(StatusError::InvalidField {
            object: name,
            field,
            reason: "it is not a non-empty string".into(),
        }),
    }
}

fn optional_string(
    object: &Map<String, Value>,
    name: &'static str,
    field: &'static str,
) -> Result<Option<String>, StatusError> {
    match object.get(field) {
        None => Ok(None),
        Some(_) => required_string(object, name, field).map(|s| Some(s.to_owned())),
    }
}

fn xsd_datetime(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_zero_is_the_high_bit_of_the_first_byte() {
        let mut list = BitstringStatusList::minimum();
        list.set(0, 1).unwrap();
        list.set(9, 1).unwrap();
        assert_eq!(&list.as_bytes()[..2], &[0b1000_0000, 0b0100_0000]);
    }

    #[test]
    fn multi_bit_values_are_written_most_significant_bit_first() {
        let mut list = BitstringStatusList::new(65_536, 2).unwrap();
        list.set(0, 0b10).unwrap();
        list.set(1, 0b01).unwrap();
        list.set(3, 0b11).unwrap();
        assert_eq!(list.as_bytes()[0], 0b1001_0011);
        assert_eq!(list.get(0).unwrap(), 2);
        assert_eq!(list.get(1).unwrap(), 1);
        assert_eq!(list.get(2).unwrap(), 0);
        assert_eq!(list.get(3).unwrap(), 3);
    }

    #[test]
    fn a_value_wider_than_the_status_size_is_refused() {
        let mut list = BitstringStatusList::minimum();
        let err = list.set(5, 2).unwrap_err();
        assert_eq!(err, StatusError::ValueTooLarge { value: 2, size: 1 });
    }

    #[test]
    fn an_eight_bit_list_stores_whole_bytes() {
        let mut list = BitstringStatusList::new(16_384, 8).unwrap();
        list.set(16_383, 0xA5).unwrap();
        assert_eq!(list.get(16_383).unwrap(), 0xA5);
        assert_eq!(*list.as_bytes().last().unwrap(), 0xA5);
    }

    #[test]
    fn status_sizes_outside_one_to_eight_are_refused() {
        assert_eq!(
            BitstringStatusList::new(200_000, 0).unwrap_err(),
            StatusError::InvalidStatusSize(0)
        );
        assert_eq!(
            BitstringStatusList::new(200_000, 9).unwrap_err(),
            StatusError::InvalidStatusSize(9)
        );
    }

    #[test]
    fn a_list_below_sixteen_kibibytes_is_refused() {
        let err = BitstringStatusList::new(1000, 1).unwrap_err();
        assert_eq!(
            err,
            StatusError::ListTooShort {
                bits: 1000,
                min: MIN_LIST_BITS
            }
        );
    }

    #[test]
    fn purposes_round_trip_through_their_json_names() {
        for name in ["revocation", "suspension", "refresh", "message", "custom"] {
            assert_eq!(name.parse::<StatusPurpose>().unwrap().as_str(), name);
        }
    }

    #[test]
    fn status_message_values_are_read_as_hex() {
        let messages = json!([{"status": "0xA", "message": "ten"}]);
        assert_eq!(parse_messages(&messages).unwrap()[0].status, 10);
        let bad = json!([{"status": "10", "message": "ten"}]);
        assert!(parse_messages(&bad).is_err());
    }
}
