//! List filters, proven against `authorize` and against real databases.
//!
//! The property test draws policies from a grammar that spans the whole condition language
//! over a fixed table (see `support/filter_db.rs`), with random principals, contexts and rows
//! full of `NULL`s and boundary values. For every case and every row, the filter's verdict in
//! memory and the rows its SQL selects in SQLite (and in PostgreSQL, when
//! `WARDGATE_TEST_POSTGRES_URL` names a server) must be exactly the rows `authorize` allows.
//!
//! `PROPTEST_CASES` sets the number of cases (default: [`DEFAULT_CASES`]).
//!
//! The example tests below pin the semantics that list filters most often get wrong, with
//! the expected rows written out by hand.

#[path = "support/filter_db.rs"]
mod filter_db;

use std::sync::atomic::{AtomicUsize, Ordering};

use filter_db::{check_sql_text, columns, columns_json, say_postgres_skipped, Database, Postgres, Row, Sqlite};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestError, TestRunner};
use serde_json::{json, Map, Number, Value};
use wardgate::filter::sql::Dialect;
use wardgate::filter::{Filter, FilterKind};
use wardgate::{Engine, Principal, Request};

/// Cases per run unless `PROPTEST_CASES` says otherwise (about 25 s in a debug build on two
/// cores, PostgreSQL included).
const DEFAULT_CASES: u32 = 2000;

/// The resource type every filter is planned for.
const TYPE: &str = "todo";

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

/// Strings for literals, principals, contexts and rows: quotes, SQL comment and statement
/// separators, NUL, non-ASCII, and strings that look like other types.
const TEXTS: [&str; 26] = [
    "",
    "ada",
    "bob",
    "open",
    "closed",
    "r1",
    "r2",
    "admin",
    "user",
    "it's",
    "\"quoted\"",
    "--",
    ";",
    "'; DROP TABLE items; --",
    "a\0b",
    "\0",
    "é",
    "日本語",
    "ada ",
    "ADA",
    "1",
    "true",
    "null",
    "a\\b",
    "owner_id",
    "x\ny",
];

const INTEGERS: [i64; 14] = [
    0,
    1,
    2,
    3,
    -1,
    100,
    i64::MIN,
    i64::MAX,
    (1 << 53) - 1,
    1 << 53,
    (1 << 53) + 1,
    -(1 << 53) - 1,
    i64::MIN + 1,
    i64::MAX - 1,
];

const REALS: [f64; 19] = [
    0.0,
    -0.0,
    0.5,
    -0.5,
    1.0,
    2.0,
    2.5,
    3.0,
    -1.0,
    100.0,
    1e300,
    -1e300,
    9_007_199_254_740_992.0,
    9_007_199_254_740_994.0,
    9_223_372_036_854_775_808.0,
    -9_223_372_036_854_775_808.0,
    f64::MIN_POSITIVE,
    5e-324,
    1.5,
];

fn text() -> impl Strategy<Value = String> {
    select(&TEXTS[..]).prop_map(str::to_owned)
}

fn integer() -> impl Strategy<Value = i64> {
    prop_oneof![3 => select(&INTEGERS[..]), 2 => -2i64..5]
}

fn real() -> impl Strategy<Value = f64> {
    prop_oneof![3 => select(&REALS[..]), 1 => (-4i32..8).prop_map(|n| f64::from(n) / 2.0)]
}

fn real_json(f: f64) -> Value {
    Value::Number(Number::from_f64(f).expect("finite"))
}

/// A JSON number: integers, integers beyond `i64` (as JSON reads them, `u64`), fractions.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => integer().prop_map(Value::from),
        2 => real().prop_map(real_json),
        1 => select(&[1u64 << 63, u64::MAX][..]).prop_map(Value::from),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => text().prop_map(Value::String),
        3 => number(),
        2 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
    ]
}

/// Any JSON value, as claims, context members and in-memory resources hold them.
fn json_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => scalar(),
        2 => prop::collection::vec(scalar(), 0..4).prop_map(Value::Array),
        1 => text().prop_map(|id| json!({ "id": id })),
        1 => Just(json!({})),
    ]
}

// ---------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------

