//! The policy document (v1): reading, validating and compiling it.

pub(crate) mod decision;
pub mod expr;
pub(crate) mod fields;
pub(crate) mod lint;
pub(crate) mod principal;
pub(crate) mod request;

use serde_json::Value;

use crate::engine::token_cache::{self, TokenCache};
use crate::error::ConfigError;
use crate::keys::{self, Keys};
use crate::policy::expr::Expr;
use crate::policy::fields::{item, strings, type_name, Fields};
use crate::policy::principal::PrincipalMapping;
use crate::revocation::{self, Revocation};
use crate::token::algorithm::Algorithm;
use crate::token::claims::ClaimRules;
use crate::token::{normalize_typ, HeaderRules};

/// `token.max_length` when the document gives none.
pub const DEFAULT_MAX_LENGTH: u64 = 8192;
/// The largest `token.max_length` accepted.
pub const MAX_MAX_LENGTH: u64 = 1024 * 1024;
/// The largest `token.leeway` and `token.max_age` accepted (one year).
const MAX_SECONDS: u64 = 366 * 24 * 3600;
/// `token.required_claims` when the document gives none.
const DEFAULT_REQUIRED: [&str; 2] = ["sub", "exp"];

/// A compiled policy document.
#[derive(Debug)]
pub(crate) struct Policy {
    pub header: HeaderRules,
    pub claims: ClaimRules,
    pub keys: Keys,
    pub principal: PrincipalMapping,
    pub rules: Vec<Rule>,
    /// The verified-token cache, when the document asks for one.
    pub cache: Option<TokenCache>,
    /// Where revoked entries come from, when the document has a `revocation` section.
    pub revocation: Option<Revocation>,
}

/// Whether a rule grants or refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Permit,
    Forbid,
}

/// One compiled rule.
#[derive(Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub effect: Effect,
    /// `None` for `"*"`.
    pub resource: Option<String>,
    /// `None` for `"*"`.
    pub actions: Option<Vec<String>>,
    pub when: Option<Expr>,
}

impl Rule {
    /// Whether the rule's resource type and actions cover the request.
    pub(crate) fn targets(&self, resource_type: &str, action: &str) -> bool {
        self.resource.as_deref().is_none_or(|r| r == resource_type)
            && self.actions.as_ref().is_none_or(|a| a.iter().any(|x| x == action))
    }
}

/// The members of the `token` section.
const TOKEN_FIELDS: [&str; 8] =
    ["issuer", "audience", "algorithms", "leeway", "max_age", "required_claims", "typ", "max_length"];

impl Policy {
    /// Reads and validates a whole document; the error is its first problem.
    pub(crate) fn from_value(doc: &Value) -> Result<Policy, ConfigError> {
        Policy::load(doc).map_err(|mut problems| problems.swap_remove(0))
    }

    /// Reads and validates a whole document, reporting every problem in document order:
    /// every unknown top-level field, and the first problem of each independent part
    /// (`token`, `keys`, `principal`, each rule, `cache`, `revocation`). Never an empty list on
    /// failure.
    pub(crate) fn load(doc: &Value) -> Result<Policy, Vec<ConfigError>> {
        let top = Fields::open_any(doc, "").map_err(|e| vec![e])?;
        let mut problems = top.unknown(&["token", "keys", "principal", "rules", "cache", "revocation"]);
        let token = top.required("token").and_then(|v| Fields::new(v, "token", &TOKEN_FIELDS));
        let algorithms = token.as_ref().map_err(ConfigError::clone).and_then(algorithms);
        let token = match (&token, &algorithms) {
            (Ok(fields), Ok(algs)) => token_rules(fields, algs.clone()),
            (Err(e), _) | (_, Err(e)) => Err(e.clone()),
        };
        let token = keep(token, &mut problems);
        // Keys are checked even when the algorithms are not usable, for their own problems.
        let keys = keep(
            top.required("keys").and_then(|v| keys::parse(v, algorithms.as_deref().unwrap_or(&[]))),
            &mut problems,
        );
        let principal = keep(top.get("principal").map_or(Ok(PrincipalMapping::default()), principal), &mut problems);
        let rules = match top.get("rules") {
            None => Some(Vec::new()),
            Some(Value::Array(items)) => rules(items, &mut problems),
            Some(other) => keep(
                Err(top.error("rules", format!("must be a list of rules, not {}", type_name(other)))),
                &mut problems,
            ),
        };
        let cache = keep(top.get("cache").map(token_cache::parse).transpose(), &mut problems);
        let revocation = keep(top.get("revocation").map(revocation::section::parse).transpose(), &mut problems);
        match (token, keys, principal, rules, cache, revocation) {
            (Some((header, claims)), Some(keys), Some(principal), Some(rules), Some(cache), Some(revocation))
                if problems.is_empty() =>
            {
                Ok(Policy { header, claims, keys, principal, rules, cache, revocation })
            }
            _ => Err(problems),
        }
    }
}

