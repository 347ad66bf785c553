//! The schemas and responses the handlers' attributes name but cannot derive: the problem
//! document (`ApiError` renders it by hand), what the `badges` crate returns (it has no
//! OpenAPI dependency and should not need one), and bodies the handlers build as JSON.
//!
//! They are written with utoipa's builders; the integration tests check every real answer
//! against them, so a change on either side that the other misses fails there.

use std::borrow::Cow;
use std::collections::BTreeMap;

use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, Ref, Schema, Type};
use utoipa::openapi::{ContentBuilder, RefOr};
use utoipa::{IntoResponses, PartialSchema, ToResponse, ToSchema};

use crate::achievement::designer::{Icon, Shape};
use crate::http::FieldError;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document, as [`crate::http::ApiError`] renders it.
pub struct Problem;

impl PartialSchema for Problem {
    fn schema() -> RefOr<Schema> {
        let errors = ArrayBuilder::new()
            .items(Ref::from_schema_name(FieldError::name()))
            .description(Some("For 422: each invalid field, by JSON pointer"));
        ObjectBuilder::new()
            .description(Some("An RFC 9457 problem document"))
            .property(
                "type",
                text("Always `about:blank`: the status says what happened"),
            )
            .property("title", text("The status's name (`Invalid request`)"))
            .property("status", integer("The HTTP status code"))
            .property("detail", text("What was wrong, for people"))
            .property("errors", errors)
            .required("type")
            .required("title")
            .required("status")
            .required("detail")
            .into()
    }
}

impl ToSchema for Problem {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FieldError::name().into(), FieldError::schema()));
    }
}

/// Declares one reusable error response per status, each a [`Problem`].
macro_rules! problem_responses {
    ($($name:ident = $description:literal;)*) => {
        $(
            #[doc = concat!("The reusable response: ", $description)]
            pub struct $name;

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), problem_response($description).into())
                }
            }
        )*
    };
}

problem_responses! {
    BadRequest = "The request cannot be read: not JSON, a bad query string or header";
    Unauthorized = "No API token, or one that is not valid or was revoked";
    Forbidden = "The token's role may not do this";
    NotFound = "There is no such thing in the token's organization";
    Conflict = "The request conflicts with what is stored";
    TooLarge = "The body is larger than the endpoint reads";
    UnsupportedMediaType = "The body's Content-Type is not one the endpoint takes";
    Unavailable = "This server cannot do it now; the detail says why";
    Invalid = "Fields are invalid; `errors` points at each";
}

/// The answers of every operation that reads a JSON body: 400 when it is not JSON, 413 when
/// it is too large, 415 when it is sent as another media type, 422 when its fields are
/// invalid (each named by a pointer).
pub struct BodyErrors;

impl IntoResponses for BodyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        [
            ("400", BadRequest::response().0),
            ("413", TooLarge::response().0),
            ("415", UnsupportedMediaType::response().0),
            ("422", Invalid::response().0),
        ]
        .into_iter()
        .map(|(status, name)| (status.to_owned(), Ref::from_response_name(name).into()))
        .collect()
    }
}

fn problem_response(description: &str) -> Response {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(Problem::name())))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, content)
        .build()
}

/// The verification report of `POST /api/v1/verify` (`badges::verify::Report`).
pub struct Report;

impl PartialSchema for Report {
    fn schema() -> RefOr<Schema> {
        let checks = ArrayBuilder::new()
            .items(Ref::from_schema_name(VerificationCheck::name()))
            .description(Some("Each step of the verification, in order"));
        ObjectBuilder::new()
            .description(Some("What a verification found"))
            .property(
                "verdict",
                one_of(
                    &["valid", "invalid", "indeterminate"],
                    "`indeterminate`: nothing failed, but something could not be checked",
                ),
            )
            .property("format", text("What was handed in (`baked PNG`, …)"))
            .property("name", text("The credential's or its achievement's name"))
            .property("issuer", text("The issuer's id, when it could be read"))
            .property("checks", checks)
            .required("verdict")
            .required("format")
            .required("checks")
            .into()
    }
}

impl ToSchema for Report {
    fn name() -> Cow<'static, str> {
        "VerificationReport".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            VerificationCheck::name().into(),
            VerificationCheck::schema(),
        ));
    }
}

