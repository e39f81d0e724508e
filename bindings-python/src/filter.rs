//! `Filter`: a list filter planned by the core, with its row check, its JSON form, its
//! SQL and its clause for ORM adapters. Every rule is the core's; this converts.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde_json::Value;
use wardgate::ffi::panics::filter as contain;
use wardgate::filter::sql::{Columns, SqlValue};

use crate::convert;
use crate::errors;

/// Which resources of one type `authorize` would allow, for one principal, action and
/// context (from `Engine.filter`). Immutable; equal when planned alike.
#[pyclass(frozen, eq, module = "wardgate", name = "Filter")]
#[derive(PartialEq)]
pub struct Filter {
    pub inner: wardgate::filter::Filter,
}

impl From<wardgate::filter::Filter> for Filter {
    fn from(inner: wardgate::filter::Filter) -> Self {
        Filter { inner }
    }
}

#[pymethods]
impl Filter {
    /// `"always"`, `"never"` or `"conditional"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind().as_str()
    }

    #[getter]
    fn action(&self) -> &str {
        self.inner.action()
    }

    #[getter]
    fn resource_type(&self) -> &str {
        self.inner.resource_type()
    }

    /// The resource attributes the filter reads (the first name of each path), sorted:
    /// what a table must have columns for.
    #[getter]
    fn attributes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.attributes())
    }

    /// Whether the filter selects `resource` (a mapping of its attributes; a `"type"`
    /// member is ignored): always the answer `authorize` gives for it.
    fn matches(&self, resource: &Bound<'_, PyAny>) -> PyResult<bool> {
        let resource = mapping(resource, "resource")?;
        let Value::Object(resource) = resource else {
            return Err(PyTypeError::new_err("resource must be a mapping"));
        };
        contain(|| Ok(self.inner.matches(&resource))).map_err(|e| errors::filter(&e))
    }

    /// The filter's JSON form, as a new `dict`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, &self.inner.to_value())
    }

    /// Reads a filter back from its JSON form (what `to_dict` gives).
    #[staticmethod]
    fn from_dict(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        let value = mapping(value, "filter")?;
        contain(|| wardgate::filter::Filter::from_value(&value)).map(Filter::from).map_err(|e| errors::filter(&e))
    }

    /// The filter as a parameterised `WHERE` condition: `(text, params)`.
    fn sql<'py>(
        &self,
        py: Python<'py>,
        dialect: &Bound<'py, PyAny>,
        columns: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let dialect = convert::text(dialect, "dialect")?;
        let columns = mapping(columns, "columns")?;
        let inner = &self.inner;
        let (sql, shown) = py
            .detach(|| {
                contain(|| {
                    let dialect = wardgate::ffi::dialect(&dialect)?;
                    let sql = inner.sql(dialect, &Columns::from_value(&columns)?)?;
                    let shown = sql.to_value(dialect);
                    Ok((sql, shown))
                })
            })
            .map_err(|e| errors::filter(&e))?;
        let params = PyList::empty(py);
        let shown_params = shown["params"].as_array().map(Vec::as_slice).unwrap_or_default();
        for (value, shown) in sql.params.iter().zip(shown_params) {
            // An integer stays an exact `int` (the JSON form writes those beyond 2^53 as
            // decimal text, for JavaScript); everything else as the core writes it.
            match value {
                SqlValue::Integer(i) => params.append(*i)?,
                _ => params.append(convert::to_py(py, shown)?)?,
            }
        }
        PyTuple::new(py, [PyString::new(py, &sql.text).into_any(), params.into_any()])
    }

    /// The filter folded against column types, for ORM adapters: the core's clause JSON
    /// (`True`, `False` or a `dict`).
    fn clause<'py>(
        &self,
        py: Python<'py>,
        dialect: &Bound<'py, PyAny>,
        columns: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let dialect = convert::text(dialect, "dialect")?;
        let columns = mapping(columns, "columns")?;
        let inner = &self.inner;
        let clause = py
            .detach(|| {
                contain(|| {
                    let dialect = wardgate::ffi::dialect(&dialect)?;
                    Ok(inner.clause(dialect, &Columns::from_value(&columns)?)?.to_value())
                })
            })
            .map_err(|e| errors::filter(&e))?;
        convert::to_py(py, &clause)
    }

    fn __repr__(&self) -> String {
        format!(
            "Filter(kind={:?}, action={:?}, resource_type={:?})",
            self.inner.kind().as_str(),
            self.inner.action(),
            self.inner.resource_type()
        )
    }
}

/// A `dict`, or any other `collections.abc.Mapping` (copied into a `dict` first), as JSON.
pub fn mapping(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Value> {
    if obj.is_instance_of::<PyDict>() {
        return convert::to_value(obj, name);
    }
    static MAPPING: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = obj.py();
    let abc = MAPPING.import(py, "collections.abc", "Mapping")?;
    if obj.is_instance(abc)? {
        let dict = PyDict::new(py);
        dict.call_method1("update", (obj,))?;
        return convert::to_value(&dict, name);
    }
    Err(PyTypeError::new_err(format!("{name} must be a mapping (a dict), not {}", convert::type_name(obj))))
}