/// A condition, rendered fully parenthesised.
#[derive(Debug, Clone)]
enum Expr {
    Int(i64),
    Str(String),
    Bool(bool),
    Null,
    Path(&'static str),
    List(Vec<Expr>),
    Has(&'static str, &'static str),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Cmp(&'static str, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Box<Expr>),
}

fn quote(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if c < ' ' || c == '\u{7f}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

impl Expr {
    fn render(&self) -> String {
        match self {
            Expr::Int(i) => i.to_string(),
            Expr::Str(s) => quote(s),
            Expr::Bool(b) => b.to_string(),
            Expr::Null => "null".into(),
            Expr::Path(p) => (*p).into(),
            Expr::List(items) => format!("[{}]", items.iter().map(Expr::render).collect::<Vec<_>>().join(", ")),
            Expr::Has(path, name) => format!("{path} has {name}"),
            Expr::Not(inner) => format!("!{}", inner.operand()),
            Expr::And(items) => items.iter().map(Expr::operand).collect::<Vec<_>>().join(" && "),
            Expr::Or(items) => items.iter().map(Expr::operand).collect::<Vec<_>>().join(" || "),
            Expr::Cmp(op, a, b) => format!("{} {op} {}", a.operand(), b.operand()),
            Expr::In(a, b) => format!("{} in {}", a.operand(), b.operand()),
        }
    }

    /// The expression as an operand: atoms bare, anything else in parentheses.
    fn operand(&self) -> String {
        match self {
            Expr::Int(_) | Expr::Str(_) | Expr::Bool(_) | Expr::Null | Expr::Path(_) | Expr::List(_) => self.render(),
            _ => format!("({})", self.render()),
        }
    }
}

/// Resource paths, weighted by repetition: the table's columns, `type`, the whole resource,
/// paths below a column (never present), and attributes that only in-memory resources hold
/// (the SQL refuses them as unknown columns).
const RESOURCE_PATHS: [&str; 28] = [
    "resource.id",
    "resource.owner_id",
    "resource.owner_id",
    "resource.owner_id",
    "resource.status",
    "resource.status",
    "resource.status",
    "resource.priority",
    "resource.priority",
    "resource.priority",
    "resource.priority",
    "resource.score",
    "resource.score",
    "resource.score",
    "resource.done",
    "resource.done",
    "resource.locked",
    "resource.locked",
    "resource.type",
    "resource.type",
    "resource",
    "resource.owner_id.id",
    "resource.score.value",
    "resource.type.name",
    "resource.owner.id",
    "resource.owner",
    "resource.tags",
    "resource.done",
];

/// Everything else a condition may read.
const OTHER_PATHS: [&str; 20] = [
    "principal.id",
    "principal.id",
    "principal.roles",
    "principal.tenant",
    "principal.claims",
    "principal.claims.banned",
    "principal.claims.level",
    "principal.claims.level",
    "principal.claims.team",
    "principal.claims.tags",
    "principal.claims.org.id",
    "principal.claims.nothing",
    "context",
    "context.owner",
    "context.threshold",
    "context.threshold",
    "context.allowed",
    "context.flag",
    "context.user.id",
    "action",
];

/// Lists a needle may be looked up in.
const LIST_PATHS: [&str; 6] = [
    "principal.roles",
    "principal.claims.tags",
    "context.allowed",
    "resource.tags",
    "principal.claims.team",
    "context",
];

const HAS_PATHS: [&str; 10] = [
    "resource",
    "resource",
    "resource",
    "resource.owner",
    "resource.owner_id",
    "resource.type",
    "principal.claims",
    "principal.claims.org",
    "context",
    "context.user",
];

const HAS_NAMES: [&str; 10] = ["owner_id", "priority", "score", "done", "id", "type", "banned", "user", "x", "tags"];

const OPS: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];

fn literal() -> impl Strategy<Value = Expr> {
    prop_oneof![
        3 => integer().prop_map(Expr::Int),
        3 => text().prop_map(Expr::Str),
        1 => any::<bool>().prop_map(Expr::Bool),
        1 => Just(Expr::Null),
    ]
}

fn resource_path() -> impl Strategy<Value = Expr> {
    select(&RESOURCE_PATHS[..]).prop_map(Expr::Path)
}

/// A value: a resource path, a principal or context path, a literal, or a list of those.
fn value() -> impl Strategy<Value = Expr> {
    let atom = prop_oneof![
        5 => resource_path(),
        3 => select(&OTHER_PATHS[..]).prop_map(Expr::Path),
        4 => literal(),
    ];
    prop_oneof![
        8 => atom.clone(),
        1 => prop::collection::vec(atom, 0..4).prop_map(Expr::List),
    ]
}

/// What `in` looks a needle up in: literal lists, lists holding paths, list-valued paths,
/// and things that are not lists.
fn haystack() -> impl Strategy<Value = Expr> {
    prop_oneof![
        3 => prop::collection::vec(literal(), 0..4).prop_map(Expr::List),
        3 => prop::collection::vec(value(), 0..4).prop_map(Expr::List),
        3 => select(&LIST_PATHS[..]).prop_map(Expr::Path),
        1 => value(),
    ]
}

/// A comparison with a resource attribute on one side (mostly), either way round.
fn comparison() -> impl Strategy<Value = Expr> {
    (select(&OPS[..]), prop_oneof![4 => resource_path(), 1 => value()], value(), any::<bool>()).prop_map(
        |(op, a, b, swap)| {
            let (a, b) = if swap { (b, a) } else { (a, b) };
            Expr::Cmp(op, Box::new(a), Box::new(b))
        },
    )
}

/// Where a text value may come from.
const TEXT_SOURCES: [&str; 9] = [
    "principal.id",
    "principal.id",
    "principal.tenant",
    "principal.claims.team",
    "principal.claims.org.id",
    "context.owner",
    "context.user.id",
    "resource.owner_id",
    "resource.status",
];

/// Where a number may come from.
const NUMBER_SOURCES: [&str; 5] =
    ["context.threshold", "principal.claims.level", "resource.priority", "resource.score", "context.threshold"];

/// Where a boolean may come from.
const BOOLEAN_SOURCES: [&str; 4] = ["context.flag", "principal.claims.banned", "resource.done", "resource.locked"];

const TEXT_COLUMNS: [&str; 4] = ["resource.owner_id", "resource.status", "resource.id", "resource.owner_id"];
const NUMBER_COLUMNS: [&str; 2] = ["resource.priority", "resource.score"];
const BOOLEAN_COLUMNS: [&str; 2] = ["resource.done", "resource.locked"];

fn path(paths: &'static [&'static str]) -> impl Strategy<Value = Expr> {
    select(paths).prop_map(Expr::Path)
}

fn text_operand() -> impl Strategy<Value = Expr> {
    prop_oneof![2 => text().prop_map(Expr::Str), 3 => path(&TEXT_SOURCES)]
}

fn number_operand() -> impl Strategy<Value = Expr> {
    prop_oneof![2 => integer().prop_map(Expr::Int), 3 => path(&NUMBER_SOURCES)]
}

fn boolean_operand() -> impl Strategy<Value = Expr> {
    prop_oneof![1 => any::<bool>().prop_map(Expr::Bool), 2 => path(&BOOLEAN_SOURCES)]
}

fn cmp(op: &'static str, a: Expr, b: Expr, swap: bool) -> Expr {
    let (a, b) = if swap { (b, a) } else { (a, b) };
    Expr::Cmp(op, Box::new(a), Box::new(b))
}

/// A condition an author would write: a column compared with a value of its own type
/// (from a literal, the principal, the context or another column), membership in lists,
/// role checks, sometimes guarded by `has`.
fn typed_condition() -> impl Strategy<Value = Expr> {
    let text = (path(&TEXT_COLUMNS), select(&OPS[..2]), text_operand(), any::<bool>())
        .prop_map(|(a, op, b, swap)| cmp(op, a, b, swap));
    let number = (path(&NUMBER_COLUMNS), select(&OPS[..]), number_operand(), any::<bool>())
        .prop_map(|(a, op, b, swap)| cmp(op, a, b, swap));
    let boolean = prop_oneof![
        2 => (path(&BOOLEAN_COLUMNS), select(&OPS[..2]), boolean_operand(), any::<bool>())
            .prop_map(|(a, op, b, swap)| cmp(op, a, b, swap)),
        1 => path(&BOOLEAN_COLUMNS),
    ];
    let member = prop_oneof![
        2 => (path(&TEXT_COLUMNS), prop::collection::vec(text_operand(), 0..4))
            .prop_map(|(a, list)| Expr::In(Box::new(a), Box::new(Expr::List(list)))),
        2 => (path(&TEXT_COLUMNS), path(&LIST_PATHS[..3]))
            .prop_map(|(a, list)| Expr::In(Box::new(a), Box::new(list))),
        1 => (path(&NUMBER_COLUMNS), prop::collection::vec(number_operand(), 0..4))
            .prop_map(|(a, list)| Expr::In(Box::new(a), Box::new(Expr::List(list)))),
        1 => (text_operand(), path(&["resource.tags"]))
            .prop_map(|(a, list)| Expr::In(Box::new(a), Box::new(list))),
    ];
    let known = prop_oneof![
        2 => select(&["admin", "user", "editor"][..])
            .prop_map(|role| Expr::In(Box::new(Expr::Str(role.into())), Box::new(Expr::Path("principal.roles")))),
        1 => Just(cmp("==", Expr::Path("principal.claims.banned"), Expr::Bool(true), false)),
        1 => Just(Expr::Has("principal.claims", "banned")),
        1 => select(&["todo", "note"][..]).prop_map(|t| cmp("==", Expr::Path("resource.type"), Expr::Str(t.into()), false)),
        1 => Just(cmp("==", Expr::Path("action"), Expr::Str("read".into()), false)),
    ];
    let atom = prop_oneof![3 => text, 3 => number, 2 => boolean, 3 => member, 2 => known];
    // `resource has x && x ...` or `!(resource has x) || x ...`: the guard an author writes.
    let guarded =
        (select(&["owner_id", "status", "priority", "score", "done", "locked"][..]), atom.clone(), any::<bool>())
            .prop_map(|(name, body, positive)| {
                let has = Expr::Has("resource", name);
                if positive {
                    Expr::And(vec![has, body])
                } else {
                    Expr::Or(vec![Expr::Not(Box::new(has)), body])
                }
            });
    prop_oneof![5 => atom, 1 => guarded]
}

/// Anything the grammar allows: comparisons and `in` between arbitrary values, `has` on
/// every root, values used as conditions.
fn wild_condition() -> impl Strategy<Value = Expr> {
    prop_oneof![
        8 => comparison(),
        4 => (prop_oneof![3 => resource_path(), 1 => value()], haystack())
            .prop_map(|(a, b)| Expr::In(Box::new(a), Box::new(b))),
        2 => (select(&HAS_PATHS[..]), select(&HAS_NAMES[..])).prop_map(|(p, n)| Expr::Has(p, n)),
        1 => value(),
    ]
}

/// A condition: leaves mostly typed, combined with `!`, `&&`, `||`, compared as booleans,
/// looked up in lists and gathered into lists.
fn condition(typed: u32, wild: u32) -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![typed => typed_condition(), wild => wild_condition()];
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            3 => inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            4 => prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            4 => prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            1 => (select(&OPS[..2]), inner.clone(), prop_oneof![value(), inner.clone()])
                .prop_map(|(op, a, b)| Expr::Cmp(op, Box::new(a), Box::new(b))),
            1 => (inner.clone(), haystack()).prop_map(|(a, b)| Expr::In(Box::new(a), Box::new(b))),
            1 => prop::collection::vec(inner, 1..3).prop_map(Expr::List),
        ]
    })
    .prop_filter("a list is no condition (values used as conditions come from the leaves)", |e| {
        !matches!(e, Expr::List(_))
    })
}

