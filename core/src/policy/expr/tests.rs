use super::*;
use serde_json::json;
use std::sync::Arc;

struct Fixture {
    principal: Principal,
    action: String,
    resource: Map<String, Value>,
    context: Map<String, Value>,
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            principal: Principal {
                id: "u1".into(),
                roles: vec!["user".into(), "editor".into()],
                tenant: Some("org1".into()),
                claims: Arc::new(object(json!({
                    "emailVerified": true,
                    "level": 3,
                    "score": 2.5,
                    "groups": ["a", "b"],
                    "org": {"id": "org1", "plan": {"tier": "pro"}},
                    "name": "secret-name",
                    "weird key": 1
                }))),
            },
            action: "read".into(),
            resource: object(json!({
                "type": "doc",
                "owner_id": "u1",
                "owner": "u1",
                "size": 10,
                "ratio": 1.0,
                "tags": ["x", "y"],
                "meta": {"public": false, "in": 7},
                "nothing": null,
                "nested": {"a": {"b": {"c": 1}}}
            })),
            context: object(json!({"ip": "127.0.0.1", "hour": 13})),
        }
    }

    fn scope(&self) -> Scope<'_> {
        Scope { principal: &self.principal, action: &self.action, resource: &self.resource, context: &self.context }
    }

    fn eval(&self, src: &str) -> Result<bool, EvalError> {
        match Expr::parse(src) {
            Ok(expr) => expr.evaluate(&self.scope()),
            Err(e) => panic!("{src:?} did not parse: {e}"),
        }
    }

    fn yes(&self, src: &str) {
        assert_eq!(self.eval(src), Ok(true), "{src}");
    }

    fn no(&self, src: &str) {
        assert_eq!(self.eval(src), Ok(false), "{src}");
    }

    fn fails(&self, src: &str) -> String {
        match self.eval(src) {
            Err(e) => e.message,
            Ok(b) => panic!("{src:?} evaluated to {b}"),
        }
    }
}

fn parse_err(src: &str) -> ParseError {
    match Expr::parse(src) {
        Ok(expr) => panic!("{src:?} parsed: {expr:?}"),
        Err(e) => e,
    }
}

fn expr(src: &str) -> Expr {
    match Expr::parse(src) {
        Ok(expr) => expr,
        Err(e) => panic!("{src:?} did not parse: {e}"),
    }
}

#[test]
fn policy_examples() {
    let f = Fixture::new();
    f.yes("resource.owner_id == principal.id");
    f.yes("principal.claims.emailVerified == true");
    f.no("'admin' in principal.roles");
    f.yes("'editor' in principal.roles");
    f.no("principal.claims has banned && principal.claims.banned == true");
    let mut banned = Fixture::new();
    Arc::make_mut(&mut banned.principal.claims).insert("banned".into(), json!(true));
    banned.yes("principal.claims has banned && principal.claims.banned == true");
}

#[test]
fn paths_read_the_scope() {
    let f = Fixture::new();
    f.yes("principal.id == 'u1'");
    f.yes("principal.tenant == 'org1'");
    f.yes("principal.roles == ['user', 'editor']");
    f.yes("['user', 'editor'] == principal.roles");
    f.no("principal.roles == ['editor', 'user']");
    f.yes("principal.claims.org.plan.tier == 'pro'");
    f.yes("action == 'read'");
    f.yes("resource.type == 'doc'");
    f.yes("resource.meta.in == 7");
    f.yes("context.ip == '127.0.0.1'");
    f.yes("resource.nothing == null");
    f.yes("resource.meta == resource.meta");
    f.yes("principal.claims.groups == ['a', 'b']");
    f.yes("context == context");
    let mut no_tenant = Fixture::new();
    no_tenant.principal.tenant = None;
    no_tenant.yes("principal.tenant == null");
}

