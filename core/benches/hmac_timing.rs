//! `cargo bench -p wardgate --bench hmac_timing`: does the time `Engine::verify` takes to
//! refuse an HS256 token depend on where its MAC is wrong?
//!
//! A leak-detection measurement in the manner of dudect (Reparaz, Balasch and Verbauwhede,
//! 2017). Two classes of forged tokens carry the right header and payload and a tag that
//! differs from the true one in its first byte or in its last byte. A comparison that stops
//! at the first differing byte refuses the first class sooner. The classes are drawn at
//! random and timed one call at a time; Welch's t-statistic of the two samples (after
//! dropping each class's slowest 10%, the usual cropping against interruptions) stays
//! within ±4.5 when no difference is detectable, dudect's threshold.
//!
//! The same measurement runs on a control that leaks on purpose: it parses the token, computes
//! the HMAC with ring and compares the tags a byte at a time, stopping at the first
//! difference. It must be detected: that shows the measurement can see a difference of the
//! size an early exit makes, about 31 byte comparisons.
//!
//! Prints the t-statistic and the medians of each. A measurement, not a test: see SECURITY.md.

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::Instant;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::json;
use support::{claims, policy, Signer, HMAC_SECRET, NOW};
use wardgate::Engine;

const SAMPLES: usize = 400_000;

/// A small, fast, seeded generator (xorshift64*) for the order of the classes.
struct Rng(u64);

impl Rng {
    fn bit(&mut self) -> bool {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 63) == 1
    }
}

/// Times `check` on the two inputs in a random order; returns the samples of each class.
fn measure(inputs: [&str; 2], check: &dyn Fn(&str) -> bool) -> [Vec<f64>; 2] {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut samples = [Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES)];
    for _ in 0..SAMPLES / 20 {
        black_box(check(black_box(inputs[0])));
    }
    for _ in 0..2 * SAMPLES {
        let class = usize::from(rng.bit());
        let start = Instant::now();
        let accepted = check(black_box(inputs[class]));
        let elapsed = start.elapsed().as_nanos() as f64;
        assert!(!black_box(accepted), "a forged tag was accepted");
        samples[class].push(elapsed);
    }
    samples
}

/// Keeps the fastest 90% of a sample, sorted.
fn cropped(mut sample: Vec<f64>) -> Vec<f64> {
    sample.sort_by(f64::total_cmp);
    sample.truncate(sample.len() * 9 / 10);
    sample
}

fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let stats = |s: &[f64]| {
        let n = s.len() as f64;
        let mean = s.iter().sum::<f64>() / n;
        let var = s.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var, n)
    };
    let (ma, va, na) = stats(a);
    let (mb, vb, nb) = stats(b);
    (ma - mb) / (va / na + vb / nb).sqrt()
}

fn report(name: &str, [first, last]: [Vec<f64>; 2]) -> f64 {
    let (first, last) = (cropped(first), cropped(last));
    let t = welch_t(&first, &last);
    println!(
        "{name:44} median first-byte {:7.0} ns, last-byte {:7.0} ns, n {}+{}, t = {t:+.2}",
        first[first.len() / 2],
        last[last.len() / 2],
        first.len(),
        last.len()
    );
    t
}

fn main() {
    let signer = Signer::hs256(HMAC_SECRET);
    let token = signer.sign("", &claims("user_1"));
    let (signing_input, tag) = token.rsplit_once('.').expect("a compact JWS");
    let tag = URL_SAFE_NO_PAD.decode(tag).expect("base64url");
    let forged = |index: usize| {
        let mut t = tag.clone();
        t[index] ^= 0x01;
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(t))
    };
    let (first, last) = (forged(0), forged(tag.len() - 1));

    let engine = Engine::from_value(&policy(&signer, "", json!([]))).expect("the HS256 policy");
    let wardgate = |t: &str| engine.verify(t, NOW).is_ok();

    // The control: the same HMAC, its tag compared byte by byte, stopping at the first
    // difference, over tokens whose tags differ in their first or last byte.
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, HMAC_SECRET.as_bytes());
    let early_exit = |t: &str| {
        let (input, tag) = t.rsplit_once('.').expect("a compact JWS");
        let tag = URL_SAFE_NO_PAD.decode(tag).expect("base64url");
        let expected = ring::hmac::sign(&key, input.as_bytes());
        let expected = expected.as_ref();
        tag.len() == expected.len() && tag.iter().zip(expected).all(|(a, b)| black_box(a) == black_box(b))
    };
    println!("HS256: refusing a forged tag, wrong in its first byte against its last ({SAMPLES} samples per class)");
    let t = report("wardgate Engine::verify", measure([&first, &last], &wardgate));
    let control = report("control: HMAC, then an early-exit comparison", measure([&first, &last], &early_exit));
    let verdict = if t.abs() < 4.5 { "no difference detected" } else { "DIFFERENCE DETECTED" };
    println!(
        "wardgate: |t| = {:.2} ({verdict}); control: |t| = {:.2} ({})",
        t.abs(),
        control.abs(),
        if control.abs() >= 4.5 { "detected, as it must be" } else { "NOT detected: the measurement is too noisy" }
    );
}
