//! `Principal` and `Decision`: immutable Python views of the core's values.

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyList, PyString, PyTuple};

use crate::convert;
use crate::errors;

/// The keys of a principal read as a mapping, in the order of `to_dict`.
const KEYS: [&str; 4] = ["id", "roles", "tenant", "claims"];

/// Who a verified token speaks for.
///
/// Also a read-only mapping of `KEYS` (as `to_dict` gives them), so that `dict(principal)`,
/// `{**principal}` and FastAPI's `jsonable_encoder` (which calls `dict()` on objects it does
/// not know) serialise it; `wardgate/__init__.py` registers it as a `collections.abc.Mapping`.
#[pyclass(frozen, eq, mapping, module = "wardgate", name = "Principal")]
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
        self.inner.id()
    }

    #[getter]
    fn roles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.roles())
    }

    #[getter]
    fn tenant(&self) -> Option<&str> {
        self.inner.tenant()
    }

    /// A new `dict` on every access: changing it changes nothing here.
    #[getter]
    fn claims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        convert::map_to_py(py, self.inner.claims())
    }

    fn has_role(&self, role: &str) -> bool {
        self.inner.has_role(role)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for key in KEYS {
            dict.set_item(key, self.value(py, key)?)?;
        }
        Ok(dict)
    }

    fn __len__(&self) -> usize {
        KEYS.len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        PyTuple::new(py, KEYS)?.try_iter()
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> bool {
        Self::key_of(key).is_some()
    }

    /// `principal["claims"]` is `principal.to_dict()["claims"]` (a new `dict`, and `"roles"` a
    /// new `list`, on every access); any other key is a `KeyError`.
    fn __getitem__<'py>(&self, py: Python<'py>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        match Self::key_of(key) {
            Some(name) => self.value(py, name),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    #[pyo3(signature = (key, default = None, /))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match Self::key_of(key) {
            Some(name) => self.value(py, name),
            None => Ok(default.unwrap_or_else(|| py.None().into_bound(py))),
        }
    }

    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let dict = PyDict::new(py);
        for key in KEYS {
            dict.set_item(key, py.None())?;
        }
        dict.call_method0("keys")
    }

    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_dict(py)?.call_method0("values")
    }

    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_dict(py)?.call_method0("items")
    }

    /// Shows the mapped fields, never the claims.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let id = self.inner.id().into_pyobject(py)?.repr()?;
        let tenant = self.tenant().into_pyobject(py)?.repr()?;
        Ok(format!("Principal(id={id}, roles={}, tenant={tenant})", self.roles(py)?.repr()?))
    }
}

impl Principal {
    /// The name in `KEYS` that `key` equals, if any (a key of another type is none of them).
    fn key_of(key: &Bound<'_, PyAny>) -> Option<&'static str> {
        let key = key.cast::<PyString>().ok()?.to_cow().ok()?;
        KEYS.into_iter().find(|name| *name == key)
    }

    /// The value of one of `KEYS`, as `to_dict` gives it.
    fn value<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        match key {
            "id" => Ok(PyString::new(py, self.inner.id()).into_any()),
            "roles" => Ok(PyList::new(py, self.inner.roles())?.into_any()),
            "tenant" => Ok(self.tenant().into_pyobject(py)?.into_any()),
            "claims" => Ok(self.claims(py)?.into_any()),
            _ => Err(PyKeyError::new_err(key.to_owned())),
        }
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
