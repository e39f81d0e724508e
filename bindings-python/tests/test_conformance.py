"""The Python conformance runner, over the contract's vectors and the project's own."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

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
