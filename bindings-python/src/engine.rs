//! `Engine`: a loaded policy, with the calls of the Python API.

use std::path::PathBuf;

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDateTime, PyDict, PyFloat, PyInt, PyString, PyTuple};
use wardgate::ffi::panics;
use wardgate::{AuthError, Credential, KeyAccess, KeyEvent, KeyEventLevel, Options, Request, Revoke, UnixTime};

use crate::convert;
use crate::errors;
use crate::filter::{self, Filter};
use crate::types::{Decision, Principal};

/// A loaded policy document: verifies tokens and decides requests. Thread-safe.
#[pyclass(frozen, module = "wardgate", name = "Engine")]
pub struct Engine {
    inner: wardgate::Engine,
    /// Whether the keys come from `keys.jwks_url`: only then may a call fetch, wait for
    /// a fetch, or leave key events to log.
    remote: bool,
}

impl From<wardgate::Engine> for Engine {
    fn from(inner: wardgate::Engine) -> Self {
        Engine { remote: wardgate::ffi::remote(&inner), inner }
    }
}

#[pymethods]
impl Engine {
    #[new]
    fn new(policy: &Bound<'_, PyAny>) -> PyResult<Self> {
        let loaded = if let Ok(text) = policy.cast::<PyString>() {
            let text = convert::str_of(text, "policy")?;
            panics::config(|| wardgate::Engine::from_json(&text))
        } else if policy.is_instance_of::<PyDict>() {
            let doc = convert::to_value(policy, "policy")?;
            panics::config(|| wardgate::Engine::from_value(&doc))
        } else {
            return Err(PyTypeError::new_err(format!(
                "policy must be a dict or a JSON str, not {}",
                convert::type_name(policy)
            )));
        };
        loaded.map(Engine::from).map_err(|e| errors::config(&e))
    }

    #[staticmethod]
    fn from_file(path: PathBuf) -> PyResult<Self> {
        panics::config(|| wardgate::Engine::from_file(&path)).map(Engine::from).map_err(|e| errors::config(&e))
    }

    #[pyo3(signature = (token, *, now = None))]
    fn verify(&self, py: Python<'_>, token: &Bound<'_, PyAny>, now: Option<&Bound<'_, PyAny>>) -> PyResult<Principal> {
        self.on_token(py, token, now, |engine, token, now| engine.verify(token, now)).map(Principal::from)
    }

