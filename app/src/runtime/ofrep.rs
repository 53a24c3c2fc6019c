//! The OpenFeature Remote Evaluation Protocol (SPEC §9): one flag,
//! `failover`, evaluated for an agent (the context's `targetingKey`) from its
//! ready document. What an evaluation says of a document is fixed when the
//! document is built ([`Head`]); an answer is that head, then the document's
//! bytes as they are: no serialization per request.

use std::borrow::Cow;

use axum::body::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::doc::{FailoverDocument, RuntimeAction};

/// The one flag Relais serves.
pub const FLAG_KEY: &str = "failover";

/// Why a request names no agent, as OFREP's error codes (HTTP 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextError {
    /// The body is not a JSON object.
    Parse,
    /// No `context.targetingKey`, or an empty one.
    TargetingKeyMissing,
    /// `context` is not an object, or its `targetingKey` is not a string.
    InvalidContext,
}

impl ContextError {
    pub fn code(self) -> &'static str {
        match self {
            ContextError::Parse => "PARSE_ERROR",
            ContextError::TargetingKeyMissing => "TARGETING_KEY_MISSING",
            ContextError::InvalidContext => "INVALID_CONTEXT",
        }
    }

    pub fn details(self) -> &'static str {
        match self {
            ContextError::Parse => "The body is not a JSON object.",
            ContextError::TargetingKeyMissing => {
                "Send the agent's id as context.targetingKey (a non-empty string)."
            }
            ContextError::InvalidContext => {
                "context must be an object and context.targetingKey a string (the agent's id)."
            }
        }
    }
}

#[derive(Deserialize)]
struct Request<'a> {
    #[serde(borrow, default)]
    context: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Context<'a> {
    #[serde(rename = "targetingKey", borrow, default)]
    targeting_key: Option<&'a RawValue>,
}

/// The agent id an evaluation request names (`{"context": {"targetingKey": …}}`).
pub fn targeting_key(body: &[u8]) -> Result<Cow<'_, str>, ContextError> {
    // An object (serde would also read a struct from an array).
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(ContextError::Parse);
    }
    let req: Request = serde_json::from_slice(body).map_err(|_| ContextError::Parse)?;
    let Some(context) = req.context.filter(|c| c.get() != "null") else {
        return Err(ContextError::TargetingKeyMissing);
    };
    if !context.get().starts_with('{') {
        return Err(ContextError::InvalidContext);
    }
    let context: Context =
        serde_json::from_str(context.get()).map_err(|_| ContextError::InvalidContext)?;
    let Some(key) = context.targeting_key.filter(|k| k.get() != "null") else {
        return Err(ContextError::TargetingKeyMissing);
    };
    let key: Cow<str> =
        serde_json::from_str(key.get()).map_err(|_| ContextError::InvalidContext)?;
    if key.is_empty() {
        return Err(ContextError::TargetingKeyMissing);
    }
    Ok(key)
}

/// What an evaluation says of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Whether the document has something to run (failover on with a plan,
    /// or an emergency): `TARGETING_MATCH` with the document as the value;
    /// otherwise `DISABLED` without a value (the caller's default applies).
    pub runs: bool,
    /// The type of the action that runs first (the emergency's, during one),
    /// or `disabled`.
    pub variant: &'static str,
    pub revision: i64,
}

fn action_type(a: &RuntimeAction) -> &'static str {
    match a {
        RuntimeAction::Workflow { .. } => "workflow",
        RuntimeAction::SayMessage { .. } => "say_message",
        RuntimeAction::Transfer { .. } => "transfer",
    }
}

impl Head {
    pub fn of(doc: &FailoverDocument) -> Head {
        let first = doc
            .emergency
            .as_ref()
            .map(|e| &e.action)
            .or(doc.action.as_ref().filter(|_| doc.enabled));
        Head {
            runs: first.is_some(),
            variant: first.map_or("disabled", action_type),
            revision: doc.revision,
        }
    }

    /// The head of a serialized document (one read from the snapshot file).
    pub fn peek(body: &[u8]) -> Option<Head> {
        #[derive(Deserialize)]
        struct Action<'a> {
            #[serde(rename = "type", borrow)]
            kind: Cow<'a, str>,
        }
        #[derive(Deserialize)]
        struct Emergency<'a> {
            #[serde(borrow)]
            action: Action<'a>,
        }
        #[derive(Deserialize)]
        struct Doc<'a> {
            enabled: bool,
            #[serde(borrow)]
            action: Option<Action<'a>>,
            #[serde(borrow)]
            emergency: Option<Emergency<'a>>,
            revision: i64,
        }
        let d: Doc = serde_json::from_slice(body).ok()?;
        let first = d
            .emergency
            .map(|e| e.action)
            .or(d.action.filter(|_| d.enabled));
        let variant = match first.as_ref().map(|a| &*a.kind) {
            None => "disabled",
            Some("workflow") => "workflow",
            Some("say_message") => "say_message",
            Some("transfer") => "transfer",
            Some(_) => return None,
        };
        Some(Head {
            runs: first.is_some(),
            variant,
            revision: d.revision,
        })
    }
}

