//! Deciding a request: forbid beats permit, and nothing is allowed by default.

use serde::Serialize;

use crate::error::{AuthError, Code, Reason};
use crate::policy::expr::Scope;
use crate::policy::principal::Principal;
use crate::policy::request::Request;
use crate::policy::{Effect, Rule};

/// The answer to an authorization request.
///
/// `rules` holds the ids of the rules that determined it: the applying forbid rules
/// for a forbid, the applying permit rules for an allow. `errors` lists the rules
/// whose condition could not be evaluated (such a permit does not apply; such a
/// forbid does).
///
/// ```
/// use wardgate::{Decision, Reason};
/// let d = Decision::deny(Reason::Denied, vec![], vec![]);
/// assert!(!d.allowed);
/// assert_eq!(d.status, 403);
/// assert_eq!(serde_json::to_value(&d).unwrap()["code"], "INSUFFICIENT_PERMISSIONS");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
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
    /// For a denial, a human explanation that names no rule (for a 403 body); `None` for an allow.
    pub detail: Option<&'static str>,
}

/// A rule whose condition failed to evaluate, or a request that rules cannot read.
///
/// ```
/// let e = wardgate::RuleError { rule: Some("r1".into()), message: "resource.x does not exist".into() };
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
        Decision { allowed: true, code: None, status: 200, reason: None, rules, errors, detail: None }
    }

    /// A denial for `reason`: `Forbidden`, or `Denied` (which any reason that is not a
    /// denial's becomes), so that a decision's `allowed`, `code`, `status`, `reason` and
    /// `detail` always agree.
    ///
    /// ```
    /// use wardgate::{Decision, Reason};
    /// assert_eq!(Decision::deny(Reason::Expired, vec![], vec![]).reason, Some(Reason::Denied));
    /// ```
    pub fn deny(reason: Reason, rules: Vec<String>, errors: Vec<RuleError>) -> Self {
        let reason = if reason == Reason::Forbidden { Reason::Forbidden } else { Reason::Denied };
        Decision {
            allowed: false,
            code: Some(reason.code()),
            status: reason.status(),
            reason: Some(reason),
            rules,
            errors,
            detail: Some(DENIALS.iter().find(|row| row.0 == reason).map_or("the request is denied", |row| row.1)),
        }
    }

    /// The denial as an [`AuthError`] (`INSUFFICIENT_PERMISSIONS`, 403), for frameworks
    /// that turn errors into responses; `None` for an allow. The detail names no rule.
    ///
    /// ```
    /// use wardgate::{Decision, Reason};
    /// let err = Decision::deny(Reason::Forbidden, vec!["banned".into()], vec![]).error().unwrap();
    /// assert_eq!((err.code().as_str(), err.status()), ("INSUFFICIENT_PERMISSIONS", 403));
    /// assert_eq!(err.detail(), "a forbid rule applies to this request");
    /// assert!(Decision::allow(vec![], vec![]).error().is_none());
    /// ```
    pub fn error(&self) -> Option<AuthError> {
        let reason = self.reason.filter(|_| !self.allowed)?;
        Some(AuthError::new(reason, self.detail.unwrap_or("the request is denied")))
    }
}

impl Decision {
    /// The decision when it allows, the denial as an [`AuthError`] otherwise, for `?` in
    /// handlers (what `raise_if_denied()` is in Python and `throwIfDenied()` in JavaScript).
    ///
    /// ```
    /// use wardgate::{Decision, Reason};
    /// assert!(Decision::allow(vec!["own".into()], vec![]).allowed_or_error().is_ok());
    /// let err = Decision::deny(Reason::Denied, vec![], vec![]).allowed_or_error().unwrap_err();
    /// assert_eq!(err.status(), 403);
    /// ```
    pub fn allowed_or_error(self) -> Result<Decision, AuthError> {
        match self.error() {
            Some(error) => Err(error),
            None => Ok(self),
        }
    }
}

/// The detail of each denial reason.
const DENIALS: [(Reason, &str); 2] = [
    (Reason::Denied, "no permit rule applies to this request"),
    (Reason::Forbidden, "a forbid rule applies to this request"),
];

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::expr::Expr;
    use serde_json::{json, Value};

    fn rule(id: &str, effect: Effect, when: Option<&str>) -> Rule {
        Rule {
            id: id.into(),
            effect,
            resource: Some("todo".into()),
            actions: None,
            when: when.map(|w| Expr::parse(w).unwrap()),
        }
    }

    fn principal() -> Principal {
        Principal::new("u1", vec![], None, json!({"sub": "u1"}))
    }

    fn todo(owner: &str) -> Request {
        Request::new("read", json!({"type": "todo", "owner_id": owner}))
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        let d = decide(&[], &principal(), &todo("u1"));
        assert_eq!((d.allowed, d.reason, d.status), (false, Some(Reason::Denied), 403));
    }

    #[test]
    fn forbid_beats_permit_and_all_determining_rules_are_listed() {
        let rules = [
            rule("p1", Effect::Permit, None),
            rule("p2", Effect::Permit, Some("resource.owner_id == principal.id")),
            rule("f1", Effect::Forbid, Some("resource.owner_id == 'blocked'")),
        ];
        let d = decide(&rules, &principal(), &todo("u1"));
        assert_eq!((d.allowed, d.rules.clone()), (true, vec!["p1".to_string(), "p2".to_string()]));
        let d = decide(&rules, &principal(), &todo("blocked"));
        assert_eq!((d.allowed, d.reason, d.rules.clone()), (false, Some(Reason::Forbidden), vec!["f1".to_string()]));
    }

    #[test]
    fn evaluation_errors_fail_closed() {
        let permit = [rule("p", Effect::Permit, Some("resource.missing == 1"))];
        let d = decide(&permit, &principal(), &todo("u1"));
        assert_eq!(d.reason, Some(Reason::Denied));
        assert_eq!(d.errors[0].rule.as_deref(), Some("p"));
        let forbid = [rule("p", Effect::Permit, None), rule("f", Effect::Forbid, Some("resource.missing == 1"))];
        let d = decide(&forbid, &principal(), &todo("u1"));
        assert_eq!((d.reason, d.rules.clone()), (Some(Reason::Forbidden), vec!["f".to_string()]));
    }

    #[test]
    fn a_resource_without_type_is_denied() {
        let d =
            decide(&[rule("p", Effect::Permit, None)], &principal(), &Request::new("read", json!({"owner_id": "u1"})));
        assert_eq!(d.reason, Some(Reason::Denied));
        assert_eq!(d.errors[0].rule, None);
    }

    #[test]
    fn serialises_codes_and_reasons_as_names() {
        let v = serde_json::to_value(Decision::deny(Reason::Forbidden, vec!["f".into()], vec![])).unwrap();
        assert_eq!(
            v,
            json!({"allowed": false, "code": "INSUFFICIENT_PERMISSIONS", "status": 403, "reason": "forbidden", "rules": ["f"], "errors": [],
                "detail": "a forbid rule applies to this request"})
        );
        let v = serde_json::to_value(Decision::allow(vec![], vec![])).unwrap();
        assert_eq!((v["code"].clone(), v["status"].clone()), (Value::Null, json!(200)));
    }
}
