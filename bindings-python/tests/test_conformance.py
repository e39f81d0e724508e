"""The Python conformance runner, over the contract's vectors and the project's own."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import pytest

from conftest import project_vector_files, shared_vector_files


def run(*paths: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wardgate.conformance", *paths],
                          capture_output=True, text=True, check=False)


def test_the_projects_vectors_pass():
    result = run(*map(str, project_vector_files()))
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.strip().endswith(" passed, 0 failed")


def test_the_shared_vectors_pass():
    result = run(*map(str, shared_vector_files()))
    assert result.returncode == 0, result.stdout[-3000:]


def test_a_wrong_expectation_is_reported(tmp_path):
    every = [v for f in project_vector_files() for v in json.loads(f.read_text())["vectors"]]
    vectors = [v for v in every if v["expect"].get("ok") is False][:2]
    assert len(vectors) == 2
    wrong = copy.deepcopy(vectors[0])
    wrong["id"] = "deliberately-wrong"
    wrong["expect"]["reason"] = "not_a_reason"
    path = tmp_path / "vectors.json"
    path.write_text(json.dumps({"suite": "t", "vectors": [vectors[1], wrong]}))
    result = run(str(path))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(f"FAIL {path} deliberately-wrong: expected ")
    assert "reason: expected \"not_a_reason\"" in lines[0]
    assert lines[-1] == "1 passed, 1 failed"


def test_unreadable_files_fail_and_no_arguments_is_usage(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = run(str(bad), str(tmp_path / "absent.json"))
    assert result.returncode == 1
    assert result.stdout.count("FAIL ") == 2
    assert run().returncode == 2


# Filter vectors -------------------------------------------------------------------------

def filter_vector_files():
    """The filter vector files: the shared ones (required under CI, like the other shared
    vectors) and the project's own, when there are any."""
    from conftest import ROOT, SHARED_VECTORS

    shared = sorted((SHARED_VECTORS.parent / "filters").glob("*.json"))
    if not shared:
        if os.environ.get("CI") == "true":
            pytest.fail("the shared filter vectors are missing (required under CI)")
        pytest.skip("the shared filter vectors are missing")
    return shared + sorted((ROOT / "tests" / "conformance" / "filters").glob("*.json"))


def test_the_filter_vectors_pass():
    result = run(*map(str, filter_vector_files()))
    assert result.returncode == 0, result.stdout[-3000:]
    passed = int(result.stdout.strip().splitlines()[-1].split()[0])
    assert passed >= 10 and result.stdout.strip().endswith(" passed, 0 failed")


def test_a_wrong_filter_expectation_is_reported(tmp_path):
    vectors = json.loads(filter_vector_files()[0].read_text())["vectors"]
    vector = next(v for v in vectors if "filter" in v and v["expect"].get("filter", {}).get("rows"))
    wrong_rows = copy.deepcopy(vector)
    wrong_rows["id"] = "wrong-rows"
    wrong_rows["expect"]["filter"]["rows"] = wrong_rows["expect"]["filter"]["rows"][1:]
    wrong_kind = copy.deepcopy(vector)
    wrong_kind["id"] = "wrong-kind"
    wrong_kind["expect"]["filter"]["kind"] = "always"
    path = tmp_path / "filters.json"
    path.write_text(json.dumps({"suite": "t", "vectors": [vector, wrong_rows, wrong_kind]}))
    result = run(str(path))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(f"FAIL {path} wrong-rows: expected ")
    # The rows are wrong for every route: matches, authorize and the SQL on SQLite.
    for route in ("filter.rows by matches", "filter.rows by authorize", "filter.rows by sql (sqlite)"):
        assert route in lines[0]
    assert lines[1].startswith(f"FAIL {path} wrong-kind: expected ")
    assert 'filter.kind: expected "always"' in lines[1]
    assert lines[-1] == "1 passed, 2 failed"


def test_a_filter_disagreeing_with_authorize_is_reported():
    from wardgate import Engine, Principal
    from wardgate.conformance import filter_outcome, mismatches

    engine = Engine({"token": {"algorithms": ["HS256"]}, "keys": {"secret": "0123456789abcdef0123456789abcdef"},
                     "rules": [{"id": "own", "effect": "permit", "resource": "todo", "actions": "*",
                                "when": "resource.owner_id == principal.id"}]})
    spec = {"action": "read", "resource_type": "todo", "columns": {"id": "text", "owner_id": "text"},
            "rows": [{"id": "t1", "owner_id": "u1"}, {"id": "t2"}]}
    got = {"ok": True, **filter_outcome(engine, Principal("u1"), spec)}
    assert got["filter"] == {"rows": ["t1"], "kind": "conditional"}
    assert got["authorize_rows"] == got["sql_rows"] == ["t1"]
    got["sql_rows"] = ["t1", "t2"]  # as a wrong translation would select
    wrong = mismatches({"ok": True, "filter": {"rows": ["t1"]}}, got)
    assert wrong[0] == 'filter.rows by sql (sqlite): expected ["t1"], got ["t1", "t2"]'
    assert wrong[1].startswith('the SQL: "owner_id" = ?')