    /// `verify` when the keys are in, without a fetch; `None` when a fetch of remote keys
    /// must come first (for `wardgate._aio`, which then moves `verify` to a thread).
    #[pyo3(signature = (token, *, now = None))]
    fn _verify_if_ready(
        &self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Principal>> {
        let verified =
            self.on_token(py, token, now, |engine, token, now| ready(engine.verify(token, if_ready(now))))?;
        Ok(verified.map(Principal::from))
    }

    #[pyo3(signature = (header, *, now = None))]
    fn verify_authorization(
        &self,
        py: Python<'_>,
        header: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Principal> {
        self.on_header(py, header, now, |engine, token, now| engine.verify(token, now)).map(Principal::from)
    }

    /// `verify_authorization` when the keys are in; `None` when a fetch must come first.
    #[pyo3(signature = (header, *, now = None))]
    fn _verify_authorization_if_ready(
        &self,
        py: Python<'_>,
        header: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Principal>> {
        let verified =
            self.on_header(py, header, now, |engine, token, now| ready(engine.verify(token, if_ready(now))))?;
        Ok(verified.map(Principal::from))
    }

    #[pyo3(signature = (principal, action, resource, context = None))]
    fn authorize(
        &self,
        principal: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        resource: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Decision> {
        let principal = principal_of(principal)?;
        let request = request(action, resource, context)?;
        let principal = &principal.get().inner;
        let inner = panics::decision(|| self.inner.authorize(principal, &request));
        Ok(Decision { inner })
    }

    /// Plans a list filter: which resources of `resource_type` `authorize` would allow
    /// `principal` to `action` (planned without the GIL).
    #[pyo3(signature = (principal, action, resource_type, context = None))]
    fn filter(
        &self,
        py: Python<'_>,
        principal: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        resource_type: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Filter> {
        let principal = principal_of(principal)?;
        let action = convert::text(action, "action")?;
        let resource_type = convert::text(resource_type, "resource_type")?;
        let context = match context {
            Some(c) if !c.is_none() => match filter::mapping(c, "context")? {
                serde_json::Value::Object(map) => map,
                _ => return Err(PyTypeError::new_err("context must be a mapping")),
            },
            _ => serde_json::Map::new(),
        };
        let principal = &principal.get().inner;
        let engine = &self.inner;
        py.detach(|| wardgate::ffi::panics::filter(|| engine.filter(principal, &action, &resource_type, &context)))
            .map(Filter::from)
            .map_err(|e| errors::filter(&e))
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
        let request = request(action, resource, context)?;
        self.on_credential(py, token_or_header, now, |engine, token, now| engine.check(token, &request, now))
            .map(Decision::from)
    }

    /// `check` when the keys are in; `None` when a fetch must come first.
    #[pyo3(signature = (token_or_header, action, resource, context = None, *, now = None))]
    fn _check_if_ready(
        &self,
        py: Python<'_>,
        token_or_header: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        resource: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Decision>> {
        let request = request(action, resource, context)?;
        let decided = self.on_credential(py, token_or_header, now, |engine, token, now| {
            ready(engine.check(token, &request, if_ready(now)))
        })?;
        Ok(decided.map(Decision::from))
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

    /// `verify_authorization` as a coroutine.
    #[pyo3(signature = (header, *, now = None))]
    fn averify_authorization<'py>(
        slf: &Bound<'py, Self>,
        header: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        coroutine(slf, "verify_authorization", (header,), now)
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

    /// The state of the key source: `{"source", "url", "state", "keys", "kids", "age",
    /// "fresh_for", "served_for", "fetches", "failures", "last_error", "fetching"}`.
    fn key_status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let status = panics::auth(|| Ok(self.inner.key_status()));
        self.log_key_events(py);
        let status = status.map_err(|_| PyRuntimeError::new_err("the key status could not be read"))?;
        let value = serde_json::to_value(&status)
            .map_err(|_| PyRuntimeError::new_err("the key status could not be converted"))?;
        convert::to_py(py, &value)
    }

    /// The verified-token cache's counters, `{"max_entries", "entries", "hits", "misses"}`,
    /// or `None` when the policy has no `cache` section.
    fn cache_status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let status = panics::auth(|| Ok(self.inner.cache_status()))
            .map_err(|_| PyRuntimeError::new_err("the cache status could not be read"))?;
        status
            .map(|s| {
                let value = serde_json::to_value(s)
                    .map_err(|_| PyRuntimeError::new_err("the cache status could not be converted"))?;
                convert::to_py(py, &value)
            })
            .transpose()
    }

    /// The revocation source's state, `{"source", "state", "entries", "sids", "jtis",
    /// "subjects", "last_sync", "age", "last_error"}`, or `None` when the policy has no
    /// `revocation` section.
    fn revocation_status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let status = panics::auth(|| Ok(self.inner.revocation_status()))
            .map_err(|_| PyRuntimeError::new_err("the revocation status could not be read"))?;
        status
            .map(|s| {
                let value = serde_json::to_value(s)
                    .map_err(|_| PyRuntimeError::new_err("the revocation status could not be converted"))?;
                convert::to_py(py, &value)
            })
            .transpose()
    }

    /// The revoked set in force, `{"sid": [...], "jti": [...], "subjects": {id: T}}`, or
    /// `None` without a `revocation` section or when its source has no set to vouch for.
    fn revocation_set<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let set = panics::auth(|| Ok(self.inner.revocation_set()))
            .map_err(|_| PyRuntimeError::new_err("the revocation set could not be read"))?;
        set.map(|value| convert::to_py(py, &value)).transpose()
    }

    /// Revokes a session, a token and/or every token of a principal issued up to now, for
    /// `ttl` seconds, at the policy's `revocation.redis_url` (one round trip to Redis, without
    /// the GIL). The rules are the core's; this converts the arguments and the error.
    #[pyo3(signature = (*, sid = None, jti = None, sub = None, ttl))]
    fn revoke(
        &self,
        py: Python<'_>,
        sid: Option<&Bound<'_, PyAny>>,
        jti: Option<&Bound<'_, PyAny>>,
        sub: Option<&Bound<'_, PyAny>>,
        ttl: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let mut revoke = Revoke::new(seconds(ttl, "ttl")?);
        if let Some(sid) = optional_text(sid, "sid")? {
            revoke = revoke.sid(sid);
        }
        if let Some(jti) = optional_text(jti, "jti")? {
            revoke = revoke.jti(jti);
        }
        if let Some(sub) = optional_text(sub, "sub")? {
            revoke = revoke.sub(sub);
        }
        let engine = &self.inner;
        // `panics::auth` contains a panic; the revocation's own error rides inside its `Ok`.
        match py.detach(|| panics::auth(|| Ok(engine.revoke(&revoke)))) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(errors::revoke(&e)),
            Err(_) => Err(errors::revoke_not_processed()),
        }
    }

    /// `revoke` as a coroutine: `await engine.arevoke(sub="user_42", ttl=3600)` runs it in a
    /// worker thread (`asyncio.to_thread`), so the event loop never waits on Redis.
    #[pyo3(signature = (*, sid = None, jti = None, sub = None, ttl))]
    fn arevoke<'py>(
        slf: &Bound<'py, Self>,
        sid: Option<&Bound<'py, PyAny>>,
        jti: Option<&Bound<'py, PyAny>>,
        sub: Option<&Bound<'py, PyAny>>,
        ttl: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        static IN_THREAD: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let py = slf.py();
        let in_thread = IN_THREAD.import(py, "wardgate._aio", "in_thread")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("sid", sid)?;
        kwargs.set_item("jti", jti)?;
        kwargs.set_item("sub", sub)?;
        kwargs.set_item("ttl", ttl)?;
        in_thread.call((slf.getattr("revoke")?,), Some(&kwargs))
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
    /// Reads a `token` argument and `now`, then runs `call` on them (see [`Engine::run`]).
    fn on_token<T: Send>(
        &self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
        call: impl FnOnce(&wardgate::Engine, &str, UnixTime) -> Result<T, AuthError> + Send,
    ) -> PyResult<T> {
        let token = convert::text(token, "token")?;
        let now = clock(now)?;
        self.run(py, |engine| call(engine, &token, now))
    }

    /// [`Engine::on_token`] for an `Authorization` value (`None` counts as absent): `call`
    /// gets its Bearer token.
    fn on_header<T: Send>(
        &self,
        py: Python<'_>,
        header: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
        call: impl FnOnce(&wardgate::Engine, &str, UnixTime) -> Result<T, AuthError> + Send,
    ) -> PyResult<T> {
        let header = if header.is_none() { String::new() } else { convert::text(header, "header")? };
        let now = clock(now)?;
        self.run(py, |engine| call(engine, Credential::Authorization(&header).token()?, now))
    }

    /// [`Engine::on_token`] for a `token_or_header` argument: `call` gets its token.
    fn on_credential<T: Send>(
        &self,
        py: Python<'_>,
        credential: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
        call: impl FnOnce(&wardgate::Engine, &str, UnixTime) -> Result<T, AuthError> + Send,
    ) -> PyResult<T> {
        let credential = convert::text(credential, "token_or_header")?;
        let now = clock(now)?;
        self.run(py, |engine| call(engine, Credential::either(&credential).token()?, now))
    }

    /// Runs a verification without the GIL, containing any panic, and maps the error.
    /// With remote keys the call may have fetched: the key cache's events are logged.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        call: impl FnOnce(&wardgate::Engine) -> Result<T, AuthError> + Send,
    ) -> PyResult<T> {
        let engine = &self.inner;
        let result = py.detach(|| panics::auth(|| call(engine)));
        self.log_key_events(py);
        result.map_err(|e| errors::auth(&e))
    }

    /// Logs the key cache's events not logged yet to the `wardgate` logger, each at its
    /// level. A logging failure is reported as unraisable, never in place of the result.
    fn log_key_events(&self, py: Python<'_>) {
        if !self.remote {
            return;
        }
        let events = panics::auth(|| Ok(self.inner.key_events())).unwrap_or_default();
        if !events.is_empty() {
            if let Err(e) = log(py, &events) {
                e.write_unraisable(py, None);
            }
        }
    }
}

/// Options at `now` that verify only when the keys are in (`KeyAccess::IfReady`).
fn if_ready(now: UnixTime) -> Options {
    Options::at(now).keys(KeyAccess::IfReady)
}

/// `None` when the keys were not ready (a fetch must come first), the result otherwise.
fn ready<T>(result: Result<T, AuthError>) -> Result<Option<T>, AuthError> {
    match result {
        Err(e) if e.keys_pending() => Ok(None),
        result => result.map(Some),
    }
}

/// Passes key events to `logging.getLogger("wardgate")`.
fn log(py: Python<'_>, events: &[KeyEvent]) -> PyResult<()> {
    static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let logger = LOGGER.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("logging")?.call_method1("getLogger", ("wardgate",))?.unbind())
    })?;
    let logger = logger.bind(py);
    for event in events {
        // The levels of the `logging` module: INFO, WARNING, ERROR.
        let level = match event.level {
            KeyEventLevel::Info => 20,
            KeyEventLevel::Warn => 30,
            KeyEventLevel::Error => 40,
        };
        logger.call_method1("log", (level, event.message.as_str()))?;
    }
    Ok(())
}

