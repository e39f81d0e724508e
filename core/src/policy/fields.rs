//! Reading the policy document with paths: every problem becomes a [`ConfigError`]
//! that names where it is (`token.audience`, `rules[2].when`, `keys.jwks.keys[0].kty`).

use serde_json::{Map, Value};

use crate::error::ConfigError;

/// Joins a parent path and a member name.
pub(crate) fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// The path of the `index`th item of the list at `parent`.
pub(crate) fn item(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// A JSON type name for messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// An object of the document whose members are all known.
pub(crate) struct Fields<'a> {
    path: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// Reads `value` at `path` as an object whose member names are all in `known`.
    pub(crate) fn new(value: &'a Value, path: &'a str, known: &[&str]) -> Result<Self, ConfigError> {
        let fields = Self::open_any(value, path)?;
        match fields.unknown(known).into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(fields),
        }
    }

    /// One error for each member whose name is not in `known`.
    pub(crate) fn unknown(&self, known: &[&str]) -> Vec<ConfigError> {
        self.map
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .map(|k| ConfigError::new(join(self.path, k), unknown_field(k, known)))
            .collect()
    }

    /// Reads `value` at `path` as an object, keeping members of any name.
    pub(crate) fn open_any(value: &'a Value, path: &'a str) -> Result<Self, ConfigError> {
        Ok(Fields { path, map: Self::open(value, path)? })
    }

    fn open(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ConfigError> {
        value.as_object().ok_or_else(|| {
            let what = if path.is_empty() { "the policy document" } else { "this" };
            ConfigError::new(path, format!("{what} must be an object, not {}", type_name(value)))
        })
    }

    /// The member `name`, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name)
    }

    /// Whether the member `name` is present.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// The path of member `name`.
    pub(crate) fn path_of(&self, name: &str) -> String {
        join(self.path, name)
    }

    /// An error at member `name`.
    pub(crate) fn error(&self, name: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::new(self.path_of(name), message)
    }

    /// The member `name`, which must be present.
    pub(crate) fn required(&self, name: &str) -> Result<&'a Value, ConfigError> {
        self.get(name).ok_or_else(|| self.error(name, "is required"))
    }

    /// The member `name` as a non-empty string, if present.
    pub(crate) fn string(&self, name: &str) -> Result<Option<&'a str>, ConfigError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
            Some(Value::String(_)) => Err(self.error(name, "must not be empty")),
            Some(other) => Err(self.error(name, format!("must be a string, not {}", type_name(other)))),
        }
    }

    /// The member `name` as a non-negative integer, if present.
    pub(crate) fn non_negative(&self, name: &str, max: u64) -> Result<Option<u64>, ConfigError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if n <= max => Ok(Some(n)),
                Some(_) => Err(self.error(name, format!("must be at most {max}"))),
                None => {
                    Err(self.error(name, format!("must be a non-negative whole number, not {}", describe_number(v))))
                }
            },
        }
    }

    /// The member `name` as one non-empty string or a non-empty list of them, if present.
    pub(crate) fn one_or_many(&self, name: &str) -> Result<Option<Vec<String>>, ConfigError> {
        let Some(value) = self.get(name) else { return Ok(None) };
        let path = self.path_of(name);
        match value {
            Value::String(s) if !s.is_empty() => Ok(Some(vec![s.clone()])),
            Value::Array(items) if !items.is_empty() => strings(items, &path, false).map(Some),
            Value::Array(_) => Err(ConfigError::new(path, "must not be an empty list")),
            Value::String(_) => Err(ConfigError::new(path, "must not be empty")),
            other => {
                Err(ConfigError::new(path, format!("must be a string or a list of strings, not {}", type_name(other))))
            }
        }
    }
}

fn describe_number(v: &Value) -> &'static str {
    match v {
        Value::Number(n) if n.is_f64() => "a fraction",
        Value::Number(_) => "a negative number",
        other => type_name(other),
    }
}

/// The items of a list as non-empty strings (`allow_empty_list` for `[]`).
pub(crate) fn strings(items: &[Value], path: &str, allow_empty_list: bool) -> Result<Vec<String>, ConfigError> {
    if items.is_empty() && !allow_empty_list {
        return Err(ConfigError::new(path, "must not be an empty list"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            Value::String(_) => Err(ConfigError::new(item(path, i), "must not be empty")),
            other => Err(ConfigError::new(item(path, i), format!("must be a string, not {}", type_name(other)))),
        })
        .collect()
}

/// "unknown field", with the known name it is probably a misspelling of: the nearest by
/// edit distance, when within a third of its length (at least 1).
fn unknown_field(name: &str, known: &[&str]) -> String {
    let nearest = known.iter().map(|k| (distance(name, k), *k)).min();
    match nearest {
        Some((d, k)) if d <= (k.chars().count() / 3).max(1) => format!("unknown field (did you mean `{k}`?)"),
        _ => "unknown field".into(),
    }
}

/// The Levenshtein distance between two names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_named_with_their_path() {
        let v = json!({"audiance": "x"});
        let err = Fields::new(&v, "token", &["audience"]).err().unwrap();
        assert_eq!(err.to_string(), "token.audiance: unknown field (did you mean `audience`?)");
        let far = Fields::new(&json!({"colour": 1}), "token", &["audience"]).err().unwrap();
        assert_eq!(far.to_string(), "token.colour: unknown field");
    }

    #[test]
    fn suggestions_are_the_nearest_name() {
        assert_eq!(distance("algorithm", "algorithms"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(unknown_field("jwks_ur", &["jwks", "jwks_url"]), "unknown field (did you mean `jwks_url`?)");
        assert_eq!(unknown_field("x", &["jwk", "pem"]), "unknown field");
    }

    #[test]
    fn numbers_and_strings_are_checked() {
        let v = json!({"a": -1, "b": 1.5, "c": 5, "d": "", "e": [], "f": ["x", 2]});
        let f = Fields::new(&v, "t", &["a", "b", "c", "d", "e", "f"]).unwrap();
        assert!(f.non_negative("a", 10).unwrap_err().to_string().contains("negative"));
        assert!(f.non_negative("b", 10).unwrap_err().to_string().contains("fraction"));
        assert_eq!(f.non_negative("c", 10).unwrap(), Some(5));
        assert!(f.non_negative("c", 4).is_err());
        assert!(f.string("d").is_err());
        assert!(f.one_or_many("e").is_err());
        assert_eq!(f.one_or_many("f").unwrap_err().path(), "t.f[1]");
    }
}