/// One flag's evaluation into `out`: `{"key":"failover","reason":…,
/// "variant":…,"metadata":{"revision":…},"value":<document>}` (no value when
/// disabled).
fn evaluation(head: &Head, doc: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"key\":\"failover\",\"reason\":\"");
    out.extend_from_slice(if head.runs {
        b"TARGETING_MATCH"
    } else {
        b"DISABLED"
    });
    out.extend_from_slice(b"\",\"variant\":\"");
    out.extend_from_slice(head.variant.as_bytes());
    out.extend_from_slice(b"\",\"metadata\":{\"revision\":");
    out.extend_from_slice(itoa::Buffer::new().format(head.revision).as_bytes());
    out.push(b'}');
    if head.runs {
        out.extend_from_slice(b",\"value\":");
        out.extend_from_slice(doc);
    }
    out.push(b'}');
}

/// The answer to a single evaluation.
pub fn single(head: &Head, doc: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(doc.len() + 128);
    evaluation(head, doc, &mut out);
    Bytes::from(out)
}

/// The answer to a bulk evaluation: every flag (the one) for the context.
pub fn bulk(head: &Head, doc: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(doc.len() + 140);
    out.extend_from_slice(b"{\"flags\":[");
    evaluation(head, doc, &mut out);
    out.extend_from_slice(b"]}");
    Bytes::from(out)
}

/// A bulk answer whose one flag could not be evaluated.
pub fn bulk_error(code: &str, details: &str) -> Bytes {
    let flag = serde_json::json!({ "key": FLAG_KEY, "errorCode": code, "errorDetails": details });
    Bytes::from(serde_json::json!({ "flags": [flag] }).to_string())
}

/// An error body: `{"key"?, "errorCode", "errorDetails"}`.
pub fn error(key: Option<&str>, code: &str, details: &str) -> Bytes {
    let body = match key {
        Some(key) => serde_json::json!({ "key": key, "errorCode": code, "errorDetails": details }),
        None => serde_json::json!({ "errorCode": code, "errorDetails": details }),
    };
    Bytes::from(body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_targeting_key_is_read_and_every_bad_context_named() {
        assert_eq!(
            targeting_key(br#"{"context":{"targetingKey":"ag_1","x":[1]}}"#).unwrap(),
            "ag_1"
        );
        assert_eq!(
            targeting_key(br#"{"context":{"targetingKey":"a\u00e9"}}"#).unwrap(),
            "aé"
        );
        for (body, err) in [
            (&b"not json"[..], ContextError::Parse),
            (b"[1]", ContextError::Parse),
            (b"{}", ContextError::TargetingKeyMissing),
            (b"{\"context\":null}", ContextError::TargetingKeyMissing),
            (b"{\"context\":{}}", ContextError::TargetingKeyMissing),
            (
                b"{\"context\":{\"targetingKey\":\"\"}}",
                ContextError::TargetingKeyMissing,
            ),
            (b"{\"context\":[]}", ContextError::InvalidContext),
            (b"{\"context\":\"ag_1\"}", ContextError::InvalidContext),
            (
                b"{\"context\":{\"targetingKey\":42}}",
                ContextError::InvalidContext,
            ),
        ] {
            assert_eq!(
                targeting_key(body).unwrap_err(),
                err,
                "{:?}",
                std::str::from_utf8(body)
            );
        }
    }

    #[test]
    fn answers_are_json_with_the_document_as_value_unless_disabled() {
        let doc = br#"{"agent_id":"a","enabled":true}"#;
        let head = Head {
            runs: true,
            variant: "transfer",
            revision: 7,
        };
        let v: serde_json::Value = serde_json::from_slice(&single(&head, doc)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"key": "failover", "reason": "TARGETING_MATCH", "variant": "transfer",
                "metadata": {"revision": 7}, "value": {"agent_id": "a", "enabled": true}})
        );
        let off = Head {
            runs: false,
            variant: "disabled",
            revision: 0,
        };
        let v: serde_json::Value = serde_json::from_slice(&bulk(&off, doc)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"flags": [{"key": "failover", "reason": "DISABLED",
                "variant": "disabled", "metadata": {"revision": 0}}]})
        );
    }
}