/// The value of `result`, or `None` with its error added to `problems`.
fn keep<T>(result: Result<T, ConfigError>, problems: &mut Vec<ConfigError>) -> Option<T> {
    result.map_err(|e| problems.push(e)).ok()
}

fn token_rules(token: &Fields<'_>, algorithms: Vec<Algorithm>) -> Result<(HeaderRules, ClaimRules), ConfigError> {
    let header = HeaderRules {
        typ: token.string("typ")?.map(normalize_typ),
        max_length: token.non_negative("max_length", MAX_MAX_LENGTH)?.unwrap_or(DEFAULT_MAX_LENGTH) as usize,
        algorithms,
    };
    if header.max_length == 0 {
        return Err(token.error("max_length", "must be at least 1"));
    }
    let claims = ClaimRules {
        issuers: token.one_or_many("issuer")?,
        audiences: token.one_or_many("audience")?,
        leeway: token.non_negative("leeway", MAX_SECONDS)?.unwrap_or(0) as f64,
        max_age: token.non_negative("max_age", MAX_SECONDS)?.map(|s| s as f64),
        required: match token.get("required_claims") {
            None => DEFAULT_REQUIRED.map(String::from).to_vec(),
            Some(Value::Array(items)) => strings(items, &token.path_of("required_claims"), true)?,
            Some(other) => {
                return Err(
                    token.error("required_claims", format!("must be a list of claim names, not {}", type_name(other)))
                )
            }
        },
    };
    Ok((header, claims))
}

fn algorithms(token: &Fields<'_>) -> Result<Vec<Algorithm>, ConfigError> {
    let path = token.path_of("algorithms");
    let items = match token.required("algorithms")? {
        Value::Array(items) if !items.is_empty() => items,
        Value::Array(_) => return Err(ConfigError::new(path, "must list at least one algorithm")),
        other => {
            return Err(ConfigError::new(path, format!("must be a list of algorithm names, not {}", type_name(other))))
        }
    };
    let mut algorithms = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        let here = item(&path, i);
        let name = v
            .as_str()
            .ok_or_else(|| ConfigError::new(&here, format!("must be an algorithm name, not {}", type_name(v))))?;
        if name.eq_ignore_ascii_case("none") {
            return Err(ConfigError::new(here, "\"none\" (unsigned tokens) is never allowed"));
        }
        let alg = Algorithm::from_name(name).ok_or_else(|| {
            ConfigError::new(&here, format!("{name:?} is not a supported algorithm (HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA)"))
        })?;
        if !algorithms.contains(&alg) {
            algorithms.push(alg);
        }
    }
    Ok(algorithms)
}

fn principal(value: &Value) -> Result<PrincipalMapping, ConfigError> {
    let fields = Fields::new(value, "principal", &["id", "roles", "tenant"])?;
    let defaults = PrincipalMapping::default();
    let tenant = match fields.get("tenant") {
        Some(Value::Null) => None,
        _ => fields.string("tenant")?.map(str::to_owned),
    };
    Ok(PrincipalMapping {
        id: fields.string("id")?.map_or(defaults.id, str::to_owned),
        roles: fields.string("roles")?.map_or(defaults.roles, str::to_owned),
        tenant,
    })
}

/// Every rule; the first problem of each rule goes to `problems`.
fn rules(items: &[Value], problems: &mut Vec<ConfigError>) -> Option<Vec<Rule>> {
    let mut rules: Vec<Rule> = Vec::with_capacity(items.len());
    let before = problems.len();
    for (i, value) in items.iter().enumerate() {
        if let Some(rule) = keep(rule(value, &item("rules", i), &rules), problems) {
            rules.push(rule);
        }
    }
    (problems.len() == before).then_some(rules)
}

