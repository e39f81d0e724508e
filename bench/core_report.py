"""Prints the medians of the last `cargo bench -p wardgate` run and the ratios that
the README's targets are stated in (wardgate verify / raw ring verify), and what a
revocation set costs a verified-token cache hit: inline, and mirrored from Redis."""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def estimates(group: str, name: str) -> pathlib.Path:
    return root / group / name / "new" / "estimates.json"


def median_ns(group: str, name: str) -> float:
    return json.loads(estimates(group, name).read_text())["median"]["point_estimate"]


def fmt(ns: float) -> str:
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


rows = []
for alg in ["EdDSA", "ES256", "RS256", "HS256"]:
    group = f"verify_{alg}"
    ours, ring = median_ns(group, "wardgate"), median_ns(group, "ring")
    target = "≤ 1.15" if alg != "HS256" else "(none)"
    rows.append((f"verify {alg}", fmt(ours), fmt(ring), f"{ours / ring:.3f}", target))
inline, remote = median_ns("verify_EdDSA-keys", "inline"), median_ns("verify_EdDSA-keys", "jwks_url-cached")
rows.append(("verify EdDSA, keys.jwks_url (cached) vs inline", fmt(remote), fmt(inline) + " (inline)",
             f"{remote / inline:.3f}", "(none)"))
hit, miss = median_ns("verify_EdDSA-cache", "hit"), median_ns("verify_EdDSA-cache", "miss")
rows.append(("verify EdDSA, verified-token cache hit vs whole verification", fmt(hit), fmt(miss) + " (miss)",
             f"{hit / miss:.3f}", "hit < 1 µs"))
plain = median_ns("verify_EdDSA-cache", "hit-sid-jti")
inline = median_ns("verify_EdDSA-cache", "hit-revocation-3000")
rows.append(("verify EdDSA, cache hit (sid, jti), inline revocation set of 3,000 vs none", fmt(inline),
             fmt(plain) + " (no set)", f"{inline / plain:.3f}", "(none)"))
# The Redis case runs (feature `redis`, a redis-server on the machine) right after the inline
# one: an older file is from an earlier run, and does not count.
redis = estimates("verify_EdDSA-cache", "hit-redis-3000")
label = "verify EdDSA, cache hit (sid, jti), Redis source of 3,000 vs none"
if redis.exists() and redis.stat().st_mtime >= estimates("verify_EdDSA-cache", "hit-sid-jti").stat().st_mtime:
    mirrored = median_ns("verify_EdDSA-cache", "hit-redis-3000")
    rows.append((label, fmt(mirrored), fmt(plain) + " (no set)", f"{mirrored / plain:.3f}",
                 "hit < 1 µs: " + ("met" if mirrored < 1000 else "**missed**")))
else:
    rows.append((label, "skipped (no redis-server, or built without `--features redis`)", "", "", "hit < 1 µs"))
for case in ["allow-owner", "deny-other"]:
    ours = median_ns("authorize_four-rules", case)
    rows.append((f"authorize four rules ({case})", fmt(ours), "", "", "≤ 1 µs"))

print("| benchmark | wardgate median | raw ring median | ratio | target |")
print("| --- | --- | --- | --- | --- |")
for row in rows:
    print("| " + " | ".join(row) + " |")
