//! The docs page: the OpenAPI document read back as JSON and laid out for people, one
//! section per tag, with each operation's parameters, body fields, responses and a curl
//! example, and every schema at the end. It is plain HTML: no script is needed to read it.
//!
//! It reads the document as JSON rather than utoipa's types, so that it shows exactly what
//! API tools see, `$ref`s and all.

use serde::Serialize;
use serde_json::Value;

use super::curl::curl_examples;
use super::reading::{
    MAX_DEPTH, anchor, describe, field, is_type, link, non_null, object, parts, required, resolve,
    to_text, type_name,
};

#[derive(Serialize)]
struct DocsView {
    title: String,
    version: String,
    description: String,
    server: String,
    sections: Vec<Section>,
    schemas: Vec<SchemaView>,
}

#[derive(Serialize)]
struct Section {
    name: String,
    description: String,
    operations: Vec<OperationView>,
}

#[derive(Serialize)]
struct OperationView {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    /// The description's paragraphs.
    description: Vec<String>,
    secured: bool,
    parameters: Vec<FieldView>,
    bodies: Vec<BodyView>,
    responses: Vec<ResponseView>,
    examples: Vec<String>,
}

/// A parameter or a field of a schema, as a table row.
#[derive(Serialize)]
struct FieldView {
    name: String,
    /// Where a parameter goes (`path`, `query`, `header`); empty for fields.
    place: String,
    type_name: String,
    /// The anchor of the schema the type names, when it names one.
    link: Option<String>,
    required: bool,
    description: String,
}

#[derive(Serialize)]
struct BodyView {
    content_type: String,
    type_name: String,
    link: Option<String>,
    fields: Vec<FieldView>,
}

#[derive(Serialize)]
struct ResponseView {
    status: String,
    description: String,
    content_type: String,
    type_name: String,
    link: Option<String>,
}

#[derive(Serialize)]
struct SchemaView {
    name: String,
    anchor: String,
    description: String,
    type_name: String,
    fields: Vec<FieldView>,
}

/// Renders the page for a document; a failure is logged by the template layer.
pub fn render(document: &Value) -> Result<String, String> {
    let view = view(document);
    let context = minijinja::Value::from(minijinja::value::Serde(&view));
    crate::web::templates::render("api_docs.html", context)
        .map(|html| html.0)
        .map_err(|e| format!("{e:?}"))
}

fn view(doc: &Value) -> DocsView {
    let text = |pointer: &str| doc.pointer(pointer).map(to_text).unwrap_or_default();
    let server = text("/servers/0/url");
    let mut sections: Vec<Section> = tags(doc)
        .into_iter()
        .map(|(name, description)| Section {
            name,
            description,
            operations: Vec::new(),
        })
        .collect();
    for (path, method, operation) in operations(doc) {
        let tag = operation
            .pointer("/tags/0")
            .map(to_text)
            .unwrap_or_default();
        let view = operation_view(doc, &server, path, method, operation);
        match sections.iter_mut().find(|s| s.name == tag) {
            Some(section) => section.operations.push(view),
            None => sections.push(Section {
                name: tag,
                description: String::new(),
                operations: vec![view],
            }),
        }
    }
    DocsView {
        title: text("/info/title"),
        version: text("/info/version"),
        description: text("/info/description"),
        server,
        sections,
        schemas: schema_views(doc),
    }
}

fn tags(doc: &Value) -> Vec<(String, String)> {
    let tags = doc.get("tags").and_then(Value::as_array);
    tags.into_iter()
        .flatten()
        .map(|t| (field(t, "name"), field(t, "description")))
        .collect()
}

/// Every operation as (path, method, operation), in the document's order.
fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
    let mut found = Vec::new();
    for (path, item) in object(doc.get("paths")) {
        for (method, operation) in object(Some(item)) {
            found.push((path.as_str(), method.as_str(), operation));
        }
    }
    found
}

fn operation_view(
    doc: &Value,
    server: &str,
    path: &str,
    method: &str,
    operation: &Value,
) -> OperationView {
    let secured = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|r| object(Some(r)).next().is_some()));
    let parameters = parameters(doc, operation);
    let bodies = bodies(doc, operation);
    OperationView {
        anchor: format!("op-{}", field(operation, "operationId")),
        method: method.to_uppercase(),
        path: path.to_owned(),
        summary: field(operation, "summary"),
        description: paragraphs(&field(operation, "description")),
        secured,
        examples: curl_examples(doc, server, method, path, operation, secured),
        parameters,
        bodies,
        responses: responses(doc, operation),
    }
}