#[test]
fn literals_and_escapes() {
    let f = Fixture::new();
    f.yes(r#"'it\'s' == "it's""#);
    f.yes(r#""a\"b" == 'a"b'"#);
    f.yes(r"'a\\b' != 'ab'");
    f.yes(r"'\u00e9' == 'é'");
    f.yes(r"'\ud83d\ude00' == '😀'");
    f.yes(r"'\n\r\t' != 'nrt'");
    f.yes("-5 < 0");
    f.yes("[] == []");
    f.yes("[1, [2, 'x']] == [1, [2, 'x']]");
    f.yes("[resource.ratio, [2, 'x']] == [1, [2, 'x']]");
    f.yes("null == null");
    f.yes("true != false");
    f.yes("[principal.id, action] == ['u1', 'read']");
}

#[test]
fn type_mismatch_equality() {
    let f = Fixture::new();
    f.no("1 == '1'");
    f.yes("1 != '1'");
    f.no("null == false");
    f.yes("null != false");
    f.no("principal.id == 5");
    f.no("[] == resource");
    f.no("resource.size == '10'");
    f.no("principal.roles == 'user'");
    f.yes("principal.roles != 'user'");
}

#[test]
fn numeric_comparisons() {
    let f = Fixture::new();
    f.yes("1 < 2");
    f.no("2 < 2");
    f.yes("2 <= 2");
    f.yes("3 > 2");
    f.no("2 > 2");
    f.yes("2 >= 2");
    f.yes("resource.ratio == 1");
    f.yes("1 == resource.ratio");
    f.yes("principal.claims.score > 2");
    f.yes("principal.claims.score < 3");
    f.yes("principal.claims.score >= principal.claims.score");
    f.yes("resource.size >= 10 && resource.size <= 10");
    f.yes("-9223372036854775808 < 9223372036854775807");
    f.yes("context.hour > 12 && context.hour < 18");
}

#[test]
fn ordering_errors() {
    let f = Fixture::new();
    assert!(f.fails("'a' < 'b'").contains("numbers"));
    assert!(f.fails("principal.id <= 5").contains("numbers"));
    assert!(f.fails("null > 1").contains("numbers"));
    assert!(f.fails("[1] >= [1]").contains("numbers"));
    assert!(f.fails("true < false").contains("numbers"));
}

#[test]
fn membership() {
    let f = Fixture::new();
    f.yes("'x' in resource.tags");
    f.no("'z' in resource.tags");
    f.yes("1 in [1, 2]");
    f.yes("resource.ratio in [1, 2]");
    f.yes("principal.id in ['u2', resource.owner_id]");
    f.no("principal.id in ['u2', action]");
    f.no("1 in []");
    f.yes("[1] in [[1], 2]");
    f.yes("'a' in principal.claims.groups");
    f.no("5 in principal.roles");
    let message = f.fails("'x' in resource.owner_id");
    assert_eq!(message, "'in' needs a list on its right side, but resource.owner_id is a string");
    assert!(f.fails("'x' in 'xyz'").contains("needs a list"));
    assert!(f.fails("'x' in resource").contains("needs a list"));
    // Every element of a list expression is evaluated.
    assert!(f.fails("1 in [1, resource.missing]").contains("resource.missing does not exist"));
}

#[test]
fn has_operator() {
    let f = Fixture::new();
    f.yes("resource has owner_id");
    f.no("resource has owner_idx");
    f.yes("principal.claims has emailVerified");
    f.yes("principal.claims has 'weird key'");
    f.yes("resource.meta has in");
    f.yes("resource.nested.a has b");
    f.yes("context has ip");
    // not an object: false
    f.no("resource.owner has x");
    f.no("principal.id has x");
    f.no("resource.nothing has x");
    // missing left side: error
    assert_eq!(f.fails("resource.missing has x"), "resource.missing does not exist");
}

#[test]
fn logical_operators() {
    let f = Fixture::new();
    f.yes("true && true");
    f.no("true && false");
    f.yes("false || true");
    f.no("false || false");
    f.no("!true");
    f.yes("!false");
    f.yes("!!true");
    f.yes("true && true && true");
    f.no("true && true && false");
    f.yes("false || false || true");
    assert!(f.fails("!5").contains("'!' needs a boolean"));
    assert!(f.fails("true && 5").contains("'&&' needs a boolean"));
    assert!(f.fails("5 && false").contains("'&&'"));
    assert!(f.fails("false || 'x'").contains("'||' needs a boolean"));
    assert!(f.fails("null || true").contains("'||'"));
}

#[test]
fn short_circuit() {
    let f = Fixture::new();
    f.no("false && resource.missing == 1");
    f.no("false && 5");
    f.yes("true || 5");
    f.yes("true || resource.missing");
    f.no("resource has missing && resource.missing.x == 1");
    f.yes("!(resource has missing) || resource.missing < 5");
    f.no("principal.claims has banned && principal.claims.banned == true");
    assert_eq!(f.fails("true && resource.missing"), "resource.missing does not exist");
}

#[test]
fn precedence_between_levels() {
    let f = Fixture::new();
    // || vs &&: true || (false && false)
    f.yes("true || false && false");
    // && vs ||: (false && true) || true
    f.yes("false && true || true");
    // && vs !: (!false) && true
    f.yes("!false && true");
    // ! vs comparison: !(1 == 2)
    f.yes("!1 == 2");
    f.yes("!resource.size == 11");
    // comparison vs in: ('user' in roles) == true
    f.yes("'user' in principal.roles == true");
    f.yes("false == 'admin' in principal.roles");
    // in vs has: (resource has type) in [true]
    f.yes("resource has type in [true]");
    // has vs comparison: (resource has x) == false
    f.yes("resource has x == false");
    // parentheses override
    f.no("(true || false) && false");
    f.yes("(!(1 == 1)) == false");
}

#[test]
fn missing_paths() {
    let f = Fixture::new();
    assert_eq!(f.fails("resource.owner_idx == principal.id"), "resource.owner_idx does not exist");
    assert_eq!(f.fails("resource.owner.id == 'u1'"), "resource.owner.id does not exist");
    assert_eq!(f.fails("resource.nested.a.x.c == 1"), "resource.nested.a.x.c does not exist");
    assert_eq!(f.fails("context.user == 1"), "context.user does not exist");
    assert_eq!(f.fails("principal.claims.banned == true"), "principal.claims.banned does not exist");
    assert_eq!(f.fails("principal.claims.name.first == 'x'"), "principal.claims.name.first does not exist");
}

#[test]
fn errors_never_show_values() {
    let f = Fixture::new();
    for src in [
        "principal.claims.name < 1",
        "'x' in principal.claims.name",
        "!principal.claims.name",
        "principal.claims.name && true",
        "principal.claims.name",
        "principal.claims.name.x == 1",
    ] {
        assert!(!f.fails(src).contains("secret"), "{src}");
    }
}

#[test]
fn non_boolean_condition() {
    let f = Fixture::new();
    assert_eq!(f.fails("5"), "condition is not a boolean");
    assert_eq!(f.fails("principal.id"), "condition is not a boolean");
    assert_eq!(f.fails("resource"), "condition is not a boolean");
    assert_eq!(f.fails("[true]"), "condition is not a boolean");
    assert_eq!(f.fails("null"), "condition is not a boolean");
    f.yes("resource.meta.public == false");
    f.no("resource.meta.public");
}

#[test]
fn parse_error_columns() {
    assert_eq!(parse_err("principal.id == 'abc"), ParseError { column: 17, message: "unterminated string".into() });
    let e = parse_err("user.id == 'x'");
    assert_eq!(e.column, 1);
    assert!(e.message.contains("user"));
    let e = parse_err("principal.foo == 'x'");
    assert_eq!(e.column, 11);
    assert!(e.message.contains("foo"));
    assert_eq!(
        parse_err("principal.id == "),
        ParseError { column: 17, message: "unexpected end of expression".into() }
    );
    assert_eq!(
        parse_err("principal.id == action == 'x'"),
        ParseError { column: 24, message: "comparisons do not chain; add parentheses".into() }
    );
    assert_eq!(
        parse_err("resource.size > 1.5"),
        ParseError { column: 17, message: "only integer literals are supported".into() }
    );
    let deep = format!("{}true{}", "(".repeat(40), ")".repeat(40));
    let e = parse_err(&deep);
    assert_eq!(e.column, 33);
    assert!(e.message.contains("nested too deeply"));
    let long = format!("resource.x == '{}'", "a".repeat(5000));
    let e = parse_err(&long);
    assert_eq!(e.column, 4097);
    assert!(e.message.contains("too long"));
    assert_eq!(parse_err("'é' == x.y").column, 8);
    assert_eq!(parse_err("'abc\\z'").column, 5);
    assert_eq!(parse_err("principal.id.x").column, 14);
    assert_eq!(parse_err("action.x").column, 8);
    assert_eq!(parse_err("principal").column, 1);
    assert_eq!(parse_err("1 in [1] in [[1]]").column, 10);
    assert_eq!(
        parse_err("x").to_string(),
        "column 1: unknown name 'x'; paths start with principal, resource, context or action"
    );
}

#[test]
fn constant_and_never_true() {
    let cases: &[(&str, Option<bool>, bool)] = &[
        ("true", Some(true), false),
        ("false", Some(false), true),
        ("1 == 1", Some(true), false),
        ("-1 < 1", Some(true), false),
        ("[1, [null]] == [1, [null]]", Some(true), false),
        ("'a' in ['a', 'b']", Some(true), false),
        ("!(1 < 2)", Some(false), true),
        ("1 < 'a'", None, true),
        ("5", None, true),
        ("null", None, true),
        ("'a' in 'abc'", None, true),
        ("!5", None, true),
        ("true && 5", None, true),
        ("false && 5", Some(false), true),
        ("true || 5", Some(true), false),
        ("false && resource.x == 1", Some(false), true),
        ("true || resource.x == 1", Some(true), false),
        ("resource.x == 1", None, false),
        ("resource.x == 1 && false", None, true),
        ("resource.x == 1 || true", None, false),
        ("principal.id == 5", None, true),
        ("principal.id != 5", None, false),
        ("principal.id", None, true),
        ("resource", None, true),
        ("principal.id < 5", None, true),
        ("'a' in principal.id", None, true),
        ("principal.id has x", None, true),
        ("resource has x", None, false),
        ("!(resource has x)", None, false),
        ("'admin' in principal.roles", None, false),
        ("principal.tenant == null", None, false),
        ("resource.x", None, false),
        ("[resource.x] == [1]", None, false),
        ("1 in []", Some(false), true),
        ("resource.x in []", None, true),
        ("[1, 1 < 'a'] == [1]", None, true),
        ("action == 'read' && 1 < 'a'", None, true),
    ];
    for (src, constant, never_true) in cases {
        let e = expr(src);
        assert_eq!(e.constant(), *constant, "constant of {src}");
        assert_eq!(e.never_true(), *never_true, "never_true of {src}");
        // Always false: a constant false, or never true without a path that may fail.
        if *constant == Some(false) {
            assert!(e.always_false(), "always_false of {src}");
        }
        assert!(!e.always_false() || *never_true, "always_false of {src}");
    }
}

/// Checks the static analysis against real evaluation on a few requests.
#[test]
fn never_true_is_sound() {
    let fixtures = {
        let mut list = vec![Fixture::new()];
        let mut empty = Fixture::new();
        empty.resource.clear();
        empty.context.clear();
        empty.principal.claims = Arc::default();
        empty.principal.tenant = None;
        empty.principal.roles.clear();
        list.push(empty);
        let mut odd = Fixture::new();
        odd.resource.insert("x".into(), json!(1));
        odd.resource.insert("type".into(), json!(true));
        odd.resource.insert("flag".into(), json!(false));
        list.push(odd);
        list
    };
    for src in [
        "resource.x == 1",
        "resource.x == 1 || true",
        "resource has x",
        "resource.type",
        "!resource.flag",
        "resource.type == true && resource has x",
        "[resource.x] == [1]",
        "resource.x in [1, 'a']",
        "principal.tenant == null",
        "principal.roles == []",
    ] {
        let e = expr(src);
        let any_true = fixtures.iter().any(|f| e.evaluate(&f.scope()) == Ok(true));
        assert!(any_true, "{src} is true for some fixture");
        assert!(!e.never_true(), "{src}");
        assert!(!e.always_false(), "{src}");
    }
}

#[test]
fn unguarded_paths_analysis() {
    let cases: &[(&str, &[&str])] = &[
        ("principal.id == 'x' && 'a' in principal.roles && principal.tenant == null", &[]),
        ("action == 'read' && resource has x && context has y", &[]),
        ("principal.claims has banned && principal.claims.banned == true", &[]),
        ("principal.claims.banned == true", &["principal.claims.banned"]),
        ("principal.claims.banned == true && principal.claims has banned", &["principal.claims.banned"]),
        ("resource.owner_id == principal.id", &["resource.owner_id"]),
        ("resource.a == 1 || resource.b == 2 || resource.a == 3", &["resource.a", "resource.b"]),
        // || with a negated has
        ("!(resource has a) || resource.a == 1", &[]),
        ("resource has a || resource.a == 1", &["resource.a"]),
        ("!(resource has a) && resource.a == 1", &["resource.a"]),
        // nested paths need every step
        ("resource has a && resource.a has b && resource.a.b == 1", &[]),
        ("resource has a && resource.a.b == 1", &["resource.a.b"]),
        ("resource.a has b && resource.a.b == 1", &["resource.a", "resource.a.b"]),
        ("resource has a && resource.a has b && resource.a.b.c == 1", &["resource.a.b.c"]),
        // parentheses are transparent; facts flow into nested operands
        ("(resource has a) && (resource.a == 1 || resource.a == 2)", &[]),
        ("resource has a && (true && resource.a == 1)", &[]),
        // facts from compound operands
        ("(resource has a && resource has b) && resource.a == resource.b", &[]),
        ("!(resource has a && resource has b) || resource.a == resource.b", &[]),
        ("!(!(resource has a) || !(resource has b)) && resource.b == 1", &[]),
        ("(resource has a || resource has b) && resource.a == 1", &["resource.a"]),
        ("(resource has a && resource has b || resource has a) && resource.a == 1", &[]),
        ("(resource has a && resource has b || resource has a) && resource.b == 1", &["resource.b"]),
        // facts do not leak out of the branch that established them
        ("(resource has a && true) || resource.a == 1", &["resource.a"]),
        // conservative: literals contribute no facts, even when they cannot be true
        ("(resource has a || false) && resource.a == 1", &["resource.a"]),
        // a has test must be on the same path
        ("context has a && resource.a == 1", &["resource.a"]),
        ("principal.claims has a && resource.a == 1", &["resource.a"]),
        // not carried through comparisons
        ("(resource has a) == true && resource.a == 1", &["resource.a"]),
        // lists and membership read paths too
        ("principal.id in [resource.a, context.b]", &["resource.a", "context.b"]),
        ("context.x in principal.claims.groups", &["context.x", "principal.claims.groups"]),
        ("resource", &[]),
        ("principal.claims has a", &[]),
    ];
    for (src, expected) in cases {
        let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(expr(src).unguarded_paths(), expected, "{src}");
    }
}

#[test]
fn source_and_traits() {
    let e = expr("  action == 'read'  ");
    assert_eq!(e.source(), "  action == 'read'  ");
    fn assert_traits<T: Send + Sync + Clone + std::fmt::Debug>() {}
    assert_traits::<Expr>();
    assert_traits::<ParseError>();
    assert_traits::<EvalError>();
    let f = Fixture::new();
    assert_eq!(e.clone().evaluate(&f.scope()), Ok(true));
    assert_eq!(EvalError { message: "m".into() }.to_string(), "m");
}

#[test]
fn deep_request_values_do_not_overflow() {
    let mut f = Fixture::new();
    // Built twice: cloning such a value would itself recurse.
    for map in [&mut f.resource, &mut f.context] {
        let mut value = json!(1);
        for _ in 0..100_000 {
            let mut wrapper = Map::new();
            wrapper.insert("a".to_string(), value);
            value = Value::Object(wrapper);
        }
        map.insert("deep".into(), value);
    }
    f.yes("resource.deep == context.deep");
    f.yes("[resource.deep] == [context.deep]");
    f.yes("resource.deep in [context.deep]");
    // serde_json drops nested values recursively; take them apart iteratively.
    for map in [&mut f.resource, &mut f.context] {
        let mut current = map.remove("deep");
        while let Some(Value::Object(mut inner)) = current {
            current = inner.remove("a");
        }
    }
}

const NASTY: &[&str] = &[
    "",
    " ",
    "\0",
    "\u{feff}",
    "'",
    "\"",
    "\\",
    "'\\",
    "'\\u",
    "'\\u{1F600}'",
    "'\\uD800",
    "'\\uDBFF\\u",
    "'\\uDBFF\\uDBFF'",
    "'\\uZZZZ'",
    "-",
    "--1",
    "-9223372036854775809",
    "99999999999999999999999999999999",
    "1.",
    "1.5",
    ".5",
    "1e5",
    "0x10",
    "(",
    ")",
    "[",
    "]",
    "[,]",
    "[1,,2]",
    "((((((((",
    "))))",
    "!",
    "!!!!",
    "&&",
    "||",
    "==",
    "= =",
    "< >",
    "in",
    "has",
    "resource has",
    "resource has has",
    "has has has",
    "resource.",
    "resource..x",
    ".resource",
    "principal.",
    "principal.claims.",
    "principal.id.",
    "action.",
    "true.x",
    "null.x",
    "'a'.x",
    "[1].x",
    "(resource).x",
    "résource.x",
    "resource.ünïcode",
    "😀",
    "'😀' == 😀",
    "a\u{0301}",
    "\u{202e}resource",
    "resource\u{00a0}has x",
    "\t\n\r",
    "1 == 1 == 1 == 1",
    "1 in 1 in 1",
    "1 < 2 > 3",
    "true && || false",
    "true || && false",
    "!(",
    "![",
    "[!",
    "[(",
    "principal.id == 'x' )",
    "'unterminated",
    "\"unterminated",
    "'a' 'b'",
    "1 2",
    "resource has 'x' has 'y'",
    "resource has x.y",
    "context.x in",
    "in [1]",
    "5 has x",
    "principal has x",
];

#[test]
fn nasty_inputs_do_not_panic() {
    let f = Fixture::new();
    let mut inputs: Vec<String> = NASTY.iter().map(|s| s.to_string()).collect();
    inputs.push("(".repeat(10_000));
    inputs.push("!".repeat(10_000));
    inputs.push("[".repeat(10_000));
    inputs.push(format!("{}1{}", "[".repeat(32), "]".repeat(32)));
    inputs.push(format!("{}true{}", "(".repeat(32), ")".repeat(32)));
    inputs.push(format!("{}true", "!".repeat(32)));
    inputs.push("true".to_string() + &" && true".repeat(500));
    inputs.push("1".to_string() + &" == 1".repeat(800));
    inputs.push("é".repeat(4096));
    inputs.push("'".to_string() + &"\\u0041".repeat(600) + "'");
    inputs.push(format!("[{}1]", "1, ".repeat(1300)));
    inputs.push(format!("resource{}", ".a".repeat(2000)));
    // Every prefix of every input as well (the first few hundred characters of long ones).
    let mut all = Vec::new();
    for input in &inputs {
        for (end, _) in input.char_indices().take(300) {
            if let Some(prefix) = input.get(..end) {
                all.push(prefix.to_string());
            }
        }
        all.push(input.clone());
    }
    for input in &all {
        if let Ok(e) = Expr::parse(input) {
            let result = e.evaluate(&f.scope());
            let _ = e.constant();
            // The analysis is sound: what it rules out does not happen.
            assert!(!(e.never_true() && result == Ok(true)), "{input:?} is never true");
            assert!(!e.always_false() || result == Ok(false), "{input:?} is always false");
            let _ = e.unguarded_paths();
        } else if let Err(err) = Expr::parse(input) {
            let chars = input.chars().count();
            assert!(err.column >= 1 && err.column <= chars + 1, "{input:?}: {err}");
        }
    }
}
