//! Python objects to JSON values and back.
//!
//! Only what JSON can hold converts: `dict` with `str` keys, `list`/`tuple`, `str`,
//! `int` (within 64 bits), finite `float`, `bool` and `None`. Anything else is a
//! `TypeError` (a value out of range, or a `str` that is not valid Unicode, a
//! `ValueError`) that names where it was found, e.g. `resource.tags[2]`.

use std::borrow::Cow;
use std::fmt;

use pyo3::conversion::IntoPyObjectExt;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMemoryView, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Deeper structures are refused (this also stops self-referencing containers).
const MAX_DEPTH: usize = 64;

/// Where a value sits in the argument, rendered only when there is an error.
#[derive(Clone, Copy)]
enum Place<'a> {
    Root(&'a str),
    Key(&'a Place<'a>, &'a str),
    Index(&'a Place<'a>, usize),
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Root(name) => f.write_str(name),
            Place::Key(parent, key) => write!(f, "{parent}.{key}"),
            Place::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// Converts the argument called `name` to a JSON value.
pub fn to_value(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Value> {
    walk(obj, Place::Root(name), 0)
}

/// Converts the argument called `name`, which must be a `dict`, to a JSON object.
pub fn to_object(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Value> {
    if !obj.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err(format!("{name} must be a dict, not {}", type_name(obj))));
    }
    to_value(obj, name)
}

fn walk(obj: &Bound<'_, PyAny>, place: Place<'_>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(format!("{place}: nested more than {MAX_DEPTH} levels deep")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(PyValueError::new_err(format!("{place}: integer does not fit in 64 bits")));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err(format!("{place}: not a finite number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(str_of(s, place)?.into_owned()));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, item) in dict.iter() {
            let Ok(key) = key.cast::<PyString>() else {
                return Err(PyTypeError::new_err(format!("{place}: keys must be str, not {}", type_name(&key))));
            };
            let key = str_of(key, format_args!("{place}: a key"))?;
            let value = walk(&item, Place::Key(&place, &key), depth + 1)?;
            map.insert(key.into_owned(), value);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (index, item) in obj.try_iter()?.enumerate() {
            items.push(walk(&item?, Place::Index(&place, index), depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    Err(PyTypeError::new_err(format!(
        "{place}: {} is not JSON (use dict, list, str, int, float, bool or None)",
        type_name(obj)
    )))
}

/// Converts a JSON value to the matching Python object.
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Value::Null => Ok(py.None().into_bound(py)),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_bound_py_any(py)
            } else if let Some(u) = n.as_u64() {
                u.into_bound_py_any(py)
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py)
            }
        }
        Value::String(s) => s.into_bound_py_any(py),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            Ok(list.into_any())
        }
        Value::Object(map) => map_to_py(py, map).map(Bound::into_any),
    }
}

/// Converts a JSON object to a `dict`.
pub fn map_to_py<'py>(py: Python<'py>, map: &Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, item) in map {
        dict.set_item(key, to_py(py, item)?)?;
    }
    Ok(dict)
}

/// The argument called `name`, which must be a `str`.
pub fn text(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    match obj.cast::<PyString>() {
        Ok(s) => Ok(str_of(s, name)?.into_owned()),
        Err(_) => Err(PyTypeError::new_err(format!("{name} must be a str, not {}", type_name(obj)))),
    }
}

/// The argument called `name`, an iterable of `str` (a list, a tuple, a generator...). A `str`
/// is refused rather than read as its characters (`"admin"` is not the roles `a d m i n`), and
/// so are `bytes`, `bytearray` and `memoryview`, which iterate as integers.
pub fn texts(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<String>> {
    let not_texts = || {
        PyTypeError::new_err(format!("{name} must be an iterable of str (a list or a tuple), not {}", type_name(obj)))
    };
    if obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
        || obj.is_instance_of::<PyMemoryView>()
    {
        return Err(not_texts());
    }
    let items = obj.try_iter().map_err(|_| not_texts())?;
    let mut out = Vec::new();
    for (i, item) in items.enumerate() {
        out.push(text(&item?, &format!("{name}[{i}]"))?);
    }
    Ok(out)
}

/// The text of a `str`; `what` names it in the error. A `str` that UTF-8 cannot encode (a
/// lone surrogate, as `surrogateescape` leaves for bytes that are not UTF-8, in values from
/// `os.environ` for one) is a `ValueError` that does not quote it: the `UnicodeEncodeError`
/// Python would raise carries the whole string, a token or a secret, in its arguments.
pub fn str_of<'a>(s: &'a Bound<'_, PyString>, what: impl fmt::Display) -> PyResult<Cow<'a, str>> {
    s.to_cow().map_err(|_| PyValueError::new_err(format!("{what}: not valid Unicode (it holds a lone surrogate)")))
}

/// The name of an object's type, for messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}
