//! The verified identity that rules see.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

/// Who a verified token speaks for, as the policy's `principal` section maps it.
///
/// Read-only: a principal from [`Engine::verify`](crate::Engine::verify) keeps what the
/// verification made of the token. Its claims are always the whole verified payload, so
/// rules can read any claim through `principal.claims.NAME`, and its id is never empty (a
/// token without one is refused).
///
/// ```
/// use wardgate::Principal;
/// use serde_json::json;
///
/// let p = Principal::new("user_1", vec!["admin".into()], None, json!({"sub": "user_1"}));
/// assert_eq!(p.id(), "user_1");
/// assert!(p.has_role("admin"));
/// assert_eq!(p.claims()["sub"], "user_1");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Principal {
    pub(crate) id: String,
    pub(crate) roles: Vec<String>,
    pub(crate) tenant: Option<String>,
    /// Shared between copies of the principal: a clone, as a verified-token cache hit
    /// makes, does not copy the claims.
    pub(crate) claims: Arc<Map<String, Value>>,
}

impl Principal {
    /// Builds a principal by hand, for `authorize` calls that do not start from a token.
    ///
    /// `claims` should be a JSON object; anything else gives an empty claim set.
    ///
    /// ```
    /// use wardgate::Principal;
    /// let p = Principal::new("u1", vec![], Some("org_1".into()), serde_json::json!({}));
    /// assert_eq!(p.tenant(), Some("org_1"));
    /// ```
    pub fn new(id: impl Into<String>, roles: Vec<String>, tenant: Option<String>, claims: Value) -> Self {
        let claims = match claims {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Principal { id: id.into(), roles, tenant, claims: Arc::new(claims) }
    }

    /// The principal's id (by default the `sub` claim).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its roles (by default from the `role` claim); empty when the claim is absent.
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// The tenant (organisation), when the policy names a tenant claim and the token carries it.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The whole verified payload.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The principal as JSON, `{"id", "roles", "tenant", "claims"}` (what `Serialize`
    /// gives), moving the claims rather than copying them.
    ///
    /// ```
    /// # use wardgate::Principal;
    /// let p = Principal::new("u1", vec!["user".into()], None, serde_json::json!({"sub": "u1"}));
    /// assert_eq!(p.clone().into_value(), serde_json::to_value(&p).unwrap());
    /// ```
    pub fn into_value(self) -> Value {
        let mut object = Map::new();
        object.insert("id".into(), Value::String(self.id));
        object.insert("roles".into(), Value::Array(self.roles.into_iter().map(Value::String).collect()));
        object.insert("tenant".into(), self.tenant.map_or(Value::Null, Value::String));
        object.insert("claims".into(), Value::Object(Arc::unwrap_or_clone(self.claims)));
        Value::Object(object)
    }

    /// Whether `role` is one of the principal's roles.
    ///
    /// ```
    /// # use wardgate::Principal;
    /// let p = Principal::new("u1", vec!["user".into()], None, serde_json::json!({}));
    /// assert!(p.has_role("user") && !p.has_role("admin"));
    /// ```
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// The policy's `principal` section: which claims hold the id, the roles and the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrincipalMapping {
    pub id: String,
    pub roles: String,
    pub tenant: Option<String>,
}

impl Default for PrincipalMapping {
    fn default() -> Self {
        PrincipalMapping { id: "sub".into(), roles: "role".into(), tenant: None }
    }
}

impl PrincipalMapping {
    /// The mapped claims are present (the id) and of usable types.
    pub(crate) fn check(&self, claims: &Map<String, Value>) -> Result<(), crate::AuthError> {
        use crate::error::{AuthError, Reason};
        match claims.get(&self.id) {
            None => {
                return Err(AuthError::new(
                    Reason::MissingClaim,
                    format!("the token has no {} claim for the principal id", self.id),
                ))
            }
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(_) => {
                return Err(AuthError::new(
                    Reason::InvalidClaim,
                    format!("the {} claim (principal id) is not a non-empty string", self.id),
                ))
            }
        }
        let roles_ok = match claims.get(&self.roles) {
            None | Some(Value::Null) | Some(Value::String(_)) => true,
            Some(Value::Array(items)) => items.iter().all(Value::is_string),
            Some(_) => false,
        };
        if !roles_ok {
            return Err(AuthError::new(
                Reason::InvalidClaim,
                format!("the {} claim (roles) is neither a string nor a list of strings", self.roles),
            ));
        }
        if let Some(tenant) = &self.tenant {
            if !matches!(claims.get(tenant), None | Some(Value::Null) | Some(Value::String(_))) {
                return Err(AuthError::new(
                    Reason::InvalidClaim,
                    format!("the {tenant} claim (tenant) is not a string"),
                ));
            }
        }
        Ok(())
    }

    /// Builds the principal from claims that passed [`PrincipalMapping::check`].
    pub(crate) fn principal(&self, claims: Map<String, Value>) -> Principal {
        let id = claims.get(&self.id).and_then(Value::as_str).unwrap_or_default().to_owned();
        let roles = match claims.get(&self.roles) {
            Some(Value::String(s)) => {
                s.split(',').map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned).collect()
            }
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        let tenant = self.tenant.as_ref().and_then(|t| claims.get(t)).and_then(Value::as_str).map(str::to_owned);
        Principal { id, roles, tenant, claims: Arc::new(claims) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn roles_from_a_comma_string_or_a_list() {
        let m = PrincipalMapping::default();
        let p = m.principal(map(json!({"sub": "u", "role": " user, admin ,,"})));
        assert_eq!(p.roles, vec!["user", "admin"]);
        let p = m.principal(map(json!({"sub": "u", "role": ["a", "b"]})));
        assert_eq!(p.roles, vec!["a", "b"]);
        let p = m.principal(map(json!({"sub": "u"})));
        assert!(p.roles.is_empty() && p.tenant.is_none());
    }

    #[test]
    fn tenant_and_types() {
        let m = PrincipalMapping { tenant: Some("org".into()), ..Default::default() };
        assert_eq!(m.principal(map(json!({"sub": "u", "org": "o1"}))).tenant.as_deref(), Some("o1"));
        assert!(m.check(&map(json!({"sub": "u", "org": 5}))).is_err());
        assert!(m.check(&map(json!({"sub": "u", "role": {"x": 1}}))).is_err());
        assert!(m.check(&map(json!({"sub": 7}))).is_err());
        assert!(m.check(&map(json!({}))).is_err());
        assert!(m.check(&map(json!({"sub": "u", "org": null, "role": null}))).is_ok());
    }
}
