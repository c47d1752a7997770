"""`lineside schedule jobshop`: CP-SAT reaches the published optimum of classic instances.

Instances and optima: OR-Library jobshop1.txt (Mattfeld and Vaessens); ft06 from
Fisher and Thompson (1963), optimum 55; la01-la05 from Lawrence (1984), optima
666, 655, 597, 590, 593 (see tests/data/jobshop/README.md). Each solves in well
under a second on two workers; the time limit is only a guard.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main

DATA = Path(__file__).resolve().parents[2] / "data" / "jobshop"
OPTIMUM = {"ft06": 55, "la01": 666, "la02": 655, "la03": 597, "la04": 590, "la05": 593}


@pytest.mark.parametrize("name", sorted(OPTIMUM))
def test_cli_reaches_the_known_optimal_makespan(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["schedule", "jobshop", str(DATA / f"{name}.txt"), "--time-limit", "20", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["makespan"] == OPTIMUM[name]
    assert out["status"] == "OPTIMAL" and out["lower_bound"] == OPTIMUM[name]
    assert out["solve_seconds"] >= 0
    # Each machine's sequence names every job once (each job visits each machine once here).
    assert [sorted(seq) for seq in out["sequence"]] == [list(range(out["jobs"]))] * out["machines"]


def test_cli_prints_the_makespan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", "jobshop", str(DATA / "ft06.txt")]) == 0
    assert capsys.readouterr().out.startswith("ft06.txt: makespan 55 (optimal, ")


def test_cli_reports_a_malformed_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("2 2\n0 5 1 5\n0 5 7 5\n")
    assert main(["schedule", "jobshop", str(bad)]) == 2
    assert "bad.txt line 3: machine 7 is not in 0..1" in capsys.readouterr().out
    assert main(["schedule", "jobshop", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read" in capsys.readouterr().out


def test_schedule_without_a_kind_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule"]) == 2
    assert "jobshop" in capsys.readouterr().out