/// One step of a verification report (`badges::verify::Check`).
pub struct VerificationCheck;

impl PartialSchema for VerificationCheck {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property("id", text("The step (`schema`, `proof`, `status`, …)"))
            .property(
                "outcome",
                one_of(&["pass", "fail", "warning", "unknown"], "How it came out"),
            )
            .property("message", text("What was found, as a sentence"))
            .required("id")
            .required("outcome")
            .required("message")
            .into()
    }
}

impl ToSchema for VerificationCheck {}

/// A credential handed in as JSON: any OB 3.0 (or 2.0) document, checked by the verifier.
pub struct Credential;

impl PartialSchema for Credential {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "An Open Badges credential as JSON-LD, such as `/credentials/{id}.json` serves",
            ))
            .into()
    }
}

impl ToSchema for Credential {}

/// A credential handed in as a form: a baked image in the field `file`.
pub struct VerifyForm;

impl PartialSchema for VerifyForm {
    fn schema() -> RefOr<Schema> {
        let file = ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("application/octet-stream")
            .description(Some("A baked PNG or SVG"));
        ObjectBuilder::new()
            .property("file", file)
            .required("file")
            .into()
    }
}

impl ToSchema for VerifyForm {}

/// An issuer's public Profile with its keys, a controller document.
pub struct IssuerDocument;

impl PartialSchema for IssuerDocument {
    fn schema() -> RefOr<Schema> {
        let strings = |description: &str| {
            ArrayBuilder::new()
                .items(text(""))
                .description(Some(description))
        };
        let method = ObjectBuilder::new()
            .property("id", text("The key's id, as proofs name it"))
            .property("type", text("`Multikey`"))
            .property("controller", text("The issuer's id"))
            .property("publicKeyMultibase", text("The Ed25519 public key"))
            .required("id")
            .required("type")
            .required("publicKeyMultibase");
        ObjectBuilder::new()
            .description(Some(
                "The issuer's OB 3.0 Profile and every key it signs or signed with; the same \
                 document is public at its id",
            ))
            .property("@context", strings("The JSON-LD contexts"))
            .property("id", text("The issuer's public id"))
            .property("type", strings("`Profile`"))
            .property("name", text("Its name"))
            .property("url", text("Its home page"))
            .property("email", text("Its contact email"))
            .property("description", text("Its description, when it has one"))
            .property("verificationMethod", ArrayBuilder::new().items(method))
            .property("assertionMethod", strings("The ids of the keys that sign"))
            .property("authentication", strings("The same ids"))
            .required("@context")
            .required("id")
            .required("type")
            .required("verificationMethod")
            .required("assertionMethod")
            .into()
    }
}

impl ToSchema for IssuerDocument {}

/// What the badge designer offers (`GET /api/v1/designer/options`).
pub struct DesignerOptions;

impl PartialSchema for DesignerOptions {
    fn schema() -> RefOr<Schema> {
        let list = |name: Cow<'static, str>, description: &str| {
            ArrayBuilder::new()
                .items(Ref::from_schema_name(name))
                .description(Some(description))
        };
        ObjectBuilder::new()
            .property(
                "shapes",
                list(Shape::name(), "The outlines, in the order offered"),
            )
            .property(
                "icons",
                list(Icon::name(), "The symbols, in the order offered"),
            )
            .property("max_text_chars", integer("The longest ribbon label"))
            .property("max_subtitle_chars", integer("The longest subtitle"))
            .property(
                "size",
                integer("The drawn image's width and height, in pixels"),
            )
            .required("shapes")
            .required("icons")
            .required("max_text_chars")
            .required("max_subtitle_chars")
            .required("size")
            .into()
    }
}

impl ToSchema for DesignerOptions {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Shape::name().into(), Shape::schema()));
        schemas.push((Icon::name().into(), Icon::schema()));
    }
}

fn text(description: &str) -> Object {
    let schema = ObjectBuilder::new().schema_type(Type::String);
    let description = Some(description).filter(|d| !d.is_empty());
    schema.description(description).build()
}

fn integer(description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .description(Some(description))
        .build()
}

fn one_of(values: &[&str], description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .build()
}
