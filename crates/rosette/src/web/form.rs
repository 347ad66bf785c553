//! Forms read as name–value pairs, for the pages whose fields repeat by row (skills,
//! evidence) or carry a file (an achievement's image).
//!
//! [`Fields`] looks fields up by name; as a `Protected<Fields>` it takes any urlencoded form.
//! [`Upload`] reads a `multipart/form-data` form with at most one file and checks its CSRF
//! token as [`Protected`](super::session::Protected) does. [`Problems`] collects one sentence
//! per invalid field while a form is checked.

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer};

use super::PageError;
use super::session::{SignedIn, same_secret};
use crate::http::AppState;

/// The most bytes of text (all fields but the file) a multipart form may carry.
pub const MAX_UPLOAD_TEXT_BYTES: usize = 256 * 1024;

/// A form's fields in the order they were sent.
#[derive(Debug, Clone, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, or the empty string when the form has none.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Whether the form has a field `name` (even an empty one).
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(key, _)| key == name)
    }
}

impl From<Vec<(String, String)>> for Fields {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<(String, String)>::deserialize(deserializer).map(Self)
    }
}

/// The file of a multipart form, read up to a limit.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// The file's bytes (at most the limit plus one, when it was larger).
    pub bytes: Vec<u8>,
    /// The file name the browser sent, as a hint only.
    pub file_name: String,
    /// Whether the file was larger than the limit (and was not read to its end).
    pub too_large: bool,
}

/// A multipart form posted by a signed-in person, after its `csrf` field was checked.
pub struct Upload {
    /// The person.
    pub signed_in: SignedIn,
    /// The text fields, without `csrf`.
    pub fields: Fields,
    /// The file, when one was chosen.
    pub file: Option<UploadedFile>,
}

impl Upload {
    /// Reads a multipart request: the session first, then every field, then the CSRF check.
    /// The field `file_field` is the file, read up to `max_bytes` (larger files are marked
    /// [`UploadedFile::too_large`]).
    pub async fn read(
        request: Request,
        state: &AppState,
        file_field: &str,
        max_bytes: usize,
    ) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let signed_in = SignedIn::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let (fields, file) = read_fields(request, state, file_field, max_bytes).await?;
        let (csrf, fields): (Vec<_>, Vec<_>) = fields.into_iter().partition(|(k, _)| k == "csrf");
        let sent = csrf.first().map(|(_, value)| value.as_str());
        if !sent.is_some_and(|c| same_secret(c, &signed_in.csrf)) {
            tracing::info!(user.id = %signed_in.user_id, "form refused: CSRF token mismatch");
            return Err(PageError::csrf());
        }
        Ok(Self {
            signed_in,
            fields: Fields::from(fields),
            file,
        })
    }
}

type ReadFields = (Vec<(String, String)>, Option<UploadedFile>);

async fn read_fields(
    request: Request,
    state: &AppState,
    file_field: &str,
    max_bytes: usize,
) -> Result<ReadFields, PageError> {
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| PageError::bad_request(format!("The form is not valid: {}", e.body_text())))?;
    let mut fields = Vec::new();
    let mut text_bytes = 0;
    let mut file = None;
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == file_field {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let (bytes, too_large) = read_limited(&mut field, max_bytes).await?;
            // A file input left empty still sends a part, with no name and no bytes.
            if !bytes.is_empty() || !file_name.is_empty() {
                file = Some(UploadedFile {
                    bytes,
                    file_name,
                    too_large,
                });
            }
            continue;
        }
        let value = field.text().await.map_err(multipart_error)?;
        text_bytes += name.len() + value.len();
        if text_bytes > MAX_UPLOAD_TEXT_BYTES {
            return Err(PageError::bad_request("The form sent too much text."));
        }
        fields.push((name, value));
    }
    Ok((fields, file))
}

/// Reads a file field up to `max` bytes and one more, which says it was larger.
async fn read_limited(
    field: &mut axum::extract::multipart::Field<'_>,
    max: usize,
) -> Result<(Vec<u8>, bool), PageError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > max {
            // The rest of the field is skipped by the next `next_field`.
            bytes.truncate(max + 1);
            return Ok((bytes, true));
        }
    }
    Ok((bytes, false))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> PageError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        PageError::bad_request("The form sent too much data. Choose a smaller image.")
    } else {
        PageError::bad_request(format!("The form could not be read: {}", e.body_text()))
    }
}

/// Fields from `(name, value)` pairs, for tests of the forms' checks.
#[cfg(test)]
pub fn pairs(pairs: &[(&str, &str)]) -> Fields {
    let pairs = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
    Fields::from(pairs.collect::<Vec<_>>())
}

/// One sentence per invalid field, collected while a form is checked.
#[derive(Debug, Default)]
pub struct Problems(Vec<String>);

impl Problems {
    /// Keeps an `Ok` value; records an `Err` sentence.
    pub fn keep<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|problem| self.0.push(problem)).ok()
    }

    /// Records a sentence.
    pub fn add(&mut self, problem: impl Into<String>) {
        self.0.push(problem.into());
    }

    /// Whether nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The sentences.
    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

/// A message of the layers below (`the image is larger than 512 KiB`) as a sentence of a
/// page, labelled with the field it is about.
pub fn labelled(label: &str, message: &str) -> String {
    format!("{label}: {message}")
}

/// A message of the layers below with a capital first letter, as pages write sentences.
pub fn capitalized(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A whole number from a text field; empty is `None`.
pub fn whole_number(text: &str, problem: impl FnOnce() -> String) -> Result<Option<i64>, String> {
    match text.trim() {
        "" => Ok(None),
        text => text.parse().map(Some).map_err(|_| problem()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_by_name_and_missing_ones_read_empty() {
        let fields = Fields::from(vec![
            ("name".into(), "Rust".into()),
            ("name".into(), "again".into()),
            ("empty".into(), String::new()),
        ]);
        assert_eq!(fields.get("name"), "Rust");
        assert_eq!(fields.get("missing"), "");
        assert!(fields.has("empty") && !fields.has("missing"));
    }

    #[test]
    fn messages_become_sentences() {
        assert_eq!(capitalized("the image is too big"), "The image is too big");
        assert_eq!(capitalized(""), "");
        assert_eq!(labelled("Shape", "no such shape"), "Shape: no such shape");
        assert_eq!(whole_number(" 12 ", String::new), Ok(Some(12)));
        assert_eq!(whole_number("", String::new), Ok(None));
        assert!(whole_number("1.5", || "bad".into()).is_err());
    }
}
