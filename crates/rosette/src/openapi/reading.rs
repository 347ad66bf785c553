//! Reading the OpenAPI document as JSON: following `$ref`s, naming types for people, and
//! making example bodies from schemas.

use serde_json::{Map, Value};

/// How deep schemas are unfolded (`skills[].name` is two levels); it also bounds the walk
/// if a schema ever refers to itself.
pub const MAX_DEPTH: usize = 4;

/// A small valid body for `schema`: its required fields, each with its example or a value
/// of its type. The docs page shows it in the curl examples, and the tests send it.
pub fn example_body(document: &Value, schema: &Value) -> Value {
    example(document, schema, 0)
}

fn example(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if let Some(value) = schema
        .get("example")
        .or_else(|| schema.pointer("/examples/0"))
    {
        return value.clone();
    }
    let inner = non_null(doc, schema);
    if !std::ptr::eq(inner, schema) {
        return example(doc, inner, depth);
    }
    let mut body = Map::new();
    for part in parts(schema, "allOf") {
        if let Value::Object(fields) = example(doc, part, depth) {
            body.extend(fields);
        }
    }
    if schema.get("properties").is_some() || is_type(schema, "object") {
        for name in required(schema) {
            let property = &schema["properties"][name];
            let value = if depth < MAX_DEPTH {
                example(doc, property, depth + 1)
            } else {
                Value::Null
            };
            body.insert(name.to_owned(), value);
        }
        return Value::Object(body);
    }
    if !body.is_empty() {
        return Value::Object(body);
    }
    scalar_example(schema)
}

fn scalar_example(schema: &Value) -> Value {
    if let Some(first) = schema.pointer("/enum/0") {
        return first.clone();
    }
    if is_type(schema, "string") {
        "text".into()
    } else if is_type(schema, "integer") || is_type(schema, "number") {
        1.into()
    } else if is_type(schema, "boolean") {
        false.into()
    } else if is_type(schema, "array") {
        Value::Array(Vec::new())
    } else {
        Value::Null
    }
}

/// A type as people read it: `string`, `integer or null`, `array of Skill`, `AwardStatus`.
pub(super) fn type_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        let names: Vec<String> = parts(schema, combinator).map(type_name).collect();
        if !names.is_empty() {
            return names.join(" or ");
        }
    }
    let types: Vec<String> = match schema.get("type") {
        Some(Value::Array(types)) => types.iter().map(to_text).collect(),
        Some(t) => vec![to_text(t)],
        None => return "any".to_owned(),
    };
    let types: Vec<String> = types
        .into_iter()
        .map(|t| match t.as_str() {
            "array" => {
                let items = schema.get("items").unwrap_or(&Value::Null);
                format!("array of {}", type_name(items))
            }
            "string" if schema.get("enum").is_some() => {
                let values = schema["enum"].as_array().into_iter().flatten();
                let values: Vec<String> = values.map(to_text).collect();
                format!("one of {}", values.join(", "))
            }
            _ => t,
        })
        .collect();
    types.join(" or ")
}

/// The anchor of the first named schema in a type, to link its row to the schema's table.
pub(super) fn link(schema: &Value) -> Option<String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().map(anchor);
    }
    let nested = ["oneOf", "anyOf", "allOf"]
        .into_iter()
        .flat_map(|c| parts(schema, c))
        .chain(schema.get("items"));
    nested.into_iter().find_map(link)
}

pub(super) fn anchor(name: &str) -> String {
    format!("schema-{name}")
}

/// Follows `$ref`s inside the document (a few at most, so a cycle cannot hang the page).
pub(super) fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match reference.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

/// The one schema that is not `null` in `oneOf`/`anyOf` (how `Option<T>` is written), or
/// the schema itself.
pub(super) fn non_null<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let schema = resolve(doc, schema);
    for combinator in ["oneOf", "anyOf"] {
        let others: Vec<&Value> = parts(schema, combinator)
            .filter(|p| !is_type(p, "null"))
            .collect();
        if let [only] = others.as_slice() {
            return resolve(doc, only);
        }
    }
    schema
}

/// A property's description: its own, or the one utoipa put beside the `$ref` inside the
/// `oneOf` of an `Option`, or the referenced schema's.
pub(super) fn describe(doc: &Value, property: &Value) -> String {
    let beside = ["oneOf", "anyOf", "allOf"]
        .into_iter()
        .flat_map(|c| parts(property, c))
        .chain([property]);
    beside
        .map(|s| field(s, "description"))
        .chain([field(resolve(doc, property), "description")])
        .find(|d| !d.is_empty())
        .unwrap_or_default()
}

pub(super) fn parts<'a>(schema: &'a Value, combinator: &str) -> impl Iterator<Item = &'a Value> {
    schema
        .get(combinator)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

pub(super) fn required(schema: &Value) -> Vec<&str> {
    let list = schema.get("required").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

pub(super) fn is_type(schema: &Value, name: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == name,
        Some(Value::Array(types)) => types.iter().any(|t| t == name),
        _ => false,
    }
}

pub(super) fn object(value: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    value.and_then(Value::as_object).into_iter().flatten()
}

pub(super) fn field(value: &Value, name: &str) -> String {
    value.get(name).map(to_text).unwrap_or_default()
}

pub(super) fn to_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn types_read_as_words() {
        let nullable = json!({"type": ["integer", "null"]});
        assert_eq!(type_name(&nullable), "integer or null");
        let list = json!({"type": "array", "items": {"$ref": "#/components/schemas/Skill"}});
        assert_eq!(type_name(&list), "array of Skill");
        assert_eq!(link(&list).as_deref(), Some("schema-Skill"));
        let status = json!({"type": "string", "enum": ["active", "revoked"]});
        assert_eq!(type_name(&status), "one of active, revoked");
    }

    #[test]
    fn examples_hold_the_required_fields_only() {
        let doc = json!({"components": {"schemas": {"Recipient": {
            "type": "object", "required": ["email"],
            "properties": {"email": {"type": "string", "example": "ada@example.org"},
                           "name": {"type": ["string", "null"]}}}}}});
        let schema = json!({"type": "object", "required": ["recipient", "count"],
            "properties": {"recipient": {"$ref": "#/components/schemas/Recipient"},
                           "count": {"type": "integer"}, "note": {"type": "string"}}});
        assert_eq!(
            example_body(&doc, &schema),
            json!({"recipient": {"email": "ada@example.org"}, "count": 1})
        );
    }
}