// ---------------------------------------------------------------------------------------
// Policies, principals, contexts, rows
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct RuleSpec {
    permit: bool,
    resource: &'static str,
    actions: Value,
    when: Option<Expr>,
}

fn rule() -> impl Strategy<Value = RuleSpec> {
    // Forbids are drawn with more typed conditions: a forbid whose condition fails on most
    // rows refuses them all, and the case proves little.
    let permit = (Just(true), prop::option::weighted(0.9, condition(4, 1)));
    let forbid = (Just(false), prop::option::weighted(0.9, condition(6, 1)));
    (
        prop_oneof![7 => permit, 3 => forbid],
        select(&[TYPE, TYPE, TYPE, TYPE, "*", "*", "note"][..]),
        select(&[0usize, 0, 0, 1, 1, 2, 3][..]),
    )
        .prop_map(|((permit, when), resource, actions)| RuleSpec {
            permit,
            resource,
            actions: [json!(["read"]), json!("*"), json!(["write"]), json!(["write", "read"])][actions].clone(),
            when,
        })
}

fn rules_json(rules: &[RuleSpec]) -> Vec<Value> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut rule = json!({
                "id": format!("rule{i}"),
                "effect": if r.permit { "permit" } else { "forbid" },
                "resource": r.resource,
                "actions": r.actions,
            });
            if let Some(when) = &r.when {
                rule["when"] = Value::String(when.render());
            }
            rule
        })
        .collect()
}

fn engine(rules: Vec<Value>) -> Result<Engine, String> {
    Engine::from_value(&json!({
        "token": { "algorithms": ["HS256"] },
        "keys": { "secret": "0123456789abcdef0123456789abcdef" },
        "rules": rules,
    }))
    .map_err(|e| e.to_string())
}

#[derive(Debug, Clone)]
struct PrincipalSpec {
    id: String,
    roles: Vec<String>,
    tenant: Option<String>,
    claims: Map<String, Value>,
}

impl PrincipalSpec {
    fn principal(&self) -> Principal {
        Principal::new(self.id.clone(), self.roles.clone(), self.tenant.clone(), Value::Object(self.claims.clone()))
    }

    fn to_json(&self) -> Value {
        json!({"id": self.id, "roles": self.roles, "tenant": self.tenant, "claims": self.claims})
    }
}

