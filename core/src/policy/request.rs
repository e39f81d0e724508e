//! What a caller asks to do: an action on a resource, with optional context.

use serde_json::{Map, Value};

/// An authorization request: `action` on `resource` (whose `type` selects the rules),
/// with free-form `context`.
///
/// ```
/// use wardgate::Request;
/// use serde_json::json;
///
/// let req = Request::new("read", json!({"type": "todo", "owner_id": "u1"}));
/// assert_eq!(req.resource_type(), Some("todo"));
/// let req = req.with_context(json!({"ip": "127.0.0.1"}));
/// assert_eq!(req.context["ip"], "127.0.0.1");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Request {
    /// The action, compared exactly with each rule's `actions`.
    pub action: String,
    /// The resource's attributes; `type` is compared with each rule's `resource`.
    pub resource: Map<String, Value>,
    /// Anything else the rules may read as `context.NAME`.
    pub context: Map<String, Value>,
}

impl Request {
    /// A request without context. A `resource` that is not a JSON object counts as
    /// an empty object (and so has no `type`: every such request is denied).
    pub fn new(action: impl Into<String>, resource: Value) -> Self {
        Request { action: action.into(), resource: into_object(resource), context: Map::new() }
    }

    /// The same request with `context` (a JSON object; anything else counts as empty).
    pub fn with_context(mut self, context: Value) -> Self {
        self.context = into_object(context);
        self
    }

    /// The resource's `type`, when it is a string.
    pub fn resource_type(&self) -> Option<&str> {
        self.resource.get("type").and_then(Value::as_str)
    }
}

fn into_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
