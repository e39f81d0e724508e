//! The harness's output: the JSON of bench/README.md's contract, and a table on stdout.

use crate::measure::{Side, Stats};
use crate::memory::Extra;
use serde_json::{json, Map, Value};
use std::path::Path;
use std::process::Command;

/// The lock file the harness was built with: the versions it reports.
const LOCK: &str = include_str!("../../Cargo.lock");

/// The crates whose versions the report names.
const CRATES: [&str; 7] = ["wardgate", "ring", "p521", "jsonwebtoken", "aws-lc-rs", "cedar-policy", "rusqlite"];

/// A measured row.
pub struct Row {
    pub library: String,
    pub operation: &'static str,
    pub alg: String,
    pub stats: Stats,
}

impl Row {
    pub fn new(side: &Side, stats: Stats) -> Row {
        Row { library: side.library.clone(), operation: side.operation, alg: side.alg.clone(), stats }
    }

    /// Median over Wardgate's median for the same operation and algorithm.
    fn ratio(&self, rows: &[Row]) -> Option<f64> {
        rows.iter()
            .find(|r| r.library == "wardgate" && r.operation == self.operation && r.alg == self.alg)
            .map(|p| self.stats.median_ns / p.stats.median_ns)
    }
}

/// The version of `name` in the lock file.
fn locked_version(name: &str) -> Option<String> {
    let header = format!("[[package]]\nname = \"{name}\"\nversion = \"");
    let start = LOCK.find(&header)? + header.len();
    LOCK[start..].split('"').next().map(str::to_owned)
}

/// The versions of the measured crates and of rustc.
pub fn versions() -> Map<String, Value> {
    let mut versions = Map::new();
    for name in CRATES {
        versions.insert(name.into(), locked_version(name).map_or(Value::Null, Value::from));
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| v.split_whitespace().nth(1).map(str::to_owned));
    versions.insert("rustc".into(), rustc.map_or(Value::Null, Value::from));
    versions.insert("sqlite".into(), Value::from(rusqlite::version()));
    versions
}

/// Writes the contract's JSON to `out`.
pub fn write_json(out: &Path, rows: &[Row], extras: &[Extra]) {
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "runtime": "rust",
                "library": r.library,
                "operation": r.operation,
                "alg": r.alg,
                "median_ns": round(r.stats.median_ns),
                "p99_ns": round(r.stats.p99_ns),
                "ops_per_s": round(1e9 / r.stats.median_ns),
            })
        })
        .collect();
    let extras: Vec<Value> = extras
        .iter()
        .map(|e| {
            json!({
                "runtime": "rust",
                "library": "wardgate",
                "measure": e.measure,
                "value": round(e.value),
                "unit": "bytes",
                "note": e.note,
            })
        })
        .collect();
    let doc = json!({"runtime": "rust", "versions": versions(), "rows": rows, "extras": extras});
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    }
    let text = serde_json::to_string_pretty(&doc).expect("JSON") + "\n";
    std::fs::write(out, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// One decimal, as the report shows.
fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn time(ns: f64) -> String {
    if ns >= 1000.0 {
        format!("{:.2} µs", ns / 1000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

/// The readable table: one line per row, with its ratio to Wardgate; then the extras.
pub fn print_table(rows: &[Row], extras: &[Extra]) {
    let mut lines =
        vec![["operation", "alg", "library", "median", "p99", "ops/s", "ratio", "samples × k"].map(String::from)];
    for r in rows {
        lines.push([
            r.operation.to_owned(),
            r.alg.clone(),
            r.library.clone(),
            time(r.stats.median_ns),
            time(r.stats.p99_ns),
            format!("{:.0}", 1e9 / r.stats.median_ns),
            r.ratio(rows).map_or("-".into(), |x| format!("{x:.2}x")),
            format!("{} × {}", r.stats.samples, r.stats.k),
        ]);
    }
    let widths: Vec<usize> = (0..8).map(|i| lines.iter().map(|l| l[i].chars().count()).max().unwrap_or(0)).collect();
    for (n, line) in lines.iter().enumerate() {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                let pad = w - cell.chars().count();
                // Text columns to the left, numbers to the right.
                if i < 3 {
                    format!("{cell}{}", " ".repeat(pad))
                } else {
                    format!("{}{cell}", " ".repeat(pad))
                }
            })
            .collect();
        println!("{}", cells.join("  ").trim_end());
        if n == 0 {
            println!("{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
        }
    }
    println!();
    for e in extras {
        println!("{}: {:.0} bytes ({})", e.measure, e.value, e.note);
    }
}