/// An object with some of the given members.
fn members(entries: Vec<(&'static str, BoxedStrategy<Value>)>) -> impl Strategy<Value = Map<String, Value>> {
    let parts: Vec<_> = entries
        .into_iter()
        .map(|(name, strategy)| prop::option::weighted(0.85, strategy).prop_map(move |v| (name, v)))
        .collect();
    parts.prop_map(|parts| parts.into_iter().filter_map(|(name, v)| v.map(|v| (name.to_owned(), v))).collect())
}

fn principal() -> impl Strategy<Value = PrincipalSpec> {
    let roles = prop::collection::vec(select(&["admin", "user", "editor", "open", "", "r1"][..]), 0..3)
        .prop_map(|r| r.into_iter().map(str::to_owned).collect::<Vec<_>>());
    let claims = members(vec![
        ("banned", prop_oneof![5 => any::<bool>().prop_map(Value::Bool), 1 => json_value()].boxed()),
        ("level", prop_oneof![5 => number(), 1 => json_value()].boxed()),
        ("team", prop_oneof![5 => text().prop_map(Value::String), 1 => json_value()].boxed()),
        (
            "tags",
            prop_oneof![5 => prop::collection::vec(scalar(), 0..4).prop_map(Value::Array), 1 => json_value()].boxed(),
        ),
        ("org", prop_oneof![5 => text().prop_map(|id| json!({"id": id})), 1 => json_value()].boxed()),
    ]);
    (
        prop_oneof![4 => select(&["ada", "bob", "r1"][..]).prop_map(str::to_owned), 1 => text()],
        roles,
        prop::option::of(text()),
        claims,
    )
        .prop_map(|(id, roles, tenant, mut claims)| {
            claims.insert("sub".into(), Value::String(id.clone()));
            PrincipalSpec { id, roles, tenant, claims }
        })
}

fn context() -> impl Strategy<Value = Map<String, Value>> {
    members(vec![
        ("owner", prop_oneof![5 => text().prop_map(Value::String), 1 => json_value()].boxed()),
        ("threshold", prop_oneof![5 => number(), 1 => json_value()].boxed()),
        (
            "allowed",
            prop_oneof![5 => prop::collection::vec(scalar(), 0..4).prop_map(Value::Array), 1 => json_value()].boxed(),
        ),
        ("flag", prop_oneof![5 => any::<bool>().prop_map(Value::Bool), 1 => json_value()].boxed()),
        ("user", prop_oneof![5 => text().prop_map(|id| json!({"id": id})), 1 => json_value()].boxed()),
    ])
}

/// Rows of the table (ids `r0`, `r1`, ... in order), each column `NULL` a quarter of the time.
fn rows() -> impl Strategy<Value = Vec<Row>> {
    let row = (
        prop::option::weighted(0.75, text()),
        prop::option::weighted(0.75, text()),
        prop::option::weighted(0.75, integer()),
        prop::option::weighted(0.75, real()),
        prop::option::weighted(0.75, any::<bool>()),
        prop::option::weighted(0.75, any::<bool>()),
    );
    prop::collection::vec(row, 0..10).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (owner_id, status, priority, score, done, locked))| Row {
                id: format!("r{i}"),
                owner_id,
                status,
                priority,
                score,
                done,
                locked,
            })
            .collect()
    })
}

/// Resources that only exist in memory: attributes of any JSON type (a `null` member is
/// present, unlike a `NULL` column), nested objects and lists.
fn memory_resources() -> impl Strategy<Value = Vec<Map<String, Value>>> {
    let resource = members(vec![
        ("id", prop_oneof![3 => text().prop_map(Value::String), 1 => json_value()].boxed()),
        ("owner_id", json_value().boxed()),
        ("status", json_value().boxed()),
        ("priority", prop_oneof![2 => number(), 1 => json_value()].boxed()),
        ("score", prop_oneof![2 => number(), 1 => json_value()].boxed()),
        ("done", json_value().boxed()),
        ("locked", json_value().boxed()),
        ("owner", prop_oneof![2 => text().prop_map(|id| json!({"id": id})), 1 => json_value()].boxed()),
        (
            "tags",
            prop_oneof![2 => prop::collection::vec(scalar(), 0..4).prop_map(Value::Array), 1 => json_value()].boxed(),
        ),
        ("type", select(&["note", TYPE][..]).prop_map(Value::from).boxed()),
    ]);
    prop::collection::vec(resource, 0..3)
}

#[derive(Debug, Clone)]
struct Case {
    rules: Vec<RuleSpec>,
    principal: PrincipalSpec,
    context: Map<String, Value>,
    action: &'static str,
    rows: Vec<Row>,
    memory: Vec<Map<String, Value>>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        // The first rule is a permit, or most filters would be `never` for want of one.
        (rule(), prop::collection::vec(rule(), 0..4)).prop_map(|(mut first, mut rest)| {
            first.permit = true;
            first.resource = TYPE;
            if first.actions == json!(["write"]) {
                first.actions = json!(["write", "read"]);
            }
            rest.insert(0, first);
            rest
        }),
        principal(),
        context(),
        select(&["read", "read", "read", "write"][..]),
        rows(),
        memory_resources(),
    )
        .prop_map(|(rules, principal, context, action, rows, memory)| Case {
            rules,
            principal,
            context,
            action,
            rows,
            memory,
        })
}

// ---------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------

/// What the property test saw, to show that its cases are not all trivial.
#[derive(Default)]
struct Stats {
    cases: AtomicUsize,
    always: AtomicUsize,
    never: AtomicUsize,
    /// Never because a forbid applies to every resource.
    never_forbidden: AtomicUsize,
    conditional: AtomicUsize,
    /// Conditional filters that select some of the table's rows and not others.
    split: AtomicUsize,
    plan_errors: AtomicUsize,
    sql_errors: AtomicUsize,
    /// SQL for an `always` or `never` filter that is not the constant `TRUE` or `FALSE`.
    unfolded: AtomicUsize,
    rows: AtomicUsize,
    allowed: AtomicUsize,
    sqlite_queries: AtomicUsize,
    postgres_queries: AtomicUsize,
}

fn bump(counter: &AtomicUsize, n: usize) {
    counter.fetch_add(n, Ordering::Relaxed);
}

fn sql_json(sql: &wardgate::filter::sql::Sql, dialect: Dialect) -> String {
    sql.to_value(dialect).to_string()
}

