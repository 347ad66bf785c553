//! The curl examples of the docs page, made from an operation: its method and path, the
//! token header when it is secured, header parameters that have an example, and one command
//! per request body media type.

use serde_json::Value;

use super::reading::{example_body, field, object, resolve, to_text};

/// The shell variable the examples read the token from.
const TOKEN_VARIABLE: &str = "ROSETTE_TOKEN";

/// One curl command per request body media type (or one for an operation without a body).
pub(super) fn curl_examples(
    doc: &Value,
    server: &str,
    method: &str,
    path: &str,
    operation: &Value,
    secured: bool,
) -> Vec<String> {
    let mut head = Vec::new();
    if secured {
        head.push(format!("-H \"Authorization: Bearer ${TOKEN_VARIABLE}\""));
    }
    head.extend(header_examples(doc, operation));
    let url = format!("\"{server}{}\"", shell_path(path));
    let body = operation.get("requestBody").map(|b| resolve(doc, b));
    let media: Vec<(&String, &Value)> = object(body.and_then(|b| b.get("content"))).collect();
    if media.is_empty() {
        return vec![command(method, false, &url, &head, None)];
    }
    media
        .into_iter()
        .map(|(content_type, media)| {
            let schema = media.get("schema").unwrap_or(&Value::Null);
            let data = body_flags(doc, content_type, schema);
            command(method, true, &url, &head, Some(data))
        })
        .collect()
}

/// `-H "Name: example"` for each header parameter that has an example.
fn header_examples(doc: &Value, operation: &Value) -> Vec<String> {
    let parameters = operation.get("parameters").and_then(Value::as_array);
    parameters
        .into_iter()
        .flatten()
        .map(|p| resolve(doc, p))
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("header"))
        .filter_map(|p| {
            let example = p.get("example")?;
            Some(format!("-H \"{}: {}\"", field(p, "name"), to_text(example)))
        })
        .collect()
}

fn command(
    method: &str,
    has_body: bool,
    url: &str,
    head: &[String],
    data: Option<String>,
) -> String {
    let mut parts = vec![match (method, has_body) {
        ("get", _) | ("post", true) => format!("curl {url}"),
        _ => format!("curl -X {} {url}", method.to_uppercase()),
    }];
    parts.extend(head.iter().cloned());
    parts.extend(data);
    parts.join(" \\\n  ")
}

/// The curl flags that send a body of this media type.
fn body_flags(doc: &Value, content_type: &str, schema: &Value) -> String {
    let resolved = resolve(doc, schema);
    if content_type == "multipart/form-data" {
        let fields =
            object(resolved.get("properties")).map(|(name, _)| format!("-F {name}=@badge.png"));
        return fields.collect::<Vec<_>>().join(" ");
    }
    if content_type.ends_with("json") && resolved.get("properties").is_some() {
        let body = example_body(doc, schema);
        let body = serde_json::to_string_pretty(&body).unwrap_or_default();
        let body = body.replace('\'', "'\\''").replace('\n', "\n  ");
        return format!("-H \"Content-Type: {content_type}\" \\\n  -d '{body}'");
    }
    let file = if content_type.ends_with("json") {
        "credential.json"
    } else if content_type.contains("gzip") || content_type.contains("tar") {
        "track.tgz"
    } else {
        "credential.jwt"
    };
    format!("-H \"Content-Type: {content_type}\" \\\n  --data-binary @{file}")
}

/// `/api/v1/issuers/{id}` as `/api/v1/issuers/${ID}`: curl would read braces as a glob.
fn shell_path(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some((before, after)) = rest.split_once('{') {
        let (name, tail) = after.split_once('}').unwrap_or((after, ""));
        out.push_str(before);
        out.push_str(&format!("${{{}}}", name.to_uppercase()));
        rest = tail;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_become_shell_variables() {
        assert_eq!(
            shell_path("/api/v1/issuers/{id}/archive"),
            "/api/v1/issuers/${ID}/archive"
        );
        assert_eq!(shell_path("/api/v1/awards"), "/api/v1/awards");
    }
}
