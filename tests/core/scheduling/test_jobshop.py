"""The classic job-shop text format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.scheduling import JobShopError, check_schedule, greedy, parse_jobshop
from core.scheduling.jobshop import parse_jobshop_text

DATA = Path(__file__).resolve().parents[2] / "data" / "jobshop"


def test_ft06_reads_as_six_orders_over_six_stations() -> None:
    problem = parse_jobshop((DATA / "ft06.txt").read_text())
    assert [r.id for r in problem.resources] == [f"M{i}" for i in range(6)]
    first = problem.orders[0]
    assert first.id == "J0" and first.due is None
    assert [(o.resources, o.setup) for o in first.operations] == [
        (("M2",), 1),
        (("M0",), 3),
        (("M1",), 6),
        (("M3",), 7),
        (("M5",), 3),
        (("M4",), 6),
    ]
    assert check_schedule(problem, greedy(problem)) == []


@pytest.mark.parametrize("name", ["ft06", "la01", "la02", "la03", "la04", "la05"])
def test_every_instance_file_reads(name: str) -> None:
    shop = parse_jobshop_text((DATA / f"{name}.txt").read_text(), name)
    assert len(shop.routes) == shop.jobs
    # Each job visits each machine exactly once in these instances.
    assert all(sorted(m for m, _ in route) == list(range(shop.machines)) for route in shop.routes)


def test_comments_and_blank_lines_are_skipped() -> None:
    shop = parse_jobshop_text("# a tiny one\n\n2 2\n  # job 0\n0 3 1 2\n\n1 4 0 1\n")
    assert shop.routes == (((0, 3), (1, 2)), ((1, 4), (0, 1)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "t.txt: no data"),
        ("2\n0 1\n", "t.txt line 1: expected 'JOBS MACHINES'"),
        ("2 2\n0 1 1 2\n", "t.txt line 2: the header says 2 jobs but 1 job lines follow"),
        ("1 2\n0 1 1 2\n1 1 0 1\n", "t.txt line 3: the header says 1 jobs but 2 job lines follow"),
        ("1 2\n0 1 1\n", "t.txt line 2: expected pairs of machine and duration, found 3 numbers"),
        ("# c\n1 2\n0 1 2 5\n", "t.txt line 3: machine 2 is not in 0..1"),
        ("1 2\n0 x 1 5\n", "t.txt line 2: 'x' is not a whole number"),
        ("1 2\n0 -1 1 5\n", "t.txt line 2: duration -1 is negative"),
        ("0 2\n", "t.txt line 1: need at least one job and one machine"),
    ],
)
def test_malformed_files_name_the_line(text: str, message: str) -> None:
    with pytest.raises(JobShopError) as caught:
        parse_jobshop_text(text, "t.txt")
    assert str(caught.value).startswith(message)


def test_the_scheduling_core_loads_no_solver_or_framework() -> None:
    code = (
        "import sys, core.scheduling, core.scheduling.jobshop, json; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not {"ortools", "numpy", "fastapi", "sqlmodel", "textual"} & loaded