/// A reproduction of a case, for a failure message.
fn reproduction(case: &Case, filter: Option<&Filter>) -> String {
    let mut out = String::new();
    out.push_str(&format!("rules: {}\n", Value::Array(rules_json(&case.rules))));
    out.push_str(&format!("principal: {}\n", case.principal.to_json()));
    out.push_str(&format!("context: {}\n", Value::Object(case.context.clone())));
    out.push_str(&format!("action: {:?}, resource type: {TYPE:?}\n", case.action));
    if let Some(filter) = filter {
        out.push_str(&format!("filter: {}\n", filter.to_value()));
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            match filter.sql(dialect, &columns()) {
                Ok(sql) => out.push_str(&format!("{} SQL: {}\n", dialect.as_str(), sql_json(&sql, dialect))),
                Err(e) => out.push_str(&format!("{} SQL: error {e}\n", dialect.as_str())),
            }
        }
    }
    out
}

fn check_case(case: &Case, sqlite: &Sqlite, postgres: Option<&Postgres>, stats: &Stats) -> Result<(), String> {
    bump(&stats.cases, 1);
    let engine =
        engine(rules_json(&case.rules)).map_err(|e| format!("the grammar made a policy that does not load: {e}"))?;
    let principal = case.principal.principal();
    let fail = |filter: Option<&Filter>, what: String| format!("{what}\n{}", reproduction(case, filter));

    let filter = match engine.filter(&principal, case.action, TYPE, &case.context) {
        Ok(filter) => filter,
        Err(e) => {
            // Only a resource attribute compared with a list that holds resource attributes
            // may be refused, and the refusal names the rule.
            if e.code() != "FILTER_UNSUPPORTED" || !e.to_string().contains("list holding resource attributes") {
                return Err(fail(None, format!("planning failed: {e} ({})", e.code())));
            }
            bump(&stats.plan_errors, 1);
            return Ok(());
        }
    };
    let filter = &filter;

    // The JSON form reads back as the same filter, from the value and from its text.
    let value = filter.to_value();
    match Filter::from_value(&value) {
        Ok(back) if &back == filter => {}
        Ok(back) => {
            return Err(fail(Some(filter), format!("the JSON form reads back differently: {}", back.to_value())))
        }
        Err(e) => return Err(fail(Some(filter), format!("the JSON form does not read back: {e}"))),
    }
    let reparsed: Value = serde_json::from_str(&value.to_string()).expect("JSON text");
    if Filter::from_value(&reparsed).as_ref() != Ok(filter) {
        return Err(fail(Some(filter), "the JSON form's text reads back differently".into()));
    }
    if value["kind"] != filter.kind().as_str() {
        return Err(fail(Some(filter), "the JSON form's kind is not the filter's".into()));
    }
    // The bindings' path, through JSON text, plans the same filter.
    let filter_text = value.to_string();
    let through_ffi = wardgate::ffi::filter(
        &engine,
        &case.principal.to_json().to_string(),
        case.action,
        TYPE,
        Some(&Value::Object(case.context.clone()).to_string()),
    );
    if serde_json::from_str::<Value>(&through_ffi).ok() != Some(json!({ "filter": value })) {
        return Err(fail(Some(filter), format!("ffi::filter answers {through_ffi}")));
    }

    // Row by row, in memory: the filter's verdict is the decision, whatever the `type`
    // member (the filter ignores it).
    let decide = |attributes: &Map<String, Value>| {
        let mut resource = attributes.clone();
        resource.insert("type".into(), Value::String(TYPE.into()));
        let request = Request::new(case.action, Value::Object(resource.clone()))
            .with_context(Value::Object(case.context.clone()));
        (engine.authorize(&principal, &request), resource)
    };
    let check_resource = |attributes: &Map<String, Value>| -> Result<bool, String> {
        let (decision, typed) = decide(attributes);
        let mut untyped = attributes.clone();
        untyped.remove("type");
        let mut mistyped = attributes.clone();
        mistyped.insert("type".into(), Value::String("note".into()));
        for (label, resource) in [("with its type", &typed), ("without a type", &untyped), ("typed 'note'", &mistyped)]
        {
            let matches = filter.matches(resource);
            let through_ffi = wardgate::ffi::filter_matches(&filter_text, &Value::Object(resource.clone()).to_string());
            if serde_json::from_str::<Value>(&through_ffi).ok() != Some(json!({ "matches": matches })) {
                return Err(fail(
                    Some(filter),
                    format!("ffi::filter_matches answers {through_ffi}, matches() {matches}"),
                ));
            }
            if matches != decision.allowed {
                return Err(fail(
                    Some(filter),
                    format!(
                        "matches() = {matches} but authorize allows = {} for the resource {label}: {}\n\
                         decision: rules {:?}, errors {:?}",
                        decision.allowed,
                        Value::Object(resource.clone()),
                        decision.rules,
                        decision.errors.iter().map(|e| (&e.rule, &e.message)).collect::<Vec<_>>(),
                    ),
                ));
            }
        }
        Ok(decision.allowed)
    };
    let mut allowed_rows = Vec::new();
    for row in &case.rows {
        if check_resource(&row.attributes())? {
            allowed_rows.push(row.id.clone());
        }
    }
    let mut memory_allowed = Vec::new();
    for resource in &case.memory {
        memory_allowed.push(check_resource(resource)?);
    }
    bump(&stats.rows, case.rows.len() + case.memory.len());
    bump(&stats.allowed, allowed_rows.len() + memory_allowed.iter().filter(|a| **a).count());

    // The kind agrees with every decision.
    let all = allowed_rows.len() == case.rows.len() && memory_allowed.iter().all(|a| *a);
    let none = allowed_rows.is_empty() && memory_allowed.iter().all(|a| !*a);
    match filter.kind() {
        FilterKind::Always if !all => {
            return Err(fail(Some(filter), "kind always, but authorize refuses a row".into()))
        }
        FilterKind::Never if !none => return Err(fail(Some(filter), "kind never, but authorize allows a row".into())),
        FilterKind::Always => bump(&stats.always, 1),
        FilterKind::Never => {
            bump(&stats.never, 1);
            bump(&stats.never_forbidden, usize::from(!filter.forbids().is_empty()));
        }
        _ => {
            bump(&stats.conditional, 1);
            if !allowed_rows.is_empty() && allowed_rows.len() < case.rows.len() {
                bump(&stats.split, 1);
            }
        }
    }

    // The SQL selects exactly the allowed rows.
    let databases: Vec<&dyn Database> = match postgres {
        Some(pg) => vec![sqlite, pg],
        None => vec![sqlite],
    };
    for db in databases {
        let dialect = db.dialect();
        let sql = match filter.sql(dialect, &columns()) {
            Ok(sql) => sql,
            Err(e) => {
                // Only the whole resource compared with an object has no translation.
                let expected = e.code() == "FILTER_UNTRANSLATABLE"
                    && (e.to_string().contains("'==' on resource has")
                        || e.to_string().contains("'in' on resource has"));
                if !expected {
                    return Err(fail(Some(filter), format!("{} SQL failed: {e} ({})", dialect.as_str(), e.code())));
                }
                bump(&stats.sql_errors, 1);
                continue;
            }
        };
        check_sql_text(&sql, dialect).map_err(|e| fail(Some(filter), e))?;
        let through_ffi = wardgate::ffi::filter_sql(&filter_text, dialect.as_str(), &columns_json().to_string());
        if serde_json::from_str::<Value>(&through_ffi).ok() != Some(json!({ "sql": sql.to_value(dialect) })) {
            return Err(fail(Some(filter), format!("ffi::filter_sql answers {through_ffi}")));
        }
        // An `always` or `never` filter should write `TRUE` or `FALSE`; where the kind comes
        // from a contradiction between rules, the SQL is a condition that selects every row
        // or none (checked below against the rows), not the constant. Counted, not failed.
        let constant = match filter.kind() {
            FilterKind::Always => Some("TRUE"),
            FilterKind::Never => Some("FALSE"),
            _ => None,
        };
        if constant.is_some_and(|c| sql.text != c) {
            bump(&stats.unfolded, 1);
        }
        let (rows, expected): (Vec<Row>, Vec<String>) = if dialect == Dialect::Postgres {
            let rows: Vec<Row> = case.rows.iter().filter(|r| !r.holds_nul()).cloned().collect();
            let expected = allowed_rows.iter().filter(|id| rows.iter().any(|r| &r.id == *id)).cloned().collect();
            (rows, expected)
        } else {
            (case.rows.clone(), allowed_rows.clone())
        };
        db.load(&rows)
            .map_err(|e| fail(Some(filter), format!("{}: loading the rows failed: {e}", dialect.as_str())))?;
        let selected = db.select(&sql).map_err(|e| {
            fail(Some(filter), format!("{}: the query failed: {e}\nSQL: {}", dialect.as_str(), sql_json(&sql, dialect)))
        })?;
        bump(if dialect == Dialect::Sqlite { &stats.sqlite_queries } else { &stats.postgres_queries }, 1);
        let mut expected = expected;
        expected.sort();
        if selected != expected {
            let differing: Vec<String> = rows
                .iter()
                .filter(|r| selected.contains(&r.id) != expected.contains(&r.id))
                .map(|r| {
                    let (decision, resource) = decide(&r.attributes());
                    format!(
                        "  row {}: selected by the SQL: {}, allowed by authorize: {} (errors {:?})",
                        Value::Object(resource),
                        selected.contains(&r.id),
                        decision.allowed,
                        decision.errors.iter().map(|e| (&e.rule, &e.message)).collect::<Vec<_>>()
                    )
                })
                .collect();
            return Err(fail(
                Some(filter),
                format!(
                    "{}: the SQL selects {selected:?}, authorize allows {expected:?}\n{}\nSQL: {}",
                    dialect.as_str(),
                    differing.join("\n"),
                    sql_json(&sql, dialect)
                ),
            ));
        }
    }
    Ok(())
}

