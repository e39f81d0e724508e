//! Sampling, as bench/README.md specifies: all sides interleaved over `rounds` rounds in an
//! order that rotates every round, each running for about `batch` per round; a sample is
//! the time of `k` consecutive calls divided by `k`, `k` the smallest power of two making a
//! sample last at least 10 µs; median and p99 over all samples of a side.

use std::time::{Duration, Instant};

/// The shortest sample.
const MIN_SAMPLE: Duration = Duration::from_micros(10);

/// One measured side: the row it becomes and the call it times.
pub struct Side {
    pub library: String,
    pub operation: &'static str,
    pub alg: String,
    /// Run before each batch of this side (selects jsonwebtoken's backend); untimed.
    pub enter: fn(),
    /// One call of the measured operation (its result passed through `black_box`).
    pub call: Box<dyn FnMut()>,
}

impl Side {
    pub fn new(library: &str, operation: &'static str, alg: &str, call: impl FnMut() + 'static) -> Side {
        Side { library: library.to_owned(), operation, alg: alg.to_owned(), enter: || {}, call: Box::new(call) }
    }

    /// With `enter` run before each of its batches.
    pub fn entering(mut self, enter: fn()) -> Side {
        self.enter = enter;
        self
    }
}

/// How long to measure.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub rounds: usize,
    pub batch: Duration,
}

impl Plan {
    pub const FULL: Plan = Plan { rounds: 30, batch: Duration::from_millis(20) };
    pub const QUICK: Plan = Plan { rounds: 5, batch: Duration::from_millis(5) };
}

/// A side's result.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub median_ns: f64,
    pub p99_ns: f64,
    pub samples: usize,
    /// Calls per sample.
    pub k: u64,
}

/// Nanoseconds taken by `k` calls.
fn time(side: &mut Side, k: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..k {
        (side.call)();
    }
    start.elapsed().as_nanos() as f64
}

/// The smallest power of two `k` for which `k` calls take at least [`MIN_SAMPLE`] (the
/// fastest of three tries at each `k`, so one interruption does not stop the search early);
/// this also warms the side up.
fn calls_per_sample(side: &mut Side) -> u64 {
    (side.enter)();
    let min = MIN_SAMPLE.as_nanos() as f64;
    let mut k = 1u64;
    while k < 1 << 30 && (0..3).map(|_| time(side, k)).fold(f64::INFINITY, f64::min) < min {
        k *= 2;
    }
    k
}

/// Measures every side, interleaved; the stats come in the order of `sides`.
pub fn run(sides: &mut [Side], plan: Plan) -> Vec<Stats> {
    let ks: Vec<u64> = sides.iter_mut().map(calls_per_sample).collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
    let n = sides.len();
    for round in 0..plan.rounds {
        for i in (0..n).map(|j| (j + round) % n) {
            let side = &mut sides[i];
            (side.enter)();
            let start = Instant::now();
            while start.elapsed() < plan.batch {
                samples[i].push(time(side, ks[i]) / ks[i] as f64);
            }
        }
    }
    samples.into_iter().zip(ks).map(|(s, k)| stats(s, k)).collect()
}

fn stats(mut samples: Vec<f64>, k: u64) -> Stats {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    assert!(n > 0, "a side took no sample");
    let median_ns = if n % 2 == 1 { samples[n / 2] } else { (samples[n / 2 - 1] + samples[n / 2]) / 2.0 };
    // Nearest rank: the smallest sample with at least 99% of the samples at or below it.
    let p99_ns = samples[((n as f64 * 0.99).ceil() as usize).clamp(1, n) - 1];
    Stats { median_ns, p99_ns, samples: n, k }
}
