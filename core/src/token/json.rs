//! Strict JSON for token headers and payloads: an object at the top, no duplicate
//! member names, and a bounded nesting depth.
//!
//! What RFC 8259 leaves to the reader is refused, so that no two readers of one token
//! can see different claims: a byte order mark, an escaped UTF-16 surrogate without its
//! pair, a number beyond the range of a double, `NaN` and other non-JSON constants.

use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The deepest nesting accepted in a header or payload (the top-level object is level 1).
pub(crate) const MAX_DEPTH: usize = 32;

/// Why a part is not acceptable JSON. Carries no content from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonProblem {
    /// Not JSON at all, or trailing bytes.
    Syntax,
    /// Valid JSON but not an object.
    NotObject,
    /// A member name appears twice in one object.
    Duplicate,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonProblem::Syntax => "is not valid JSON",
            JsonProblem::NotObject => "is not a JSON object",
            JsonProblem::Duplicate => "has a duplicate member name",
            JsonProblem::TooDeep => "is nested too deeply",
        })
    }
}

/// Parses `bytes` as one JSON object under the rules above. Bytes that are not UTF-8 are
/// not JSON. They are read as text, as every other JSON the core reads is (one reader in
/// the WebAssembly build rather than two).
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonProblem> {
    let found = Cell::new(None);
    let text = std::str::from_utf8(bytes).map_err(|_| JsonProblem::Syntax)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = Strict { depth: MAX_DEPTH, found: &found };
    let value = seed.deserialize(&mut de).map_err(|_| found.get().unwrap_or(JsonProblem::Syntax))?;
    de.end().map_err(|_| JsonProblem::Syntax)?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(JsonProblem::NotObject),
    }
}

/// The visitor: remaining depth, and where to record a problem that is not a syntax error.
#[derive(Clone, Copy)]
struct Strict<'f> {
    depth: usize,
    found: &'f Cell<Option<JsonProblem>>,
}

impl<'f> Strict<'f> {
    fn fail<E: serde::de::Error>(self, problem: JsonProblem) -> E {
        self.found.set(Some(problem));
        E::custom(problem)
    }

    fn nested<E: serde::de::Error>(self) -> Result<Strict<'f>, E> {
        match self.depth.checked_sub(1) {
            Some(depth) => Ok(Strict { depth, found: self.found }),
            None => Err(self.fail(JsonProblem::TooDeep)),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let value = access.next_value_seed(inner)?;
            if map.insert(key, value).is_some() {
                return Err(self.fail(JsonProblem::Duplicate));
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_objects() {
        let map = parse_object(br#"{"a": 1, "b": [true, null, {"c": "d"}], "e": 1.5}"#).unwrap();
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn refuses_what_is_not_one_object() {
        assert_eq!(parse_object(b"[1]"), Err(JsonProblem::NotObject));
        assert_eq!(parse_object(b"\"x\""), Err(JsonProblem::NotObject));
        assert_eq!(parse_object(b"{} {}"), Err(JsonProblem::Syntax));
        assert_eq!(parse_object(b"{"), Err(JsonProblem::Syntax));
        assert_eq!(parse_object(b""), Err(JsonProblem::Syntax));
        assert_eq!(parse_object(b"\xff"), Err(JsonProblem::Syntax));
    }

    #[test]
    fn refuses_what_rfc_8259_leaves_to_the_reader() {
        assert_eq!(parse_object(b"\xef\xbb\xbf{}"), Err(JsonProblem::Syntax));
        assert_eq!(parse_object(br#"{"a":"\ud800"}"#), Err(JsonProblem::Syntax));
        assert_eq!(parse_object(br#"{"a":"\udc00x"}"#), Err(JsonProblem::Syntax));
        assert_eq!(parse_object(br#"{"a":1e400}"#), Err(JsonProblem::Syntax));
        assert_eq!(parse_object(format!(r#"{{"a":1{}}}"#, "0".repeat(400)).as_bytes()), Err(JsonProblem::Syntax));
        assert_eq!(parse_object(br#"{"a":NaN}"#), Err(JsonProblem::Syntax));
        // Their well-formed neighbours are read.
        assert_eq!(parse_object(br#"{"a":"\ud83d\ude00"}"#).unwrap()["a"], "\u{1f600}");
        assert!(parse_object(br#"{"a":1180591620717411303424,"b":1e300}"#).is_ok());
    }

    #[test]
    fn refuses_duplicates_at_any_depth() {
        assert_eq!(parse_object(br#"{"a":1,"a":2}"#), Err(JsonProblem::Duplicate));
        assert_eq!(parse_object(br#"{"x":{"a":1,"a":1}}"#), Err(JsonProblem::Duplicate));
    }

    #[test]
    fn bounds_the_depth() {
        let ok = format!("{}{}", "{\"a\":".repeat(MAX_DEPTH - 1) + "{", "}".repeat(MAX_DEPTH));
        assert!(parse_object(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "{\"a\":".repeat(MAX_DEPTH) + "{", "}".repeat(MAX_DEPTH + 1));
        assert_eq!(parse_object(deep.as_bytes()), Err(JsonProblem::TooDeep));
        let very_deep = "[".repeat(100_000);
        let wrapped = format!("{{\"a\":{very_deep}");
        assert_eq!(parse_object(wrapped.as_bytes()), Err(JsonProblem::TooDeep));
    }
}
