use serde_json::{json, Map, Value};

use super::sql::{Columns, Dialect};
use super::{Filter, FilterKind};
use crate::policy::Policy;
use crate::{Principal, Request};

fn policy(rules: Value) -> Policy {
    Policy::from_value(&json!({
        "token": {"algorithms": ["HS256"]},
        "keys": {"secret": "0123456789abcdef0123456789abcdef"},
        "rules": rules
    }))
    .unwrap()
}

fn plan(rules: Value, principal: &Principal) -> Filter {
    Filter::plan(&policy(rules).rules, principal, "read", "todo", &Map::new()).unwrap()
}

fn ada() -> Principal {
    Principal::new("ada", vec!["user".into()], None, json!({"sub": "ada"}))
}

#[test]
fn an_ownership_rule_becomes_one_equality() {
    let f = plan(
        json!([{"id": "own", "effect": "permit", "resource": "todo", "actions": ["read"],
                          "when": "resource.owner_id == principal.id"}]),
        &ada(),
    );
    assert_eq!(f.kind(), FilterKind::Conditional);
    assert_eq!(f.to_value()["permits"][0]["when"], json!({"eq": "owner_id", "value": "ada"}));
    let columns = Columns::from_value(&json!({"owner_id": "text"})).unwrap();
    assert_eq!(f.sql(Dialect::Sqlite, &columns).unwrap().text, r#""owner_id" = ?"#);
}

#[test]
fn a_forbid_on_an_attribute_excludes_rows_without_it() {
    let f = plan(
        json!([
        {"id": "all", "effect": "permit", "resource": "todo", "actions": ["read"]},
        {"id": "archived", "effect": "forbid", "resource": "todo", "actions": ["read"],
         "when": "resource.status == 'archived'"}]),
        &ada(),
    );
    let columns = Columns::from_value(&json!({"status": "text"})).unwrap();
    assert_eq!(f.sql(Dialect::Postgres, &columns).unwrap().text, r#""status" <> $1::text"#);
    assert!(!f.matches(&Map::new()));
    assert!(f.matches(json!({"status": "open"}).as_object().unwrap()));
}

#[test]
fn an_error_on_the_left_of_or_is_not_rescued_by_the_right() {
    let f = plan(
        json!([{"id": "p", "effect": "permit", "resource": "todo", "actions": "*",
                          "when": "resource.priority > 2 || resource.owner_id == principal.id"}]),
        &ada(),
    );
    assert!(!f.matches(json!({"owner_id": "ada"}).as_object().unwrap()));
    assert!(f.matches(json!({"owner_id": "ada", "priority": 1}).as_object().unwrap()));
    assert!(!f.matches(json!({"owner_id": "ada", "priority": "high"}).as_object().unwrap()));
}

#[test]
fn known_facts_fold_to_always_and_never() {
    let rules = json!([
        {"id": "own", "effect": "permit", "resource": "todo", "actions": ["read"], "when": "resource.owner_id == principal.id"},
        {"id": "admins", "effect": "permit", "resource": "*", "actions": "*", "when": "'admin' in principal.roles"},
        {"id": "banned", "effect": "forbid", "resource": "*", "actions": "*",
         "when": "principal.claims has banned && principal.claims.banned == true"}]);
    let root = Principal::new("root", vec!["admin".into()], None, json!({}));
    assert_eq!(plan(rules.clone(), &root).kind(), FilterKind::Always);
    let troll = Principal::new("troll", vec!["admin".into()], None, json!({"banned": true}));
    let never = plan(rules, &troll);
    assert_eq!(never.kind(), FilterKind::Never);
    assert_eq!(never.to_value()["forbids"][0]["rule"], "banned");
}

#[test]
fn the_json_form_reads_back() {
    let f = plan(
        json!([
        {"id": "p", "effect": "permit", "resource": "todo", "actions": "*",
         "when": "resource.a < resource.b && (resource has c || 'x' in resource.tags) && resource.s in ['a', principal.id]"},
        {"id": "f", "effect": "forbid", "resource": "todo", "actions": "*", "when": "!(resource.d >= 3)"}]),
        &ada(),
    );
    let back = Filter::from_value(&f.to_value()).unwrap();
    assert_eq!(back, f);
    assert!(Filter::from_value(&json!({"kind": "always", "action": "read", "resource_type": "todo",
        "permits": [], "forbids": []}))
    .is_err());
}

/// The rows of `authorize` and of `matches` agree, for a few conditions over a few rows.
#[test]
fn matches_agrees_with_authorize() {
    let conditions = [
        "resource.done",
        "!resource.done",
        "resource.done == true || resource.n > 1",
        "resource.n in [1, 2, principal.id]",
        "resource.n == resource.m",
        "resource.n < resource.m",
        "(resource.n == 1) == resource.done",
        "resource has n && !(resource.n != 2)",
        "resource.t in resource.tags",
        "resource == principal.claims",
        "resource.type == 'todo' && resource has type",
        "resource.o.p == 1 || resource.o has p",
    ];
    let rows = [
        json!({}),
        json!({"done": true}),
        json!({"done": false, "n": 1}),
        json!({"n": 2, "m": 2.0}),
        json!({"n": "ada", "m": 3}),
        json!({"n": 1, "m": 0, "done": 1}),
        json!({"t": "x", "tags": ["x"]}),
        json!({"o": {"p": 1}}),
        json!({"o": 5}),
    ];
    for condition in conditions {
        for effect in ["permit", "forbid"] {
            let mut rules =
                vec![json!({"id": "r", "effect": effect, "resource": "todo", "actions": "*", "when": condition})];
            if effect == "forbid" {
                rules.push(json!({"id": "all", "effect": "permit", "resource": "*", "actions": "*"}));
            }
            let p = policy(Value::Array(rules));
            let f = Filter::plan(&p.rules, &ada(), "read", "todo", &Map::new()).unwrap();
            for row in &rows {
                let mut resource = row.as_object().unwrap().clone();
                resource.insert("type".into(), json!("todo"));
                let allowed =
                    crate::policy::decision::decide(&p.rules, &ada(), &Request::new("read", Value::Object(resource)))
                        .allowed;
                assert_eq!(f.matches(row.as_object().unwrap()), allowed, "{effect} when {condition} on {row}");
            }
        }
    }
}

/// An attribute name that is no identifier (`resource has 'a.b'`) is one name, in memory
/// and through the JSON form: never the path a → b.
#[test]
fn attribute_names_with_dots_or_punctuation_stay_one_name() {
    for name in ["a.b", "label; --", "", "x\"y"] {
        let rules = json!([{"id": "p", "effect": "permit", "resource": "todo", "actions": "*",
                            "when": format!("resource has '{}'", name.replace('\'', "\\'"))}]);
        let f = plan(rules, &ada());
        let back = Filter::from_value(&f.to_value()).unwrap();
        assert_eq!(back, f, "{name}");
        let mut flat = Map::new();
        flat.insert(name.to_owned(), json!(1));
        assert!(back.matches(&flat), "{name}");
        assert!(!back.matches(json!({"a": {"b": 1}}).as_object().unwrap()), "{name}");
    }
    let nested = plan(
        json!([{"id": "p", "effect": "permit", "resource": "todo", "actions": "*",
                               "when": "resource.a.b == 1"}]),
        &ada(),
    );
    assert_eq!(nested.to_value()["permits"][0]["when"], json!({"eq": ["a", "b"], "value": 1}));
}
