"""`lineside aql plan`: one JSON object or a short text, and a one-line error with exit code 2.

Expected plans: ANSI/ASQ Z1.4-2003 Tables I and II-A (= ISO 2859-1:1999 Tables 1
and 2-A), and ISO 2859-1:1999 Tables 2-B and 2-C; see test_plans.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parents[3]


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["aql", "plan", *argv, "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return json.loads(captured.out)  # exactly one JSON object


def _error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["aql", "plan", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("lineside aql: error: ")
    return lines[0]


def test_lot_1000_level_ii_aql_1(capsys: pytest.CaptureFixture[str]) -> None:
    """Z1.4 Table I: 501-1200 at II -> J; Table II-A J at AQL 1.0: n 80, Ac 2, Re 3."""
    out = _json(capsys, "--lot-size", "1000", "--level", "II", "--aql", "1.0")
    assert {k: out[k] for k in ("code_letter", "n", "ac", "re", "sample")} == {
        "code_letter": "J", "n": 80, "ac": 2, "re": 3, "sample": 80
    }  # fmt: skip
    assert out["severity"] == "normal" and out["table"] == "2-A"
    assert out["plan_letter"] == "J" and out["hundred_percent"] is False
    assert out["lot_size"] == 1000 and out["level"] == "II" and out["aql"] == 1.0


def test_defaults_are_level_ii_and_normal(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, "--lot-size", "2000", "--aql", "0.65")
    assert (out["code_letter"], out["n"], out["ac"], out["re"]) == ("K", 125, 2, 3)
    assert (out["level"], out["severity"]) == ("II", "normal")


def test_arrow_reports_the_plan_actually_used(capsys: pytest.CaptureFixture[str]) -> None:
    """Table 2-A row G at AQL 0.65 is an up arrow: the plan of row F, n 20, 0 1."""
    out = _json(capsys, "--lot-size", "200", "--aql", "0.65")
    assert (out["code_letter"], out["plan_letter"], out["n"], out["ac"], out["re"]) == (
        "G", "F", 20, 0, 1
    )  # fmt: skip


def test_sample_is_the_whole_lot_when_n_reaches_it(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, "--lot-size", "5", "--aql", "0.65")
    assert (out["code_letter"], out["n"], out["sample"], out["hundred_percent"]) == (
        "A", 20, 5, True
    )  # fmt: skip


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("tightened", ("2-B", 80, 1, 2)),
        ("reduced", ("2-C", 32, 1, 2)),
        ("NORMAL", ("2-A", 80, 2, 3)),
    ],
)
def test_severity(capsys: pytest.CaptureFixture[str], severity: str, expected: tuple) -> None:
    out = _json(capsys, "--lot-size", "1000", "--aql", "1.0", "--severity", severity)
    assert (out["table"], out["n"], out["ac"], out["re"]) == expected


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aql", "plan", "--lot-size", "200", "--aql", "0.65"]) == 0
    text = capsys.readouterr().out
    assert "code letter G" in text and "leads to code letter F, sample size 20" in text
    assert "inspect 20 units" in text and "Ac 0" in text and "Re 1" in text
    assert main(["aql", "plan", "--lot-size", "5", "--aql", "0.65"]) == 0
    assert "inspect all 5 units" in capsys.readouterr().out
    assert main(["aql", "plan", "--lot-size", "1000", "--aql", "1.0"]) == 0
    text = capsys.readouterr().out
    assert "code letter J: sample size 80" in text and "2 or fewer" in text and "Re 3" in text


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--lot-size", "0", "--aql", "1.0"], "at least 1 unit"),
        (["--lot-size", "-3", "--aql", "1.0"], "at least 1 unit"),
        (["--lot-size", "ten", "--aql", "1.0"], "not a whole number"),
        (["--lot-size", "12.5", "--aql", "1.0"], "not a whole number"),
        (["--lot-size", "99999999999", "--aql", "1.0"], "not plausible"),
        (["--lot-size", "1000", "--aql", "0.7"], "AQL 0.7 is not a column"),
        (["--lot-size", "1000", "--aql", "one"], "not a number"),
        (["--lot-size", "1000", "--aql", "1.0", "--level", "IV"], "unknown inspection level"),
        (["--lot-size", "1000", "--aql", "1.0", "--severity", "loose"], "unknown inspection"),
        (["--aql", "1.0"], "--lot-size is required"),
        (["--lot-size", "1000"], "--aql is required"),
    ],
)
def test_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str], says: str) -> None:
    assert says in _error(capsys, *argv)


def _lineside(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "aql", "plan", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_command_in_a_process() -> None:
    """The real command: JSON on stdout; bad input: exit 2, one line, no traceback."""
    done = _lineside("--lot-size", "1000", "--level", "II", "--aql", "1.0", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["code_letter"], out["n"], out["ac"], out["re"], out["sample"]) == (
        "J", 80, 2, 3, 80
    )  # fmt: skip
    for argv in (("--lot-size", "0", "--aql", "1.0"), ("--lot-size", "9", "--aql", "0.7")):
        bad = _lineside(*argv, "--json")
        assert bad.returncode == 2 and bad.stdout == ""
        assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
