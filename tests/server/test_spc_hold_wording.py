"""What an SPC hold says on the hold notice: chart points counted from 1, as on the chart.

The scenario: SHAFT-CUT-LEN at L1-SAW (I-MR, centre 155.0 mm, sigma 0.1 mm), three
points on the centre line, then 155.25, 155.0, 155.25: the 4th and 6th points lie more
than 2 sigma above the centre line, so Western Electric rule 2 (2 of 3) fires at the 6th
point, the run starting at the 4th. core.spc.monitor says the same over the same series.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from core.spc import measurement_data, monitor, parse_rules, standard_limits
from server import models as m
from server.spc import service as spc
from server.spc.containment import point_range
from tests.support import event, ingest_batch

STATION = "L1-SAW"
SERIES = [155.0, 155.0, 155.0, 155.25, 155.0, 155.25]
LIMITS = standard_limits("imr", center=155.0, sigma=0.1)


def post(engine: Engine, *payloads: ev.Payload) -> list[dict[str, object]]:
    results = ingest_batch(engine, [event(p, station=STATION) for p in payloads], STATION)
    assert [r.status for r in results] == ["applied"] * len(results), [r.reason for r in results]
    return [r.outcome for r in results]


def start(job: uuid.UUID, lot: str) -> ev.JobStarted:
    return ev.JobStarted(job_id=job, work_order="WO-1001", operation=10, output_lot=lot)


def measure(job: uuid.UUID, value: float) -> ev.MeasurementRecorded:
    return ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-CUT-LEN", value=value)


def reasons(engine: Engine) -> dict[str, str]:
    with Session(engine) as s:
        rows = s.execute(
            select(m.Hold.target, m.Hold.reason).where(m.Hold.source == "spc_signal")
        ).all()
    return {target: reason for target, reason in rows}


def test_point_ranges_count_from_one() -> None:
    assert point_range(0, 0) == "point 1"
    assert point_range(3, 5) == "points 4-6"


def test_hold_reasons_number_the_points_as_the_chart_does(engine: Engine) -> None:
    [fired] = monitor(LIMITS, measurement_data("imr", SERIES), parse_rules("we")).violations
    assert (fired.rule, fired.index, list(fired.points)) == ("we-2", 5, [3, 5])

    rules = parse_rules("we")
    r = spc.freeze_limits(
        engine, "SHAFT-CUT-LEN", LIMITS, badge="EMP1010", reason="initial study", rules=rules
    )
    assert r.status == "applied", r.reason
    first, later = uuid.uuid4(), uuid.uuid4()
    post(engine, start(first, "LOT-SPC-A"))
    outcomes = post(engine, *(measure(first, x) for x in SERIES))
    indexes = [o["spc"]["point"]["index"] for o in outcomes]  # type: ignore[index]
    assert indexes == [0, 1, 2, 3, 4, 5]  # the stream stores indexes from 0
    post(engine, ev.JobCompleted(job_id=first, output_lot="LOT-SPC-A", good_qty=6))
    # made before anyone acknowledged the signal: the 7th point's lot joins the containment
    post(engine, start(later, "LOT-SPC-B"), measure(later, 155.0))

    assert reasons(engine) == {
        "LOT-SPC-A": (
            "SPC signal on SHAFT-CUT-LEN (Blank length) at L1-SAW: we-2: 2 of 3 points more "
            "than 2 sigma above the centre line (i) (points 4-6, limits v1)"
        ),
        "LOT-SPC-B": (
            "made while SPC signal on SHAFT-CUT-LEN at L1-SAW (point 6) was unacknowledged: point 7"
        ),
    }