fn cases() -> u32 {
    match std::env::var("PROPTEST_CASES") {
        Ok(n) => n.parse().unwrap_or_else(|_| panic!("PROPTEST_CASES must be a number, not {n:?}")),
        Err(_) => DEFAULT_CASES,
    }
}

/// Connects to PostgreSQL when wanted; fails when it is wanted and cannot be had.
fn postgres_or_skip(test: &str) -> Option<Postgres> {
    match Postgres::from_env() {
        Ok(Some(pg)) => Some(pg),
        Ok(None) => {
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| say_postgres_skipped(test));
            None
        }
        Err(message) => panic!("{test}: {message}"),
    }
}

#[test]
fn filters_select_exactly_what_authorize_allows() {
    let sqlite = Sqlite::open();
    let postgres = postgres_or_skip("filters_select_exactly_what_authorize_allows");
    let stats = Stats::default();
    let config = Config {
        cases: cases(),
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result =
        runner.run(&case(), |case| check_case(&case, &sqlite, postgres.as_ref(), &stats).map_err(TestCaseError::fail));
    let n = |c: &AtomicUsize| c.load(Ordering::Relaxed);
    eprintln!(
        "filter property: {} cases ({} always, {} never ({} by a forbid), {} conditional of which {} split the table; {} not planned, \
         {} SQL refused, {} SQL of a constant kind not constant); {} resources checked, {} allowed; {} SQLite and {} PostgreSQL queries",
        n(&stats.cases),
        n(&stats.always),
        n(&stats.never),
        n(&stats.never_forbidden),
        n(&stats.conditional),
        n(&stats.split),
        n(&stats.plan_errors),
        n(&stats.sql_errors),
        n(&stats.unfolded),
        n(&stats.rows),
        n(&stats.allowed),
        n(&stats.sqlite_queries),
        n(&stats.postgres_queries),
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, case)) => {
            let rows: Vec<Value> = case.rows.iter().map(|r| Value::Object(r.attributes())).collect();
            let memory: Vec<Value> = case.memory.into_iter().map(Value::Object).collect();
            panic!(
                "a filter disagrees with authorize (minimal case below)\n{reason}\n\
                 table rows (a missing member is NULL): {}\nin-memory resources: {}",
                Value::Array(rows),
                Value::Array(memory)
            )
        }
        Err(TestError::Abort(reason)) => panic!("the property test stopped: {reason}"),
    }
    // The grammar must keep producing filters that split tables (about one case in five
    // does), or the test proves little.
    let cases = n(&stats.cases);
    if cases >= 200 {
        assert!(n(&stats.split) * 20 >= cases, "only {} of {cases} cases split the table", n(&stats.split));
    }
}

// ---------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------

