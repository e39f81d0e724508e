//! Warnings about a policy that loads but probably does not do what its author meant.

use serde::Serialize;

use crate::keys::Keys;
use crate::policy::{Effect, Policy};

/// Something in a valid policy that deserves a second look (see [`crate::Engine::warnings`]).
///
/// ```
/// let w = wardgate::Warning { path: "rules[0]".into(), message: "never applies".into() };
/// assert_eq!(serde_json::to_value(&w).unwrap()["path"], "rules[0]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Where, e.g. `rules[1].when`.
    pub path: String,
    /// What and why.
    pub message: String,
}

pub(crate) fn warnings(policy: &Policy) -> Vec<Warning> {
    let mut out = Vec::new();
    let inline = match &policy.keys {
        Keys::Static(_, set) => set.algorithms_without_key(&policy.header.algorithms),
        Keys::Remote(_) => Vec::new(),
    };
    for alg in inline {
        out.push(Warning {
            path: "token.algorithms".into(),
            message: format!("{alg} is allowed but no configured key can verify it"),
        });
    }
    for (i, rule) in policy.rules.iter().enumerate() {
        let path = format!("rules[{i}]");
        if rule.actions.as_ref().is_some_and(Vec::is_empty) {
            out.push(Warning {
                path: format!("{path}.actions"),
                message: format!("rule {:?} lists no actions, so it never applies", rule.id),
            });
        }
        let Some(when) = &rule.when else { continue };
        let message = match rule.effect {
            Effect::Permit if when.never_true() => {
                Some(format!("rule {:?} can never apply: its condition is never true", rule.id))
            }
            Effect::Forbid if when.always_false() => {
                Some(format!("rule {:?} can never apply: its condition is always false", rule.id))
            }
            Effect::Forbid if when.never_true() => Some(format!(
                "forbid rule {:?} denies every request it targets: its condition is never true but fails to evaluate, and a condition that fails counts against the request",
                rule.id
            )),
            _ => None,
        };
        if let Some(message) = message {
            out.push(Warning { path: format!("{path}.when"), message });
        }
        if rule.effect == Effect::Forbid {
            for read in when.unguarded_paths() {
                out.push(Warning {
                    path: format!("{path}.when"),
                    message: format!(
                        "forbid rule {:?} reads {read} without a `has` guard: when it is absent the condition errors and the rule denies every request it targets",
                        rule.id
                    ),
                });
            }
        }
    }
    out
}
