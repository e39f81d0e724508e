//! `Principal` and `Decision`: immutable Python views of the core's values.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::convert;
use crate::errors;

/// Who a verified token speaks for.
#[pyclass(frozen, eq, module = "wardgate", name = "Principal")]
#[derive(PartialEq)]
pub struct Principal {
    pub inner: wardgate::Principal,
}

impl From<wardgate::Principal> for Principal {
    fn from(inner: wardgate::Principal) -> Self {
        Principal { inner }
    }
}

#[pymethods]
impl Principal {
    #[new]
    #[pyo3(signature = (id, roles = None, tenant = None, claims = None))]
    fn new(
        id: &Bound<'_, PyAny>,
        roles: Option<&Bound<'_, PyAny>>,
        tenant: Option<&Bound<'_, PyAny>>,
        claims: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let id = convert::text(id, "id")?;
        let roles = match roles {
            Some(roles) if !roles.is_none() => convert::texts(roles, "roles")?,
            _ => Vec::new(),
        };
        let tenant = match tenant {
            Some(t) if !t.is_none() => Some(convert::text(t, "tenant")?),
            _ => None,
        };
        let claims = match claims {
            Some(c) if !c.is_none() => convert::to_object(c, "claims")?,
            _ => serde_json::Value::Object(Default::default()),
        };
        Ok(Principal { inner: wardgate::Principal::new(id, roles, tenant, claims) })
    }

    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    #[getter]
    fn roles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.inner.roles)
    }

    #[getter]
    fn tenant(&self) -> Option<&str> {
        self.inner.tenant.as_deref()
    }

    /// A new `dict` on every access: changing it changes nothing here.
    #[getter]
    fn claims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        convert::map_to_py(py, &self.inner.claims)
    }

    fn has_role(&self, role: &str) -> bool {
        self.inner.has_role(role)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("id", &self.inner.id)?;
        dict.set_item("roles", self.roles(py)?.to_list())?;
        dict.set_item("tenant", self.tenant())?;
        dict.set_item("claims", self.claims(py)?)?;
        Ok(dict)
    }

    /// Shows the mapped fields, never the claims.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let id = self.inner.id.as_str().into_pyobject(py)?.repr()?;
        let tenant = self.tenant().into_pyobject(py)?.repr()?;
        Ok(format!("Principal(id={id}, roles={}, tenant={tenant})", self.roles(py)?.repr()?))
    }
}

/// The answer to an authorization request.
#[pyclass(frozen, eq, module = "wardgate", name = "Decision")]
#[derive(PartialEq)]
pub struct Decision {
    pub inner: wardgate::Decision,
}

impl From<wardgate::Decision> for Decision {
    fn from(inner: wardgate::Decision) -> Self {
        Decision { inner }
    }
}

#[pymethods]
impl Decision {
    #[getter]
    fn allowed(&self) -> bool {
        self.inner.allowed
    }

    #[getter]
    fn code(&self) -> Option<&'static str> {
        self.inner.code.map(|c| c.as_str())
    }

    #[getter]
    fn status(&self) -> u16 {
        self.inner.status
    }

    #[getter]
    fn reason(&self) -> Option<&'static str> {
        self.inner.reason.map(|r| r.as_str())
    }

    #[getter]
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.inner.rules)
    }

    #[getter]
    fn detail(&self) -> Option<&'static str> {
        self.inner.detail
    }

    #[getter]
    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let mut items = Vec::with_capacity(self.inner.errors.len());
        for e in &self.inner.errors {
            let dict = PyDict::new(py);
            dict.set_item("rule", e.rule.as_deref())?;
            dict.set_item("message", &e.message)?;
            items.push(dict);
        }
        PyTuple::new(py, items)
    }

    /// Raises `InsufficientPermissions` (403) when the decision denies.
    fn raise_if_denied(&self) -> PyResult<()> {
        self.inner.error().map_or(Ok(()), |e| Err(errors::auth(&e)))
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("allowed", self.allowed())?;
        dict.set_item("code", self.code())?;
        dict.set_item("status", self.status())?;
        dict.set_item("reason", self.reason())?;
        dict.set_item("rules", self.rules(py)?.to_list())?;
        dict.set_item("errors", self.errors(py)?.to_list())?;
        dict.set_item("detail", self.detail())?;
        Ok(dict)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let allowed = if self.inner.allowed { "True" } else { "False" };
        let reason = self.reason().into_pyobject(py)?.repr()?;
        Ok(format!("Decision(allowed={allowed}, reason={reason}, rules={})", self.rules(py)?.repr()?))
    }
}
