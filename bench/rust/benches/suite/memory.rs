//! The memory extras, each measured in a fresh child process (this same executable with
//! `--memory engines` or `--memory tokens`) so that nothing the benchmark allocated before
//! is counted; the child prints the bytes per item on stdout.

use crate::fixtures::{hmac_key, sign_hs256, Fixtures};
use wardgate::{Engine, UnixTime};
use serde_json::Value;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;

/// One memory extra.
pub struct Extra {
    pub measure: &'static str,
    pub value: f64,
    pub note: &'static str,
}

/// Both extras, each from its own child process.
pub fn extras(fixtures: &Path) -> Vec<Extra> {
    vec![
        Extra {
            measure: "rss_per_engine",
            value: child("engines", fixtures),
            note: "RSS growth for 1,000 engines / 1,000",
        },
        Extra {
            measure: "rss_per_cached_token",
            value: child("tokens", fixtures),
            note: "RSS growth for 100,000 verified-token cache entries (engine included) / 100,000",
        },
    ]
}

fn child(kind: &str, fixtures: &Path) -> f64 {
    let exe = std::env::current_exe().expect("the harness's own path");
    let out = Command::new(exe)
        .args(["--memory", kind, "--fixtures"])
        .arg(fixtures)
        .output()
        .unwrap_or_else(|e| panic!("cannot start the --memory {kind} child: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        panic!("the --memory {kind} child failed ({}): {}{}", out.status, stdout, String::from_utf8_lossy(&out.stderr));
    }
    stdout.trim().parse().unwrap_or_else(|_| panic!("the --memory {kind} child printed {stdout:?}"))
}

/// In the child: measures `kind` and prints bytes per item.
pub fn run_child(kind: &str, fx: &Fixtures) {
    let bytes = match kind {
        "engines" => per_engine(fx),
        "tokens" => per_cached_token(fx),
        other => panic!("--memory takes engines or tokens, not {other}"),
    };
    println!("{bytes}");
}

/// The resident set size, from `/proc/self/status` (`VmRSS`, in kB).
fn rss() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux only)");
    let kb = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .expect("VmRSS in /proc/self/status");
    kb * 1024.0
}

/// RSS growth from creating and holding `memory.engines` engines over the EdDSA policy,
/// per engine.
fn per_engine(fx: &Fixtures) -> f64 {
    let (n, policy) = (fx.memory.engines, &fx.memory.engine_policy);
    // One engine first, so one-time allocations are not counted.
    drop(Engine::from_value(policy).expect("memory.engine_policy"));
    let before = rss();
    let mut engines = Vec::with_capacity(n);
    for _ in 0..n {
        engines.push(Engine::from_value(policy).expect("memory.engine_policy"));
    }
    let after = rss();
    black_box(&engines);
    (after - before) / n as f64
}

/// RSS growth from verifying `memory.cached_tokens` distinct HS256 tokens (signed first)
/// once each through one engine whose cache holds them all, per token.
fn per_cached_token(fx: &Fixtures) -> f64 {
    let m = &fx.memory;
    let key = hmac_key(&m.secret);
    let tokens: Vec<String> = (0..m.cached_tokens)
        .map(|i| {
            let mut claims = m.claims.clone();
            claims["sub"] = Value::from(format!("user_{i}"));
            sign_hs256(&key, &claims)
        })
        .collect();
    let now = UnixTime::now();
    // One verification through another engine first, so one-time allocations are not counted.
    Engine::from_value(&m.cache_policy).expect("memory.cache_policy").verify(&tokens[0], now).expect("a memory token");
    let before = rss();
    let engine = Engine::from_value(&m.cache_policy).expect("memory.cache_policy");
    for token in &tokens {
        engine.verify(token, now).expect("the memory engine accepts every memory token");
    }
    let after = rss();
    let status = engine.cache_status().expect("memory.cache_policy has a cache");
    assert_eq!(status.entries, m.cached_tokens, "the cache holds every token: {status:?}");
    black_box(&engine);
    (after - before) / m.cached_tokens as f64
}