/// Plans one policy for a principal and context, then checks that `authorize`, `matches`
/// and the SQL (SQLite, and PostgreSQL when available) all select exactly `expected`
/// among `rows`. Returns the filter.
fn expect_rows(rules: Value, principal: &Principal, context: Value, rows: &[Row], expected: &[&str]) -> Filter {
    let engine = engine(rules.as_array().unwrap().clone()).unwrap();
    let context = context.as_object().cloned().unwrap_or_default();
    let filter = engine.filter(principal, "read", TYPE, &context).unwrap();
    let expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    let mut allowed = Vec::new();
    for row in rows {
        let mut resource = row.attributes();
        resource.insert("type".into(), json!(TYPE));
        let decision = engine.authorize(
            principal,
            &Request::new("read", Value::Object(resource.clone())).with_context(Value::Object(context.clone())),
        );
        assert_eq!(filter.matches(&resource), decision.allowed, "matches on {resource:?}");
        if decision.allowed {
            allowed.push(row.id.clone());
        }
    }
    assert_eq!(allowed, expected, "authorize");
    let check = |db: &dyn Database| {
        let dialect = db.dialect();
        let sql = filter.sql(dialect, &columns()).unwrap();
        check_sql_text(&sql, dialect).unwrap();
        db.load(rows).unwrap();
        assert_eq!(db.select(&sql).unwrap(), expected, "{} SQL {}", dialect.as_str(), sql_json(&sql, dialect));
    };
    check(&Sqlite::open());
    EXAMPLE_POSTGRES.with(|pg| {
        if let Some(pg) = pg {
            check(pg);
        }
    });
    filter
}

thread_local! {
    /// The example tests' PostgreSQL connection, one per test thread.
    static EXAMPLE_POSTGRES: Option<Postgres> = postgres_or_skip("filters examples");
}

fn row(id: &str) -> Row {
    Row { id: id.into(), owner_id: None, status: None, priority: None, score: None, done: None, locked: None }
}

fn ada() -> Principal {
    Principal::new("ada", vec!["user".into()], None, json!({"sub": "ada"}))
}

fn permit(id: &str, when: &str) -> Value {
    json!({"id": id, "effect": "permit", "resource": TYPE, "actions": ["read"], "when": when})
}

fn forbid(id: &str, when: &str) -> Value {
    json!({"id": id, "effect": "forbid", "resource": "*", "actions": "*", "when": when})
}

/// A `NULL` column is an absent attribute: `== null` never selects it, and `!= x` fails on
/// it rather than holding. An in-memory `null` is present, and equals `null`.
#[test]
fn null_columns_are_absent_attributes() {
    let rows =
        [row("a"), Row { owner_id: Some("bob".into()), ..row("b") }, Row { owner_id: Some("ada".into()), ..row("c") }];
    expect_rows(json!([permit("p", "resource.owner_id == null")]), &ada(), json!({}), &rows, &[]);
    expect_rows(json!([permit("p", "resource.owner_id != principal.id")]), &ada(), json!({}), &rows, &["b"]);
    expect_rows(json!([permit("p", "!(resource.owner_id == principal.id)")]), &ada(), json!({}), &rows, &["b"]);
    let filter = expect_rows(json!([permit("p", "resource.owner_id == null")]), &ada(), json!({}), &rows, &[]);
    assert!(filter.matches(json!({"owner_id": null}).as_object().unwrap()));
    assert!(!filter.matches(json!({}).as_object().unwrap()));
}

/// `!` over an error is an error, not true, even inside `||` where SQL's three-valued
/// logic would say `NULL OR TRUE = TRUE`.
#[test]
fn negation_of_an_error_stays_an_error() {
    let rows = [
        Row { status: Some("open".into()), ..row("a") },
        Row { priority: Some(1), status: Some("open".into()), ..row("b") },
        Row { priority: Some(5), status: Some("open".into()), ..row("c") },
        Row { priority: Some(5), ..row("d") },
    ];
    let rules = json!([permit("p", "!(resource.priority > 2) || resource.status == 'open'")]);
    expect_rows(rules, &ada(), json!({}), &rows, &["b", "c"]);
    // The other way round, the left side decides first.
    let rules = json!([permit("p", "resource.status == 'open' || !(resource.priority > 2)")]);
    expect_rows(rules, &ada(), json!({}), &rows, &["a", "b", "c"]);
    // Double negation is not a no-op on absent attributes: it still fails there.
    let rules = json!([permit("p", "!!(resource.priority <= 2) || resource.status == 'open'")]);
    expect_rows(rules, &ada(), json!({}), &rows, &["b", "c"]);
}

/// A forbid whose condition fails applies: an absent attribute, a type error.
#[test]
fn forbid_errors_exclude_the_row() {
    let rows = [row("a"), Row { priority: Some(1), ..row("b") }, Row { priority: Some(9), ..row("c") }];
    let rules = json!([permit("all", "true"), forbid("high", "resource.priority > 5")]);
    expect_rows(rules, &ada(), json!({}), &rows, &["b"]);
    // `<` on a text column always fails, so the forbid applies to every row; in memory a
    // status could be a number, so the kind (decided without column types) is conditional.
    let rows_with_status = [Row { status: Some("open".into()), ..row("d") }, row("e")];
    let rules = json!([permit("all", "true"), forbid("weird", "resource.status < 3")]);
    let filter = expect_rows(rules, &ada(), json!({}), &rows_with_status, &[]);
    assert_eq!(filter.sql(Dialect::Sqlite, &columns()).unwrap().text, "FALSE");
    assert!(filter.matches(json!({"status": 4}).as_object().unwrap()));
    // A forbid that reads a claim the principal lacks applies to everything.
    let rules = json!([permit("all", "true"), forbid("banned", "principal.claims.banned == true")]);
    let filter = expect_rows(rules, &ada(), json!({}), &rows, &[]);
    assert_eq!(filter.kind(), FilterKind::Never);
    let troll = Principal::new("troll", vec![], None, json!({"banned": false}));
    let rules = json!([permit("all", "true"), forbid("banned", "principal.claims.banned == true")]);
    let filter = expect_rows(rules, &troll, json!({}), &rows, &["a", "b", "c"]);
    assert_eq!(filter.kind(), FilterKind::Always);
}

