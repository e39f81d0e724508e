//! Deciding a request: forbid beats permit, and nothing is allowed by default.

use serde::Serialize;

use crate::error::{Code, Reason};
use crate::expr::Scope;
use crate::policy::{Effect, Rule};
use crate::principal::Principal;
use crate::request::Request;

/// The answer to an authorization request.
///
/// `rules` holds the ids of the rules that determined it: the applying forbid rules
/// for a forbid, the applying permit rules for an allow. `errors` lists the rules
/// whose condition could not be evaluated (such a permit does not apply; such a
/// forbid does).
///
/// ```
/// use portcullis::{Decision, Reason};
/// let d = Decision::deny(Reason::Denied, vec![], vec![]);
/// assert!(!d.allowed);
/// assert_eq!(d.status, 403);
/// assert_eq!(serde_json::to_value(&d).unwrap()["code"], "INSUFFICIENT_PERMISSIONS");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// `INSUFFICIENT_PERMISSIONS` for a denial, `None` for an allow.
    #[serde(serialize_with = "code_name")]
    pub code: Option<Code>,
    /// 200 for an allow, 403 for a denial.
    pub status: u16,
    /// `denied` or `forbidden` for a denial, `None` for an allow.
    #[serde(serialize_with = "reason_name")]
    pub reason: Option<Reason>,
    /// The ids of the rules that determined the decision.
    pub rules: Vec<String>,
    /// Conditions that failed to evaluate.
    pub errors: Vec<RuleError>,
}

/// A rule whose condition failed to evaluate, or a request that rules cannot read.
///
/// ```
/// let e = portcullis::RuleError { rule: Some("r1".into()), message: "resource.x does not exist".into() };
/// assert_eq!(serde_json::to_value(&e).unwrap()["rule"], "r1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleError {
    /// The rule's id; `None` for a problem with the request itself.
    pub rule: Option<String>,
    /// What went wrong (names paths, never values).
    pub message: String,
}

fn code_name<S: serde::Serializer>(code: &Option<Code>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_some(&code.map(Code::as_str))
}

fn reason_name<S: serde::Serializer>(reason: &Option<Reason>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_some(&reason.map(Reason::as_str))
}

impl Decision {
    /// An allow determined by `rules`.
    pub fn allow(rules: Vec<String>, errors: Vec<RuleError>) -> Self {
        Decision { allowed: true, code: None, status: 200, reason: None, rules, errors }
    }

    /// A denial for `reason` (`Denied` or `Forbidden`).
    pub fn deny(reason: Reason, rules: Vec<String>, errors: Vec<RuleError>) -> Self {
        Decision {
            allowed: false,
            code: Some(reason.code()),
            status: reason.status(),
            reason: Some(reason),
            rules,
            errors,
        }
    }
}

/// Applies `rules` to a request by `principal`.
pub(crate) fn decide(rules: &[Rule], principal: &Principal, request: &Request) -> Decision {
    let Some(resource_type) = request.resource_type() else {
        let error = RuleError { rule: None, message: "the request's resource has no string type".into() };
        return Decision::deny(Reason::Denied, Vec::new(), vec![error]);
    };
    let scope = Scope { principal, action: &request.action, resource: &request.resource, context: &request.context };
    let mut forbids = Vec::new();
    let mut permits = Vec::new();
    let mut errors = Vec::new();
    for rule in rules.iter().filter(|r| r.targets(resource_type, &request.action)) {
        let applies = match &rule.when {
            None => true,
            Some(expr) => match expr.evaluate(&scope) {
                Ok(value) => value,
                Err(e) => {
                    errors.push(RuleError { rule: Some(rule.id.clone()), message: e.message });
                    rule.effect == Effect::Forbid
                }
            },
        };
        if applies {
            match rule.effect {
                Effect::Forbid => forbids.push(rule.id.clone()),
                Effect::Permit => permits.push(rule.id.clone()),
            }
        }
    }
    if !forbids.is_empty() {
        Decision::deny(Reason::Forbidden, forbids, errors)
    } else if !permits.is_empty() {
        Decision::allow(permits, errors)
    } else {
        Decision::deny(Reason::Denied, Vec::new(), errors)
    }
}
