//! The revocation sides: a token with `sid` and `jti` claims verified against the EdDSA
//! policy without a `revocation` section (`wardgate`) and with a Redis source
//! (`wardgate (redis)`: `revocation.redis_url`, bench/run's own server holding the fixtures'
//! revoked set), as a whole verification (`verify-revocation`) and as a verified-token cache
//! hit (`verify-cached-revocation`). The Redis engines' mirrors must be `ready` with every
//! entry of the server before anything is timed, and must refuse the same claims with a
//! revoked `sid`, which the engines without a source accept: the lookups really happen.

use crate::fixtures::{Case, Fixtures, RevocationCase};
use crate::measure::Side;
use crate::verify::token_side;
use serde_json::Value;
use std::time::{Duration, Instant};
use wardgate::{Engine, Reason, RevocationState, UnixTime};

/// The library of the sides without a revocation section.
const PLAIN: &str = "wardgate";
/// The library of the sides with `revocation.redis_url`.
const REDIS: &str = "wardgate (redis)";
/// How long a Redis engine's mirror may take to hold the whole set.
const READY_WITHIN: Duration = Duration::from_secs(10);

/// The four sides: for each operation, without and then with the Redis source.
pub fn sides(fx: &Fixtures, now: UnixTime) -> Vec<Side> {
    let rc = &fx.revocation;
    let mut sides = Vec::new();
    let pairs = [
        ("verify-revocation", &rc.policy, &rc.redis_policy, false),
        ("verify-cached-revocation", &rc.cache_policy, &rc.redis_cache_policy, true),
    ];
    for (operation, plain, redis, cached) in pairs {
        for (library, policy) in [(PLAIN, plain), (REDIS, redis)] {
            let engine =
                Engine::from_value(policy).unwrap_or_else(|e| panic!("{operation}, {library}: the policy: {e}"));
            let revoked = || engine.verify(rc.revoked_token.as_str(), now).map(drop).map_err(|e| e.reason());
            if library == REDIS {
                wait_ready(&engine, rc, operation);
                assert_eq!(
                    revoked(),
                    Err(Reason::Revoked),
                    "{operation}: {library} accepts a token with a revoked sid"
                );
            } else if let Err(reason) = revoked() {
                panic!("{operation}: {library}, without a revocation set, refuses the token with a revoked sid: {reason:?}");
            }
            if cached {
                engine.verify(rc.token.as_str(), now).expect("the cache engine accepts the revocation token");
                engine.verify(rc.token.as_str(), now).expect("the cache engine accepts the revocation token again");
                let status = engine.cache_status().expect("the cache policy has a cache");
                assert!(status.hits >= 1, "{operation}, {library}: the second verification is not a cache hit");
            }
            let case = Case {
                alg: rc.alg.clone(),
                token: rc.token.clone(),
                jwk: Value::Null,
                secret: None,
                policy: policy.clone(),
            };
            sides.push(token_side(library, operation, &case, || {}, move |t| engine.verify(t, now)));
        }
    }
    sides
}

/// Waits until `engine`'s Redis mirror is `ready` and holds every entry of the server.
fn wait_ready(engine: &Engine, rc: &RevocationCase, operation: &str) {
    let start = Instant::now();
    loop {
        let status = engine.revocation_status().expect("the Redis policy has a revocation section");
        if status.state == RevocationState::Ready && status.entries == rc.entries {
            return;
        }
        if start.elapsed() > READY_WITHIN {
            panic!(
                "{operation}: the Redis mirror is not ready with {} entries after {READY_WITHIN:?}: {status:?}",
                rc.entries
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