fn parameters(doc: &Value, operation: &Value) -> Vec<FieldView> {
    let list = operation.get("parameters").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .map(|p| {
            let p = resolve(doc, p);
            let schema = p.get("schema").unwrap_or(&Value::Null);
            FieldView {
                name: field(p, "name"),
                place: field(p, "in"),
                type_name: type_name(schema),
                link: link(schema),
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                description: field(p, "description"),
            }
        })
        .collect()
}

fn bodies(doc: &Value, operation: &Value) -> Vec<BodyView> {
    let body = operation.get("requestBody").map(|b| resolve(doc, b));
    let content = body.and_then(|b| b.get("content"));
    object(content)
        .map(|(content_type, media)| {
            let schema = media.get("schema").unwrap_or(&Value::Null);
            let mut fields = Vec::new();
            collect_fields(doc, schema, "", true, 0, &mut fields);
            BodyView {
                content_type: content_type.clone(),
                type_name: type_name(schema),
                link: link(schema),
                fields,
            }
        })
        .collect()
}

/// The responses by status code, whatever order the attributes listed them in.
fn responses(doc: &Value, operation: &Value) -> Vec<ResponseView> {
    let mut rows: Vec<ResponseView> = object(operation.get("responses"))
        .map(|(status, response)| {
            let response = resolve(doc, response);
            let media = object(response.get("content")).next();
            let schema = media
                .and_then(|(_, m)| m.get("schema"))
                .unwrap_or(&Value::Null);
            ResponseView {
                status: status.clone(),
                description: field(response, "description"),
                content_type: media.map(|(t, _)| t.clone()).unwrap_or_default(),
                type_name: media.map(|_| type_name(schema)).unwrap_or_default(),
                link: link(schema),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.status.cmp(&b.status));
    rows
}

fn schema_views(doc: &Value) -> Vec<SchemaView> {
    object(doc.pointer("/components/schemas"))
        .map(|(name, schema)| {
            let mut fields = Vec::new();
            collect_fields(doc, schema, "", false, 0, &mut fields);
            SchemaView {
                anchor: anchor(name),
                name: name.clone(),
                description: field(schema, "description"),
                type_name: type_name(schema),
                fields,
            }
        })
        .collect()
}

/// The fields of an object schema as rows; with `unfold`, the fields of nested objects too
/// (`recipient.email`, `skills[].name`), so a request body reads in one table.
fn collect_fields(
    doc: &Value,
    schema: &Value,
    prefix: &str,
    unfold: bool,
    depth: usize,
    rows: &mut Vec<FieldView>,
) {
    let schema = resolve(doc, schema);
    for part in parts(schema, "allOf") {
        collect_fields(doc, part, prefix, unfold, depth, rows);
    }
    let required = required(schema);
    for (name, property) in object(schema.get("properties")) {
        let description = describe(doc, property);
        rows.push(FieldView {
            name: format!("{prefix}{name}"),
            place: String::new(),
            type_name: type_name(property),
            link: link(property),
            required: required.contains(&name.as_str()),
            description,
        });
        if unfold && depth < MAX_DEPTH {
            let inner = non_null(doc, property);
            let (inner, suffix) = if is_type(inner, "array") {
                (inner.get("items"), "[].")
            } else {
                (Some(inner), ".")
            };
            if let Some(inner) = inner.map(|i| resolve(doc, i))
                && inner.get("properties").is_some()
            {
                let prefix = format!("{prefix}{name}{suffix}");
                collect_fields(doc, inner, &prefix, unfold, depth + 1, rows);
            }
        }
    }
}

fn paragraphs(text: &str) -> Vec<String> {
    let paragraphs = text
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "));
    paragraphs.filter(|p| !p.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_request_fields_are_unfolded_with_their_paths() {
        let doc = json!({"components": {"schemas": {"Skill": {
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string", "description": "Its name"}}}}}});
        let body = json!({"type": "object", "properties": {
            "skills": {"type": "array", "items": {"$ref": "#/components/schemas/Skill"}},
            "design": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Skill"}]}}});
        let mut rows = Vec::new();
        collect_fields(&doc, &body, "", true, 0, &mut rows);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["skills", "skills[].name", "design", "design.name"]);
        assert!(rows[1].required && !rows[0].required);
        assert_eq!(rows[1].description, "Its name");
    }

    #[test]
    fn descriptions_become_paragraphs_of_single_lines() {
        let text = "Needs the admin role. Only the\nfields given change.\n\nSecond.";
        assert_eq!(
            paragraphs(text),
            [
                "Needs the admin role. Only the fields given change.",
                "Second."
            ]
        );
    }
}
