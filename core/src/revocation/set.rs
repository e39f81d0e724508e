//! What is revoked: session ids, token ids, and subjects revoked before a time.

use serde_json::{Map, Value};

/// A map keyed by revoked values: serde_json's ordered map, whose code every build carries
/// already (a hash map would add 1.4 kB gzip to the WebAssembly build, and is no faster
/// here: checking a verified-token cache hit against 3,000 entries adds about 0.15 to
/// 0.2 µs either way, `core/benches/engine.rs`).
type Entries = Map<String, Value>;

/// The revoked entries: `sid` values, `jti` values, and principal ids each with a time
/// `T` (Unix seconds) before which (`iat <= T`) every token of that principal is revoked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RevocationSet {
    /// Revoked session ids, each mapped to `null`.
    sids: Entries,
    /// Revoked token ids, each mapped to `null`.
    jtis: Entries,
    /// Principal ids, each mapped to its time `T`.
    subjects: Entries,
}

impl RevocationSet {
    /// A set of these entries. A subject given twice keeps its latest `T`, which revokes
    /// more.
    pub(crate) fn new(
        sids: impl IntoIterator<Item = String>,
        jtis: impl IntoIterator<Item = String>,
        subjects: impl IntoIterator<Item = (String, u64)>,
    ) -> RevocationSet {
        let keys = |ids: &mut dyn Iterator<Item = String>| ids.map(|id| (id, Value::Null)).collect();
        let mut set = RevocationSet {
            sids: keys(&mut sids.into_iter()),
            jtis: keys(&mut jtis.into_iter()),
            ..Default::default()
        };
        for (id, before) in subjects {
            let kept = set.subjects.get(&id).and_then(Value::as_u64).unwrap_or(0);
            set.subjects.insert(id, Value::from(before.max(kept)));
        }
        set
    }

    /// Adds one entry; a subject already present keeps the later of its two times.
    pub(crate) fn insert(&mut self, entry: Entry) {
        match entry {
            Entry::Sid(id) => {
                self.sids.insert(id, Value::Null);
            }
            Entry::Jti(id) => {
                self.jtis.insert(id, Value::Null);
            }
            Entry::Subject(id, before) => {
                let kept = self.subjects.get(&id).and_then(Value::as_u64).unwrap_or(0);
                self.subjects.insert(id, Value::from(before.max(kept)));
            }
        }
    }

    /// The set as JSON, in the shape of `revocation.inline`:
    /// `{"sid": [...], "jti": [...], "subjects": {"<principal id>": T}}`, each list sorted.
    pub(crate) fn to_value(&self) -> Value {
        let ids = |entries: &Entries| Value::Array(entries.keys().cloned().map(Value::String).collect());
        serde_json::json!({"sid": ids(&self.sids), "jti": ids(&self.jtis), "subjects": self.subjects.clone()})
    }

    /// Whether verified `claims`, whose principal id is the claim `id_claim`, are revoked:
    /// their `sid` is a revoked session, their `jti` a revoked token, or their principal id
    /// has a "revoked before `T`" entry and their `iat` is at or before `T` (a token without
    /// `iat` cannot show it was issued after `T`, so it counts as revoked).
    ///
    /// Only string `sid`, `jti` and principal id values are compared, exactly; a claim of
    /// another type matches no entry. `iat` has been checked to be a number when present.
    pub(crate) fn revokes(&self, claims: &Map<String, Value>, id_claim: &str) -> bool {
        if entry(&self.sids, claims, "sid").is_some() || entry(&self.jtis, claims, "jti").is_some() {
            return true;
        }
        let Some(before) = entry(&self.subjects, claims, id_claim).and_then(Value::as_u64) else { return false };
        claims.get("iat").and_then(Value::as_f64).is_none_or(|iat| iat <= before as f64)
    }

    /// How many revoked session ids, token ids and subjects the set holds.
    pub(crate) fn counts(&self) -> (usize, usize, usize) {
        (self.sids.len(), self.jtis.len(), self.subjects.len())
    }
}

