"""Compares the answers of every side on the differential cases.

``python tests/differential/compare.py CASES.json RESULTS.json...`` (the outputs of
``python_side.py`` and ``node_side.mjs``). Fails, printing a few cases of each, when:

- the Wardgate runtimes (Python, Node native, WebAssembly) differ in any answer,
  reason included: one implementation must decide the same everywhere;
- the reference model of the conformance generator gives another answer than
  Wardgate where the contract decides the case;
- jose or PyJWT accepts where Wardgate refuses, or the other way round, or both accept
  with different subjects, and ``known.json`` does not list that kind of case as a known
  difference of that library;
- a difference that ``known.json`` lists did not occur (the list must stay true), or has
  no section in ``docs/differences.md``.

Prints how many cases each side accepted and how many differences of each kind it found.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parent.parent / "docs" / "differences.md"
WARDGATE = ("wardgate-python", "wardgate-node", "wardgate-wasm")
PEERS = ("jose", "pyjwt")
SHOW = 3  # cases printed per unexpected difference


def verdict(result):
    return "accepts" if result["ok"] else "refuses"


def load(cases_path, result_paths):
    doc = json.loads(Path(cases_path).read_text())
    results = {}
    for path in result_paths:
        results.update(json.loads(Path(path).read_text()))
    missing = [s for s in WARDGATE + PEERS + ("model",) if s not in results]
    if missing:
        sys.exit(f"compare: no results from {', '.join(missing)}")
    for side, answers in results.items():
        if len(answers) != len(doc["cases"]):
            sys.exit(f"compare: {side} answered {len(answers)} of {len(doc['cases'])} cases")
    return doc["cases"], results


def known_differences():
    """(library, kind, Wardgate's verdict) -> difference id, from known.json."""
    table = {}
    entries = json.loads((HERE / "known.json").read_text())
    for entry in entries:
        for library in PEERS:
            for kind in entry.get(library, []):
                table[(library, kind, entry["wardgate"])] = entry["id"]
    return entries, table


def describe(case, answers):
    got = ", ".join(f"{side}: {json.dumps(a)}" for side, a in answers.items())
    return f"  {case['id']} ({len(case['token'])} chars): {got}"


def main(argv):
    cases, results = load(argv[0], argv[1:])
    entries, table = known_differences()
    problems = []

    # One implementation, the same answer everywhere.
    split = [i for i, _ in enumerate(cases) if len({json.dumps(results[s][i]) for s in WARDGATE}) > 1]
    if split:
        problems.append(f"the Wardgate runtimes disagree on {len(split)} cases:")
        problems += [describe(cases[i], {s: results[s][i] for s in WARDGATE}) for i in split[:SHOW]]

    ours = results["wardgate-python"]

    # The contract's reference model, where it decides.
    off = [i for i, m in enumerate(results["model"]) if m is not None and m != ours[i]]
    if off:
        problems.append(f"the reference model disagrees with Wardgate on {len(off)} cases:")
        problems += [describe(cases[i], {"wardgate": ours[i], "model": results["model"][i]}) for i in off[:SHOW]]

    # The peers: accept/refuse, and who was accepted.
    seen = defaultdict(int)
    unexpected = defaultdict(list)
    for library in PEERS:
        for i, case in enumerate(cases):
            a, b = ours[i], results[library][i]
            if a["ok"] == b["ok"] and (not a["ok"] or a["sub"] == b["sub"]):
                continue
            key = (library, case["kind"], verdict(a))
            if key in table:
                seen[(table[key],) + key] += 1
            else:
                unexpected[key].append(i)
    for (library, kind, ours_verdict), idx in sorted(unexpected.items()):
        problems.append(f"unlisted difference: Wardgate {ours_verdict} and {library} does not, "
                        f"on {len(idx)} '{kind}' cases:")
        problems += [describe(cases[i], {"wardgate": ours[i], library: results[library][i]}) for i in idx[:SHOW]]

    doc_text = DOC.read_text() if DOC.exists() else ""
    for entry in entries:
        if f"`{entry['id']}`" not in doc_text:
            problems.append(f"known.json: {entry['id']} has no section in docs/differences.md")
        for library in PEERS:
            for kind in entry.get(library, []):
                if not seen[(entry["id"], library, kind, entry["wardgate"])]:
                    problems.append(f"known.json: {entry['id']} lists {library} on '{kind}', "
                                    f"but no such case differs any more")

    # The summary.
    print(f"differential: {len(cases)} cases, {len({c['kind'] for c in cases})} kinds")
    for side in WARDGATE + PEERS + ("model",):
        answered = [r for r in results[side] if r is not None]
        accepted = sum(1 for r in answered if r["ok"])
        print(f"  {side:18} accepts {accepted:6}, refuses {len(answered) - accepted:6}")
    per_entry = Counter()
    for (eid, library, _kind, _v), n in seen.items():
        per_entry[(eid, library)] += n
    for entry in entries:
        counts = ", ".join(f"{lib} {per_entry[(entry['id'], lib)]}" for lib in PEERS if entry.get(lib))
        print(f"  known difference {entry['id']} (Wardgate {entry['wardgate']}): {counts}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"differential: FAILED ({sum(1 for p in problems if not p.startswith('  '))} problems)", file=sys.stderr)
        return 1
    print("differential: every difference is known and documented")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