/// `has` on the resource is a condition on the row, never folded to "always".
#[test]
fn has_on_the_resource_is_not_always() {
    let rows = [row("a"), Row { owner_id: Some("ada".into()), ..row("b") }];
    let filter = expect_rows(json!([permit("p", "resource has owner_id")]), &ada(), json!({}), &rows, &["b"]);
    assert_eq!(filter.kind(), FilterKind::Conditional);
    let filter = expect_rows(json!([permit("p", "!(resource has owner_id)")]), &ada(), json!({}), &rows, &["a"]);
    assert_eq!(filter.kind(), FilterKind::Conditional);
    expect_rows(json!([permit("p", "true"), forbid("f", "resource has owner_id")]), &ada(), json!({}), &rows, &["a"]);
    // Below a column, nothing is ever present; `resource has type` always holds.
    expect_rows(json!([permit("p", "resource.owner_id has id")]), &ada(), json!({}), &rows, &[]);
    let filter = expect_rows(json!([permit("p", "resource has type")]), &ada(), json!({}), &rows, &["a", "b"]);
    assert_eq!(filter.kind(), FilterKind::Always);
}

/// Values never change type: an integer column never equals a string, a boolean column
/// never equals `1`, `<` on text never holds; numbers compare by value across integer and
/// real columns, and beyond 2^53 as the language does (as doubles).
#[test]
fn type_mismatches_never_match() {
    let rows = [
        Row { priority: Some(3), score: Some(3.0), done: Some(true), status: Some("3".into()), ..row("a") },
        Row { priority: Some(1), score: Some(0.5), done: Some(false), status: Some("1".into()), ..row("b") },
        Row { priority: Some((1 << 53) + 1), score: Some(9_007_199_254_740_992.0), ..row("c") },
    ];
    expect_rows(json!([permit("p", "resource.priority == '3'")]), &ada(), json!({}), &rows, &[]);
    expect_rows(json!([permit("p", "resource.status == 3")]), &ada(), json!({}), &rows, &[]);
    expect_rows(json!([permit("p", "resource.done == 1")]), &ada(), json!({}), &rows, &[]);
    expect_rows(json!([permit("p", "resource.done == true")]), &ada(), json!({}), &rows, &["a"]);
    expect_rows(json!([permit("p", "resource.status < 'z'")]), &ada(), json!({}), &rows, &[]);
    expect_rows(json!([permit("p", "resource.priority == resource.score")]), &ada(), json!({}), &rows, &["a", "c"]);
    expect_rows(json!([permit("p", "resource.priority == 9007199254740992")]), &ada(), json!({}), &rows, &[]);
    expect_rows(json!([permit("p", "resource.score == 3")]), &ada(), json!({}), &rows, &["a"]);
    expect_rows(json!([permit("p", "resource.status == resource.priority")]), &ada(), json!({}), &rows, &[]);
    // Numbers from the context keep their JSON type: 3.0 equals the integer 3.
    let ctx = json!({"n": 3.0, "big": u64::MAX, "s": "3"});
    expect_rows(json!([permit("p", "resource.priority == context.n")]), &ada(), ctx.clone(), &rows, &["a"]);
    expect_rows(json!([permit("p", "resource.priority < context.big")]), &ada(), ctx.clone(), &rows, &["a", "b", "c"]);
    expect_rows(json!([permit("p", "resource.priority in [context.s, context.n]")]), &ada(), ctx, &rows, &["a"]);
    // A non-boolean condition never holds; a boolean column is one.
    expect_rows(json!([permit("p", "resource.priority")]), &ada(), json!({}), &rows, &[]);
    expect_rows(json!([permit("p", "resource.done")]), &ada(), json!({}), &rows, &["a"]);
    expect_rows(json!([permit("p", "true"), forbid("f", "resource.priority")]), &ada(), json!({}), &rows, &[]);
}

/// Injection: values full of quotes, comment markers and NUL are parameters, and select
/// exactly the rows that hold them.
#[test]
fn hostile_values_are_parameters() {
    let nasty = "x'); DELETE FROM items; --\"";
    let rows = [
        Row { owner_id: Some(nasty.into()), ..row("a") },
        Row { owner_id: Some("x".into()), status: Some("é--;".into()), ..row("b") },
    ];
    let principal = Principal::new(nasty, vec!["é--;".into()], None, json!({}));
    expect_rows(json!([permit("p", "resource.owner_id == principal.id")]), &principal, json!({}), &rows, &["a"]);
    expect_rows(json!([permit("p", "resource.status in principal.roles")]), &principal, json!({}), &rows, &["b"]);
    let nul = Principal::new("x\0", vec![], None, json!({}));
    expect_rows(json!([permit("p", "resource.owner_id == principal.id")]), &nul, json!({}), &rows, &[]);
    expect_rows(json!([permit("p", "resource.owner_id != principal.id")]), &nul, json!({}), &rows, &["a", "b"]);
}

/// A row's resource is its columns: an attribute with no column, or below one, is absent,
/// while in memory it may be present.
#[test]
fn attributes_without_a_column_are_absent() {
    let rows = [row("a"), Row { owner_id: Some("ada".into()), ..row("b") }];
    let filter = expect_rows(json!([permit("p", "resource.owner.id == principal.id")]), &ada(), json!({}), &rows, &[]);
    assert!(filter.matches(json!({"owner": {"id": "ada"}}).as_object().unwrap()));
    expect_rows(json!([permit("p", "!(resource has owner)")]), &ada(), json!({}), &rows, &["a", "b"]);
    expect_rows(json!([permit("p", "true"), forbid("f", "resource.owner.id != 'x'")]), &ada(), json!({}), &rows, &[]);
    expect_rows(json!([permit("p", "principal.id in resource.tags")]), &ada(), json!({}), &rows, &[]);
}

/// What the SQL cannot say exactly is refused, naming the rule, never widened.
#[test]
fn refusals_name_the_rule() {
    let tags = engine(vec![permit("p", "resource.tags == [resource.status]")]).unwrap();
    let err = tags.filter(&ada(), "read", TYPE, &Map::new()).unwrap_err();
    assert_eq!(err.code(), "FILTER_UNSUPPORTED");
    assert!(err.to_string().contains("\"p\""), "{err}");
    let whole = engine(vec![permit("p", "resource == principal.claims")]).unwrap();
    let filter = whole.filter(&ada(), "read", TYPE, &Map::new()).unwrap();
    assert_eq!(filter.sql(Dialect::Postgres, &columns()).unwrap_err().code(), "FILTER_UNTRANSLATABLE");
}
