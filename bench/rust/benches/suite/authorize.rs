//! The `authorize` sides: Wardgate `Engine::authorize` beside cedar-policy
//! `Authorizer::is_authorized` over the same four rules (`todo.cedar`), for each request
//! of the fixtures. Everything but the decision itself (the principal, Cedar's policy set,
//! entities and request) is built once, outside the timing.

use crate::fixtures::{AuthzRequest, Fixtures};
use crate::measure::Side;
use cedar_policy::{Authorizer, Context, Decision, Entities, EntityId, EntityUid, PolicySet};
use serde_json::{json, Value};
use std::hint::black_box;
use wardgate::{Engine, Principal, Request, UnixTime};

/// The Cedar text of the four rules, each mapped to its Wardgate rule in comments.
const POLICIES: &str = include_str!("todo.cedar");

/// For each request, the Wardgate side then the Cedar side; both must reach the
/// fixture's decision before they are timed.
pub fn sides(fx: &Fixtures, now: UnixTime) -> Vec<Side> {
    let case = &fx.authorize;
    let engine = Engine::from_value(&case.policy).unwrap_or_else(|e| panic!("the authorize policy: {e}"));
    let principal = engine.verify(&case.token, now).expect("the authorize engine accepts the authorize token");
    let policies: PolicySet = POLICIES.parse().unwrap_or_else(|e| panic!("todo.cedar: {e}"));
    let entities = entities(&principal, &case.requests);
    let engine = std::rc::Rc::new(engine);
    let policies = std::rc::Rc::new(policies);
    let entities = std::rc::Rc::new(entities);

    let mut sides = Vec::new();
    for r in &case.requests {
        let request = Request::new(r.action.clone(), r.resource.clone());
        let decision = engine.authorize(&principal, &request);
        assert!(
            decision.allowed == r.allowed && decision.errors.is_empty(),
            "{}: wardgate decides {decision:?}, the fixtures expect allowed = {}",
            r.name,
            r.allowed
        );
        let (engine, p) = (engine.clone(), principal.clone());
        sides.push(Side::new("wardgate", "authorize", &r.name, move || {
            black_box(engine.authorize(black_box(&p), black_box(&request)));
        }));

        let cedar_request = cedar_request(&principal, r);
        let authorizer = Authorizer::new();
        let response = authorizer.is_authorized(&cedar_request, &policies, &entities);
        let errors: Vec<String> = response.diagnostics().errors().map(ToString::to_string).collect();
        assert!(
            (response.decision() == Decision::Allow) == r.allowed && errors.is_empty(),
            "{}: cedar-policy decides {:?} (errors {errors:?}), the fixtures expect allowed = {}",
            r.name,
            response.decision(),
            r.allowed
        );
        let (policies, entities) = (policies.clone(), entities.clone());
        sides.push(Side::new("cedar-policy", "authorize", &r.name, move || {
            black_box(authorizer.is_authorized(black_box(&cedar_request), &policies, &entities));
        }));
    }
    sides
}

fn uid(entity_type: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(entity_type.parse().expect("an entity type name"), EntityId::new(id))
}

/// The Cedar request of a fixture request: the principal's `User`, the action, the `Todo`.
fn cedar_request(principal: &Principal, r: &AuthzRequest) -> cedar_policy::Request {
    let todo = r.resource.get("id").and_then(Value::as_str).expect("authorize resources have an id");
    cedar_policy::Request::new(
        uid("User", principal.id()),
        uid("Action", &r.action),
        uid("Todo", todo),
        Context::empty(),
        None,
    )
    .unwrap_or_else(|e| panic!("{}: the Cedar request: {e}", r.name))
}

/// The entities Cedar reads: the principal as a `User` (its roles and the claims the rules
/// read) and each request's todo, with its owner.
fn entities(principal: &Principal, requests: &[AuthzRequest]) -> Entities {
    let mut attrs = json!({"roles": principal.roles()});
    for claim in ["emailVerified", "banned"] {
        if let Some(value) = principal.claims().get(claim) {
            attrs[claim] = value.clone();
        }
    }
    let mut list = vec![json!({"uid": {"type": "User", "id": principal.id()}, "attrs": attrs, "parents": []})];
    for r in requests {
        let text =
            |name: &str| r.resource.get(name).and_then(Value::as_str).expect("authorize resources: id, owner_id");
        list.push(json!({
            "uid": {"type": "Todo", "id": text("id")},
            "attrs": {"owner": {"__entity": {"type": "User", "id": text("owner_id")}}},
            "parents": [],
        }));
    }
    Entities::from_json_value(Value::Array(list), None).unwrap_or_else(|e| panic!("the Cedar entities: {e}"))
}
