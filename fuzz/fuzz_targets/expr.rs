//! Rule conditions: any text parses or is refused with a column, never a panic; a parsed
//! condition evaluates to a boolean or an error on every scope, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use wardgate::expr::{Expr, Scope};
use wardgate::Principal;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(expr) = Expr::parse(text) else { return };
    let _ = (expr.constant(), expr.never_true(), expr.unguarded_paths(), expr.source());
    let principals = [
        Principal::new(
            "u1",
            vec!["user".into(), "admin".into()],
            Some("org".into()),
            json!({
                "emailVerified": true, "n": 2.5, "big": 1e308, "neg": -9007199254740993_i64,
                "groups": ["a", "b"], "org": {"plan": {"tier": "pro"}}, "banned": null
            }),
        ),
        Principal::new("", vec![], None, json!({})),
    ];
    let resources = [object(json!({"type": "todo", "owner_id": "u1", "tags": ["a", 1, null], "n": 3})), Map::new()];
    let context = object(json!({"ip": "::1", "depth": {"a": {"b": [1, 2]}}}));
    for principal in &principals {
        for resource in &resources {
            let scope = Scope { principal, action: "read", resource, context: &context };
            let _ = expr.evaluate(&scope);
        }
    }
});
