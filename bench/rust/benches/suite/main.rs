//! The Rust harness of the benchmark suite (bench/README.md): Wardgate beside the bare
//! signature check (ring; p521 for ES512), jsonwebtoken on its `aws_lc_rs` and its
//! `rust_crypto` backend, and cedar-policy, all interleaved in one process; then its list
//! filters: planning, SQL, and a list endpoint on SQLite against authorizing each row; and
//! the cost of a Redis revocation source (verification and a cache hit without and with it).
//!
//! ```sh
//! cargo bench --manifest-path bench/rust/Cargo.toml --target-dir target/bench-rust \
//!     --bench suite -- --fixtures target/bench/fixtures.json --out target/bench/rust.json [--quick]
//! ```
//!
//! `cargo bench` runs the harness in bench/rust, so relative paths are taken from the
//! repository root. Flags it does not know (cargo adds `--bench`) are ignored.

mod authorize;
mod filter;
mod fixtures;
mod measure;
mod memory;
mod output;
mod provider;
mod revocation;
mod verify;

use fixtures::Fixtures;
use measure::Plan;
use output::Row;
use wardgate::UnixTime;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str = "usage: suite --fixtures FILE --out FILE [--quick]";

#[derive(Default)]
struct Args {
    fixtures: Option<PathBuf>,
    out: Option<PathBuf>,
    quick: bool,
    /// In a child process: the memory extra to measure (`engines` or `tokens`).
    memory: Option<String>,
}

fn parse_args() -> Args {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().unwrap_or_else(|| panic!("{name} takes a value; {USAGE}"));
        match arg.as_str() {
            "--fixtures" => args.fixtures = Some(from_root(&value("--fixtures"))),
            "--out" => args.out = Some(from_root(&value("--out"))),
            "--quick" => args.quick = true,
            "--memory" => args.memory = Some(value("--memory")),
            _ => {}
        }
    }
    args
}

/// `path`, relative ones taken from the repository root.
fn from_root(path: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    root.join(path)
}

fn main() {
    let args = parse_args();
    let fixtures_path = args.fixtures.unwrap_or_else(|| panic!("--fixtures is required; {USAGE}"));
    let fx = Fixtures::load(&fixtures_path);
    if let Some(kind) = args.memory {
        memory::run_child(&kind, &fx);
        return;
    }
    let out = args.out.unwrap_or_else(|| panic!("--out is required; {USAGE}"));
    let plan = if args.quick { Plan::QUICK } else { Plan::FULL };
    let started = Instant::now();

    // The current time, read once: every side checks `exp` against it (jsonwebtoken reads
    // the clock itself).
    let now_secs = SystemTime::now().duration_since(UNIX_EPOCH).expect("the clock is after 1970").as_secs();
    let now = UnixTime::from(now_secs);

    verify::check_claims(&fx, now, now_secs);
    let mut sides = verify::sides(&fx, now);
    sides.extend(authorize::sides(&fx, now));
    sides.extend(filter::sides(&fx, now));
    sides.extend(revocation::sides(&fx, now));
    eprintln!(
        "rust: {} sides checked; {} rounds of {} ms per side{}",
        sides.len(),
        plan.rounds,
        plan.batch.as_millis(),
        if args.quick { " (quick)" } else { "" }
    );
    let stats = measure::run(&mut sides, plan);
    let mut rows: Vec<Row> = sides.iter().zip(stats).map(|(side, stats)| Row::new(side, stats)).collect();

    // The list endpoint's two sides take milliseconds a call and churn memory: they run
    // interleaved with each other only, after the others.
    let (mut list, db) = filter::list_sides(&fx, now, args.quick);
    eprintln!("rust: list endpoint ({})", list[0].alg);
    let stats = measure::run(&mut list, plan);
    rows.extend(list.iter().zip(stats).map(|(side, stats)| Row::new(side, stats)));
    drop(list);
    drop(db);

    eprintln!("rust: memory extras (fresh processes)");
    let extras = memory::extras(&fixtures_path);

    output::print_table(&rows, &extras);
    output::write_json(&out, &rows, &extras);
    eprintln!("rust: wrote {} in {:.1} s", out.display(), started.elapsed().as_secs_f64());
}
