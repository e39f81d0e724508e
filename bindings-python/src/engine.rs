//! `Engine`: a loaded policy, with the calls of the Python API.

use std::path::PathBuf;

use portcullis::{contain, credential_token, AuthError, Request, UnixTime};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDateTime, PyDict, PyFloat, PyInt, PyString, PyTuple};

use crate::convert;
use crate::errors;
use crate::types::{Decision, Principal};

/// A loaded policy document: verifies tokens and decides requests. Thread-safe.
#[pyclass(frozen, module = "portcullis", name = "Engine")]
pub struct Engine {
    inner: portcullis::Engine,
}

#[pymethods]
impl Engine {
    #[new]
    fn new(policy: &Bound<'_, PyAny>) -> PyResult<Self> {
        let loaded = if let Ok(text) = policy.cast::<PyString>() {
            let text = text.to_cow()?;
            contain::config(|| portcullis::Engine::from_json(&text))
        } else if policy.is_instance_of::<PyDict>() {
            let doc = convert::to_value(policy, "policy")?;
            contain::config(|| portcullis::Engine::from_value(&doc))
        } else {
            return Err(PyTypeError::new_err(format!(
                "policy must be a dict or a JSON str, not {}",
                convert::type_name(policy)
            )));
        };
        loaded.map(|inner| Engine { inner }).map_err(|e| errors::config(&e))
    }

    #[staticmethod]
    fn from_file(path: PathBuf) -> PyResult<Self> {
        contain::config(|| portcullis::Engine::from_file(&path))
            .map(|inner| Engine { inner })
            .map_err(|e| errors::config(&e))
    }

    #[pyo3(signature = (token, *, now = None))]
    fn verify(&self, py: Python<'_>, token: &Bound<'_, PyAny>, now: Option<&Bound<'_, PyAny>>) -> PyResult<Principal> {
        let token = convert::text(token, "token")?;
        let now = clock(now)?;
        self.run(py, |engine| engine.verify(&token, now)).map(|inner| Principal { inner })
    }

    #[pyo3(signature = (header, *, now = None))]
    fn verify_authorization(
        &self,
        py: Python<'_>,
        header: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Principal> {
        let header = if header.is_none() { String::new() } else { convert::text(header, "header")? };
        let now = clock(now)?;
        self.run(py, |engine| engine.verify_authorization(&header, now)).map(|inner| Principal { inner })
    }

    #[pyo3(signature = (principal, action, resource, context = None))]
    fn authorize(
        &self,
        principal: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        resource: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Decision> {
        let Ok(principal) = principal.cast::<Principal>() else {
            return Err(PyTypeError::new_err(format!(
                "principal must be a portcullis.Principal, not {}",
                convert::type_name(principal)
            )));
        };
        let request = request(action, resource, context)?;
        let principal = &principal.get().inner;
        let inner = contain::decision(|| self.inner.authorize(principal, &request));
        Ok(Decision { inner })
    }

    #[pyo3(signature = (token_or_header, action, resource, context = None, *, now = None))]
    fn check(
        &self,
        py: Python<'_>,
        token_or_header: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        resource: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Decision> {
        let credential = convert::text(token_or_header, "token_or_header")?;
        let request = request(action, resource, context)?;
        let now = clock(now)?;
        self.run(py, |engine| engine.check(credential_token(&credential)?, &request, now))
            .map(|inner| Decision { inner })
    }

    /// `verify` as a coroutine: `principal = await engine.averify(token)`.
    #[pyo3(signature = (token, *, now = None))]
    fn averify<'py>(
        slf: &Bound<'py, Self>,
        token: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        coroutine(slf, "verify", (token,), now)
    }

    /// `check` as a coroutine.
    #[pyo3(signature = (token_or_header, action, resource, context = None, *, now = None))]
    fn acheck<'py>(
        slf: &Bound<'py, Self>,
        token_or_header: &Bound<'py, PyAny>,
        action: &Bound<'py, PyAny>,
        resource: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, PyAny>>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        coroutine(slf, "check", (token_or_header, action, resource, context), now)
    }

    /// Suspicious but valid parts of the policy, as `(path, message)` pairs.
    fn warnings(&self) -> Vec<(String, String)> {
        self.inner.warnings().into_iter().map(|w| (w.path, w.message)).collect()
    }

    fn __repr__(&self) -> String {
        "Engine(...)".into()
    }
}

impl Engine {
    /// Runs a verification without the GIL, containing any panic, and maps the error.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        call: impl FnOnce(&portcullis::Engine) -> Result<T, AuthError> + Send,
    ) -> PyResult<T> {
        let engine = &self.inner;
        py.detach(|| contain::auth(|| call(engine))).map_err(|e| errors::auth(&e))
    }
}

/// A coroutine (from `portcullis._aio`) that calls `method` when awaited.
fn coroutine<'py>(
    slf: &Bound<'py, Engine>,
    method: &str,
    args: impl IntoPyObject<'py, Target = PyTuple, Output = Bound<'py, PyTuple>, Error = PyErr>,
    now: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    static CALL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = slf.py();
    let call = CALL.import(py, "portcullis._aio", "call")?;
    let args = args.into_pyobject(py)?;
    let mut all = vec![slf.getattr(method)?];
    all.extend(args.iter());
    let kwargs = PyDict::new(py);
    if let Some(now) = now {
        kwargs.set_item("now", now)?;
    }
    call.call(PyTuple::new(py, all)?, Some(&kwargs))
}

/// `now`: `None` for the system clock, seconds since the epoch as `int` or `float`,
/// or an aware `datetime`.
fn clock(now: Option<&Bound<'_, PyAny>>) -> PyResult<UnixTime> {
    let Some(now) = now.filter(|n| !n.is_none()) else {
        return Ok(UnixTime::now());
    };
    let number = now.is_instance_of::<PyFloat>() || (now.is_instance_of::<PyInt>() && !now.is_instance_of::<PyBool>());
    if number {
        return Ok(UnixTime::from_secs_f64(now.extract::<f64>()?));
    }
    if now.is_instance_of::<PyDateTime>() {
        if now.getattr("tzinfo")?.is_none() {
            return Err(PyTypeError::new_err("now must be a timezone-aware datetime (a naive one is ambiguous)"));
        }
        return Ok(UnixTime::from_secs_f64(now.call_method0("timestamp")?.extract::<f64>()?));
    }
    Err(PyTypeError::new_err(format!(
        "now must be seconds since the epoch (int or float), a datetime or None, not {}",
        convert::type_name(now)
    )))
}

fn request(
    action: &Bound<'_, PyAny>,
    resource: &Bound<'_, PyAny>,
    context: Option<&Bound<'_, PyAny>>,
) -> PyResult<Request> {
    let action = convert::text(action, "action")?;
    let resource = convert::to_object(resource, "resource")?;
    let request = Request::new(action, resource);
    match context {
        Some(c) if !c.is_none() => Ok(request.with_context(convert::to_object(c, "context")?)),
        _ => Ok(request),
    }
}
