"""Prints the medians of the last `cargo bench -p wardgate` run and the ratios that
the README's targets are stated in (wardgate verify / raw ring verify)."""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def median_ns(group: str, name: str) -> float:
    path = root / group / name / "new" / "estimates.json"
    return json.loads(path.read_text())["median"]["point_estimate"]


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
for case in ["allow-owner", "deny-other"]:
    ours = median_ns("authorize_four-rules", case)
    rows.append((f"authorize four rules ({case})", fmt(ours), "", "", "≤ 1 µs"))

print("| benchmark | wardgate median | raw ring median | ratio | target |")
print("| --- | --- | --- | --- | --- |")
for row in rows:
    print("| " + " | ".join(row) + " |")