/// One rule; `earlier` are the rules before it (their ids are taken).
fn rule(value: &Value, path: &str, earlier: &[Rule]) -> Result<Rule, ConfigError> {
    let f = Fields::new(value, path, &["id", "effect", "resource", "actions", "when"])?;
    let id = f.string("id")?.ok_or_else(|| f.error("id", "is required"))?.to_owned();
    if earlier.iter().any(|r| r.id == id) {
        return Err(f.error("id", format!("{id:?} is already the id of another rule")));
    }
    let effect = match f.string("effect")?.ok_or_else(|| f.error("effect", "is required"))? {
        "permit" => Effect::Permit,
        "forbid" => Effect::Forbid,
        other => return Err(f.error("effect", format!("{other:?} is not an effect (permit or forbid)"))),
    };
    let resource =
        match f.string("resource")?.ok_or_else(|| f.error("resource", "is required (a resource type or \"*\")"))? {
            "*" => None,
            t => Some(t.to_owned()),
        };
    let actions = match f.required("actions")? {
        Value::String(s) if s == "*" => None,
        Value::Array(items) => Some(strings(items, &f.path_of("actions"), true)?),
        other => return Err(f.error("actions", format!("must be \"*\" or a list of actions, not {}", describe(other)))),
    };
    let when = match f.get("when") {
        None => None,
        Some(Value::String(source)) => Some(
            Expr::parse(source)
                .map_err(|e| f.error("when", format!("rule {id:?}, column {}: {}", e.column, e.message)))?,
        ),
        Some(other) => return Err(f.error("when", format!("must be an expression string, not {}", type_name(other)))),
    };
    Ok(Rule { id, effect, resource, actions, when })
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string {s:?}"),
        other => type_name(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "token": {"algorithms": ["EdDSA"], "issuer": "https://iss"},
            "keys": {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
            "rules": [{"id": "r", "effect": "permit", "resource": "todo", "actions": ["read"]}]
        })
    }

    fn first_problem(mut d: Value, edit: impl FnOnce(&mut Value)) -> String {
        edit(&mut d);
        Policy::from_value(&d).unwrap_err().to_string()
    }

    #[test]
    fn defaults() {
        let p = Policy::from_value(&doc()).unwrap();
        assert_eq!(p.header.max_length, 8192);
        assert_eq!(p.claims.required, ["sub", "exp"]);
        assert_eq!(p.claims.leeway, 0.0);
        assert_eq!(p.principal, PrincipalMapping::default());
        assert!(p.rules[0].targets("todo", "read") && !p.rules[0].targets("todo", "delete"));
    }

    #[test]
    fn problems_name_their_path() {
        assert_eq!(first_problem(doc(), |d| d["extra"] = json!(1)), "extra: unknown field");
        assert_eq!(
            first_problem(doc(), |d| d["token"]["algorithms"] = json!(["NoNe"])).split(':').next(),
            Some("token.algorithms[0]")
        );
        assert!(first_problem(doc(), |d| d["token"]["max_length"] = json!(0)).starts_with("token.max_length"));
        assert!(first_problem(doc(), |d| d["token"]["leeway"] = json!(1.5)).starts_with("token.leeway"));
        assert!(first_problem(doc(), |d| d["principal"] = json!({"id": ""})).starts_with("principal.id"));
        assert!(first_problem(doc(), |d| d["rules"][0]["actions"] = json!("read")).starts_with("rules[0].actions"));
        assert!(first_problem(doc(), |d| d["rules"] = json!([{"id": "r", "effect": "permit", "resource": "*", "actions": "*"}, {"id": "r", "effect": "forbid", "resource": "*", "actions": "*"}])).starts_with("rules[1].id"));
        assert!(first_problem(doc(), |d| d["rules"][0]["when"] = json!("user.id == 1"))
            .starts_with("rules[0].when: rule \"r\", column 1"));
    }

    #[test]
    fn load_reports_each_part() {
        let mut d = doc();
        d["token"]["typ"] = json!(5);
        d["principal"] = json!({"role": "x"});
        d["rules"] = json!([{"id": "a", "effect": "permit"}, {"id": "b", "effect": "permit", "resource": "*", "actions": "*"}, {"id": 3}]);
        let paths: Vec<String> = Policy::load(&d).unwrap_err().iter().map(|p| p.path().to_owned()).collect();
        assert_eq!(paths, ["token.typ", "principal.role", "rules[0].resource", "rules[2].id"]);
    }
}