/// A coroutine (from `wardgate._aio`) that makes the call `method` when awaited: with
/// remote keys, `_{method}_if_ready` inline, and `method` in a worker thread only when that
/// says a fetch must come first; with inline keys, `method` inline.
fn coroutine<'py>(
    slf: &Bound<'py, Engine>,
    method: &str,
    args: impl IntoPyObject<'py, Target = PyTuple, Output = Bound<'py, PyTuple>, Error = PyErr>,
    now: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    static CALL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = slf.py();
    let call = CALL.import(py, "wardgate._aio", "call")?;
    let args = args.into_pyobject(py)?;
    let call_method = slf.getattr(method)?;
    let if_ready = if slf.get().remote { slf.getattr(format!("_{method}_if_ready"))? } else { call_method.clone() };
    let mut all = vec![call_method, if_ready];
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

/// An optional `str` argument called `name`: `None` when absent or `None`.
fn optional_text(obj: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<String>> {
    match obj {
        Some(obj) if !obj.is_none() => convert::text(obj, name).map(Some),
        _ => Ok(None),
    }
}

/// A whole number of seconds called `name`, which must be an `int` (not a `bool`). One out of
/// `u64`'s range is passed on as its nearest end (0 or `u64::MAX`), for the core to refuse.
fn seconds(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    if !obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{name} must be an int (seconds), not {}", convert::type_name(obj))));
    }
    match obj.extract::<u64>() {
        Ok(n) => Ok(n),
        Err(_) if obj.lt(0)? => Ok(0),
        Err(_) => Ok(u64::MAX),
    }
}

/// The `principal` argument, which must be a `wardgate.Principal`.
fn principal_of<'a, 'py>(principal: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, Principal>> {
    principal.cast::<Principal>().map_err(|_| {
        PyTypeError::new_err(format!("principal must be a wardgate.Principal, not {}", convert::type_name(principal)))
    })
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
