"""The command on the example file, as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from abri.matching.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "abri" / "matching" / "examples" / "example.json"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "abri.matching", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_solve_prints_the_plan() -> None:
    done = _run("solve", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {
        "status",
        "method",
        "placed_priority",
        "total_cost",
        "gap",
        "assignments",
        "unplaced",
        "seconds",
    }
    assert out["status"] == "optimal"
    for a in out["assignments"]:
        assert set(a) == {"request", "shelter", "cost", "explanation"}
        assert a["cost"] == sum(a["explanation"]["terms"].values())


def test_rank_one_and_all() -> None:
    one = _run("rank", str(EXAMPLE), "--request", "R01")
    assert one.returncode == 0, one.stderr
    out = json.loads(one.stdout)
    assert set(out) == {"request", "eligible", "excluded"}
    assert [e["shelter"] for e in out["eligible"]] == ["S02"]
    assert set(out["eligible"][0]) == {"shelter", "cost", "terms", "opportunity_cost"}
    assert {e["shelter"]: e["reason"]["code"] for e in out["excluded"]} == {
        "S01": "linked_group_too_large",
        "S03": "inside_danger_departement",
        "S04": "insufficient_places",
        "S07": "avoided",
    }


def test_rank_all_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rank", str(EXAMPLE)]) == 0
    every = json.loads(capsys.readouterr().out)
    assert [r["request"] for r in every] == ["R01", "R02", "R03"]


def test_invalid_problem_exits_2_naming_the_field(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE.read_text())
    data["requests"][2]["household"]["children"] = -1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    done = _run("solve", str(bad))
    assert done.returncode == 2
    assert "requests[2].household.children: must be an integer >= 0" in done.stderr
    assert done.stdout == ""


def test_unknown_request_and_unreadable_file_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rank", str(EXAMPLE), "--request", "R99"]) == 2
    assert "--request: no request 'R99'" in capsys.readouterr().err
    assert main(["solve", str(tmp_path / "missing.json")]) == 2
    (tmp_path / "x.json").write_text("{")
    assert main(["solve", str(tmp_path / "x.json")]) == 2
    assert "not valid JSON" in capsys.readouterr().err