/// One revoked entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A session id (`sid`).
    Sid(String),
    /// A token id (`jti`).
    Jti(String),
    /// A principal id, and the time `T` (Unix seconds) up to which its tokens are revoked.
    Subject(String, u64),
}

/// The entry of `entries` for the string value of the claim `name`, if there is one.
fn entry<'a>(entries: &'a Entries, claims: &Map<String, Value>, name: &str) -> Option<&'a Value> {
    if entries.is_empty() {
        return None;
    }
    claims.get(name).and_then(Value::as_str).and_then(|value| entries.get(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T: u64 = 1_764_000_000;

    fn set() -> RevocationSet {
        RevocationSet::new(["s1".into()], ["j1".into()], [("u1".into(), T)])
    }

    fn revoked(claims: Value) -> bool {
        set().revokes(claims.as_object().unwrap(), "sub")
    }

    #[test]
    fn each_kind_of_entry() {
        assert!(revoked(json!({"sub": "u2", "sid": "s1", "iat": T + 10})));
        assert!(revoked(json!({"sub": "u2", "jti": "j1", "iat": T + 10})));
        assert!(revoked(json!({"sub": "u1", "iat": T - 10})));
        assert!(!revoked(json!({"sub": "u2", "sid": "s2", "jti": "j2", "iat": T - 10})));
        // A sid in the jti list, or the other way round, is not revoked.
        assert!(!revoked(json!({"sub": "u2", "sid": "j1", "jti": "s1"})));
    }

    #[test]
    fn the_iat_boundary_is_inclusive() {
        assert!(revoked(json!({"sub": "u1", "iat": T})));
        assert!(revoked(json!({"sub": "u1", "iat": T as f64 - 0.5})));
        assert!(!revoked(json!({"sub": "u1", "iat": T as f64 + 0.5})));
        assert!(!revoked(json!({"sub": "u1", "iat": T + 1})));
        assert!(revoked(json!({"sub": "u1"})), "no iat: cannot show it was issued after T");
    }

    #[test]
    fn only_strings_match() {
        let numbers = RevocationSet::new(["5".into()], ["7".into()], []);
        let claims = json!({"sub": "u1", "sid": 5, "jti": 7});
        assert!(!numbers.revokes(claims.as_object().unwrap(), "sub"));
        assert!(!revoked(json!({"sub": "u2", "sid": ["s1"], "jti": {"j1": true}})));
    }

    #[test]
    fn the_subject_is_the_principal_id_claim() {
        let claims = json!({"sub": "someone", "uid": "u1", "iat": T});
        assert!(set().revokes(claims.as_object().unwrap(), "uid"));
        assert!(!set().revokes(claims.as_object().unwrap(), "sub"));
    }

    #[test]
    fn a_subject_given_twice_keeps_the_later_time() {
        let set = RevocationSet::new([], [], [("u1".into(), T), ("u1".into(), T + 100), ("u1".into(), T + 50)]);
        assert!(set.revokes(json!({"sub": "u1", "iat": T + 100}).as_object().unwrap(), "sub"));
        assert_eq!(set.counts(), (0, 0, 1));
    }

    #[test]
    fn inserted_entries_revoke_and_show_in_the_json_form() {
        let mut set = RevocationSet::default();
        set.insert(Entry::Sid("s2".into()));
        set.insert(Entry::Jti("j2".into()));
        set.insert(Entry::Subject("u2".into(), T));
        set.insert(Entry::Subject("u2".into(), T - 5));
        set.insert(Entry::Sid("s1".into()));
        assert!(set.revokes(json!({"sub": "x", "sid": "s2"}).as_object().unwrap(), "sub"));
        assert!(set.revokes(json!({"sub": "u2", "iat": T}).as_object().unwrap(), "sub"), "the later T is kept");
        assert_eq!(set.to_value(), json!({"sid": ["s1", "s2"], "jti": ["j2"], "subjects": {"u2": T}}));
    }

    #[test]
    fn an_empty_set_revokes_nothing() {
        let empty = RevocationSet::default();
        assert!(!empty.revokes(json!({"sub": "u1", "sid": "s1", "jti": "j1"}).as_object().unwrap(), "sub"));
        assert_eq!(empty.counts(), (0, 0, 0));
    }
}
