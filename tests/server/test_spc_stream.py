"""Real-time SPC on the server: streamed charts equal batch ones; signals contain the suspect range.

The acceptance scenario: an I-MR process (SHAFT-LEN at L1-TURN, mean 150.000
mm, sigma 0.010 mm) shifts by 1.5 sigma after point 100. The expected first
signal is computed independently with core.spc.monitor over the same
series; the suspect range from the definition in docs/spc.md ("Streaming on
the server"), with the job layout the test itself builds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from core.events.spc import SignalViolation, SpcSignal, SpcSignalAcknowledged
from core.spc import ControlLimits, measurement_data, monitor, parse_rules, standard_limits
from server import ledger
from server import models as m
from server.apply.pipeline import EventResult
from server.models_quality import Ncr, Notification
from server.models_spc import SpcPoint, SpcSignalRow
from server.spc import service as spc
from tests.support import finish, ingest_batch, ingest_one, through

SEED = 5  # numpy default_rng (PCG64): stable across numpy versions
MEAN, SIGMA, SHIFT_AT = 150.0, 0.010, 100
RULES = "we"
POINTS_PER_JOB = 4
QE = "EMP1010"


class Clock:
    """Event times one second apart, in the past (the server refuses future times)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(hours=3)

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Floor:
    """Posts events the way terminals do, each station with its own sequence."""

    engine: Engine
    clock: Clock = field(default_factory=Clock)
    seqs: dict[str, Iterator[int]] = field(default_factory=dict)

    def post(
        self, station: str, *payloads: ev.Payload, operator: str = "EMP1001"
    ) -> list[EventResult]:
        raws = []
        for p in payloads:
            seq = next(self.seqs.setdefault(station, iter(range(1, 10**9))))
            raws.append(
                ev.make_event(
                    p,
                    station_id=station,
                    seq=seq,
                    operator_id=operator,
                    occurred_at=self.clock.tick(),
                ).model_dump(mode="json")
            )
        results = ingest_batch(self.engine, raws, station)
        assert [r.status for r in results] == ["applied"] * len(results), [
            r.reason for r in results
        ]
        return results

    def start(
        self, station: str, wo: str, op: int, lot: str, qty: float | None = None
    ) -> uuid.UUID:
        """Start op ``op`` on ``lot``, first bringing a new lot of ``qty`` through the earlier
        operations of the routing (sawn before it is turned)."""
        job = uuid.uuid4()
        wip = through(self.engine, wo, op, lot=lot, qty=qty, at=self.clock.tick())
        self.post(
            station, ev.JobStarted(job_id=job, work_order=wo, operation=op, output_lot=lot, lot=wip)
        )
        return job

    def complete(self, station: str, job: uuid.UUID, lot: str, qty: float) -> None:
        self.post(station, ev.JobCompleted(job_id=job, output_lot=lot, good_qty=qty))

    def measure(
        self, station: str, job: uuid.UUID, characteristic: str, value: float
    ) -> dict[str, Any]:
        [r] = self.post(
            station,
            ev.MeasurementRecorded(
                job_id=job, characteristic=characteristic, value=float(value), unit="mm"
            ),
        )
        return r.outcome

    def press(self, shaft_lot: str, child: str) -> None:
        """Operation 10 of the pump: a shaft lot goes into a pressed assembly (genealogy edge).

        The shafts are ground and inspected first: a half-made lot is no component."""
        finish(self.engine, shaft_lot, at=self.clock.tick())
        job = self.start("L2-PRESS", "WO-2001", 10, child)
        self.post(
            "L2-PRESS",
            ev.LotConsumed(job_id=job, lot=shaft_lot, part="SHAFT-12", qty=1),
            ev.LotConsumed(job_id=job, lot="LOT-BRG-261101", part="BRG-6201", qty=1),
        )
        self.complete("L2-PRESS", job, child, 1)


def freeze(engine: Engine, characteristic: str, limits: ControlLimits, rules: str = RULES) -> int:
    r = spc.freeze_limits(
        engine, characteristic, limits, badge=QE, reason="initial study", rules=parse_rules(rules)
    )
    assert r.status == "applied", r.reason
    return int(r.outcome["version"])


def spc_holds(engine: Engine) -> set[str]:
    with Session(engine) as s:
        return set(
            s.execute(
                select(m.Hold.target).where(m.Hold.source == "spc_signal", m.Hold.status == "open")
            ).scalars()
        )


def shifted_series() -> np.ndarray:
    rng = np.random.default_rng(SEED)
    x = MEAN + SIGMA * rng.standard_normal(SHIFT_AT + 40)
    x[SHIFT_AT:] += 1.5 * SIGMA
    return x


def test_shift_signals_at_first_allowed_point_and_holds_exactly_the_suspect_range(
    engine: Engine,
) -> None:
    limits = standard_limits("imr", center=MEAN, sigma=SIGMA)
    x = shifted_series()
    # Independent expectation: batch phase II monitoring of the same series against the same limits.
    batch = monitor(limits, measurement_data("imr", x), parse_rules(RULES)).violations
    signal_at = min(v.index for v in batch)
    fired = [v for v in batch if v.index == signal_at]
    first_suspect = min(
        min(v.points) for v in fired
    )  # the run's first point: where control was lost
    assert signal_at >= SHIFT_AT and first_suspect < signal_at  # the scenario this seed gives
    last = (signal_at // POINTS_PER_JOB + 2) * POINTS_PER_JOB  # two more jobs after the signal

    assert freeze(engine, "SHAFT-LEN", limits) == 1
    floor = Floor(engine)
    job_points: dict[str, range] = {}
    started: dict[str, datetime] = {}
    point_time: dict[int, datetime] = {}
    pressed: dict[str, str] = {}  # shaft lot -> pump sub-assembly lot made from it
    outcomes: dict[int, dict[str, Any]] = {}
    gap_lots: list[str] = []
    room = {"WO-1001": 50.0, "WO-1002": 100.0}  # what is left to make on the two shaft orders

    def order_for(qty: float) -> str:
        """The first shaft order with room for ``qty`` more: the 117 shafts turned here would
        over-run either order alone (and an over-run needs a supervisor)."""
        wo = next(number for number, left in room.items() if left >= qty)
        room[wo] -= qty
        return wo

    def gap_job(name: str) -> None:
        """A job at the station whose parts nobody measured."""
        job = floor.start("L1-TURN", order_for(2), 20, name, qty=2)
        started[name] = floor.clock.now
        floor.complete("L1-TURN", job, name, 2)
        gap_lots.append(name)

    for j in range(last // POINTS_PER_JOB):
        lot = f"LOT-TURN-{j:03d}"
        points = range(j * POINTS_PER_JOB, (j + 1) * POINTS_PER_JOB)
        if first_suspect - 1 in points:
            gap_job("LOT-GAP-BEFORE")  # started before the last in-control point: not suspect
        job = floor.start("L1-TURN", order_for(POINTS_PER_JOB), 20, lot, qty=POINTS_PER_JOB)
        started[lot], job_points[lot] = floor.clock.now, points
        for i in points:
            outcomes[i] = floor.measure("L1-TURN", job, "SHAFT-LEN", x[i])
            point_time[i] = floor.clock.now
            if i == first_suspect - 1:
                gap_job("LOT-GAP-AFTER")  # started after the last in-control point: suspect
            if i == signal_at:
                # The containment at the moment of the signal, before anything else happens.
                made_before = {lot2: pts for lot2, pts in job_points.items()}
                held_at_signal = spc_holds(engine)
        floor.complete("L1-TURN", job, lot, POINTS_PER_JOB)
        if points[-1] < signal_at:
            pressed[lot] = f"LOT-PRESS-{j:03d}"
            floor.press(lot, pressed[lot])

    # 1. The stream equals batch monitoring point by point: it fires at the first point allowed.
    plotted = [outcomes[i]["spc"] for i in range(last)]
    assert all(o["status"] == "plotted" and o["point"]["index"] == i for i, o in enumerate(plotted))
    for i, o in enumerate(plotted):
        assert sorted(v["rule"] for v in o["point"]["violations"]) == sorted(
            v.rule for v in batch if v.index == i
        )
    assert all(o["signal"] is None for o in plotted[:signal_at])
    signal = plotted[signal_at]["signal"]
    assert signal["rules"] == [v.rule for v in fired] and signal["continues"] is None
    assert signal["suspect_from"] == first_suspect
    assert [v["points"] for v in plotted[signal_at]["point"]["violations"]] == [
        list(v.points) for v in fired
    ]
    i_part = plotted[signal_at]["point"]["parts"][0]
    assert i_part["part"] == "i" and i_part["ucl"] == pytest.approx(MEAN + 3 * SIGMA)

    # 2. The suspect range, by definition: lots with a measurement in a point from first_suspect on,
    #    lots of jobs started after the last in-control point, and every lot made from them.
    t0 = point_time[first_suspect - 1]
    suspect = {lot for lot, pts in made_before.items() if max(pts) >= first_suspect}
    suspect |= {
        lot for lot in gap_lots if started[lot] > t0 and started[lot] < point_time[signal_at]
    }
    downstream = {pressed[lot] for lot in suspect if lot in pressed}
    assert "LOT-GAP-AFTER" in suspect and "LOT-GAP-BEFORE" not in suspect and downstream
    assert set(signal["lots"]) == suspect and set(signal["downstream"]) == downstream
    assert held_at_signal == suspect | downstream
    # nothing made before the last in-control point is held
    before = {lot for lot, pts in job_points.items() if max(pts) < first_suspect} | {
        "LOT-GAP-BEFORE"
    }
    assert before and not before & held_at_signal
    assert not {pressed[lot] for lot in before if lot in pressed} & held_at_signal

    # 3. Until acknowledged, what the station goes on making joins the same containment.
    later = {lot for lot, pts in job_points.items() if min(pts) > signal_at}
    assert later and spc_holds(engine) == suspect | downstream | later
    with Session(engine) as s:
        lead = s.get(SpcSignalRow, signal["id"])
        assert lead is not None and lead.point == signal_at and lead.limits_version == 1
        assert lead.suspect_from == first_suspect and lead.ncr == signal["ncr"]
        ncr = s.get(Ncr, lead.ncr)
        assert (
            ncr is not None
            and ncr.source == "spc_signal"
            and set(ncr.lots) == suspect | downstream | later
        )
        for lot in suspect - {f"LOT-TURN-{signal_at // POINTS_PER_JOB:03d}"}:
            assert s.get(m.Lot, lot).status == "on_hold"  # type: ignore[union-attr]
        continuing = (
            s.execute(select(SpcSignalRow).where(SpcSignalRow.continues == lead.id)).scalars().all()
        )
        assert {c.point for c in continuing} == {
            v.index for v in batch if signal_at < v.index < last
        }
        note = s.execute(select(Notification).where(Notification.kind == "spc_signal")).scalar_one()
        assert "SHAFT-LEN" in note.message
        log = (
            s.execute(
                select(m.EventLog.type)
                .where(m.EventLog.occurred_at == point_time[signal_at])
                .order_by(m.EventLog.id)
            )
            .scalars()
            .all()
        )
    assert (
        log[:3] == ["MeasurementRecorded", "SpcSignal", "NcrOpened"]
        and log[-1] == "SupervisorNotified"
    )
    assert set(log[3:-1]) == {"HoldPlaced"} and len(log) == 3 + len(suspect | downstream) + 1

    # A suspect lot cannot be consumed any more.
    job = floor.start("L2-PRESS", "WO-2001", 10, "LOT-PRESS-X")
    [refused] = ingest_batch(
        engine,
        [
            ev.make_event(
                ev.LotConsumed(job_id=job, lot=sorted(suspect)[0], part="SHAFT-12", qty=1),
                station_id="L2-PRESS",
                seq=10**6,
                operator_id="EMP1001",
                occurred_at=floor.clock.tick(),
            ).model_dump(mode="json")
        ],
        "L2-PRESS",
    )
    assert refused.status == "rejected" and "on hold" in (refused.reason or "")

    # 4. Acknowledged with a note: the chart's next lots are not held (the holds stay for the MRB).
    ack = spc.acknowledge(
        engine, signal["id"], badge="EMP1009", note="insert worn; replaced, offset reset"
    )
    assert ack.status == "applied", ack.reason
    with Session(engine) as s:
        assert spc.list_signals(s) == []
    held = spc_holds(engine)
    job = floor.start("L1-TURN", order_for(1), 20, "LOT-TURN-AFTER-ACK", qty=1)
    floor.measure("L1-TURN", job, "SHAFT-LEN", MEAN)
    assert spc_holds(engine) == held and "LOT-TURN-AFTER-ACK" not in held
    assert ledger.verify(engine).ok


def test_subgroups_form_per_work_order_and_equal_batch_xbar_r(engine: Engine) -> None:
    """X-bar R on SHAFT-DIA (subgroups of 5): two work orders measured alternately at a station."""
    limits = standard_limits("xbar-r", center=12.0, sigma=0.003, subgroup_size=5)
    freeze(engine, "SHAFT-DIA", limits, rules="nelson")
    rng = np.random.default_rng(11)
    per_wo = 12  # subgroups per work order
    values = {wo: 12.0 + 0.003 * rng.standard_normal((per_wo, 5)) for wo in ("WO-1001", "WO-1002")}
    values["WO-1002"][6:] += 0.004  # the second order's material runs large
    floor = Floor(engine)
    jobs = {wo: floor.start("L1-TURN", wo, 20, f"LOT-DIA-{wo}") for wo in values}
    completed: list[list[float]] = []
    outcomes: list[dict[str, Any]] = []
    for g in range(per_wo):
        for k in range(5):
            for wo in values:  # interleaved measurements: a subgroup never mixes work orders
                out = floor.measure("L1-TURN", jobs[wo], "SHAFT-DIA", values[wo][g, k])["spc"]
                outcomes.append(out)
                if out["status"] == "plotted":
                    assert out["point"]["work_order"] == wo
                    completed.append(list(values[wo][g]))  # each batch rebuilds rule state
                else:
                    assert out == {
                        **out,
                        "status": "collecting",
                        "pending": k + 1,
                        "subgroup_size": 5,
                    }
    plotted = [o for o in outcomes if o["status"] == "plotted"]
    assert len(plotted) == 2 * per_wo
    batch = monitor(limits, measurement_data("xbar-r", completed), parse_rules("nelson"))
    streamed = [
        (v["part"], v["rule"], p["point"]["index"], v["points"])
        for p in plotted
        for v in p["point"]["violations"]
    ]
    expected = [(v.part, v.rule, v.index, list(v.points)) for v in batch.violations]
    assert sorted(streamed) == sorted(expected) and expected
    xbar = batch.chart.part("xbar")
    assert [p["point"]["parts"][0]["value"] for p in plotted] == pytest.approx(list(xbar.values))
    with Session(engine) as s:
        points = s.execute(select(SpcPoint).order_by(SpcPoint.idx)).scalars().all()
        assert [p.idx for p in points] == list(range(2 * per_wo))
        assert all(len(p.events) == 5 and len(p.jobs) == 1 for p in points)


def test_new_limits_version_starts_a_new_chart(engine: Engine) -> None:
    """Eight points in a row above the centre (we-4) must all be charted against the same limits."""
    floor = Floor(engine)
    freeze(engine, "SHAFT-LEN", standard_limits("imr", center=MEAN, sigma=SIGMA))
    job = floor.start("L1-TURN", "WO-1001", 20, "LOT-V")
    above = [MEAN + 0.004 + 0.001 * (i % 2) for i in range(13)]
    first = [floor.measure("L1-TURN", job, "SHAFT-LEN", v)["spc"] for v in above[:5]]
    assert freeze(engine, "SHAFT-LEN", standard_limits("imr", center=MEAN, sigma=SIGMA)) == 2
    second = [floor.measure("L1-TURN", job, "SHAFT-LEN", v)["spc"] for v in above[5:]]
    assert [o["limits_version"] for o in first + second] == [1] * 5 + [2] * 8
    assert [o["point"]["index"] for o in first + second] == list(range(13))
    fired = [o["point"]["index"] for o in first + second if o["point"]["violations"]]
    assert fired == [12]  # the 8th point of version 2, not the 8th overall
    assert second[0]["point"]["parts"][1]["value"] is None  # a new chart has no first moving range
    with Session(engine) as s:
        versions = (
            s.execute(select(m.EventLog.type).where(m.EventLog.type == "SpcLimitsFrozen"))
            .scalars()
            .all()
        )
        assert len(versions) == 2
        assert [v["active"] for v in spc.limits_history(s, "SHAFT-LEN")] == [True, False]


def test_no_limits_no_chart_and_replay_changes_nothing(engine: Engine) -> None:
    floor = Floor(engine)
    job = floor.start("L1-TURN", "WO-1001", 20, "LOT-NL")
    out = floor.measure("L1-TURN", job, "SHAFT-LEN", MEAN)
    assert out["spc"] == {"status": "off", "reason": "no frozen control limits for SHAFT-LEN"}
    freeze(engine, "SHAFT-LEN", standard_limits("imr", center=MEAN, sigma=SIGMA))
    raws = [
        ev.make_event(
            ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-LEN", value=MEAN + 0.05),
            station_id="L1-TURN",
            seq=100 + i,
            operator_id="EMP1001",
        ).model_dump(mode="json")
        for i in range(2)
    ]
    first = ingest_batch(engine, raws, "L1-TURN")
    assert first[0].outcome["spc"]["signal"]["rules"] == ["we-1"]
    assert first[1].outcome["spc"]["signal"]["continues"] == first[0].outcome["spc"]["signal"]["id"]
    again = ingest_batch(engine, raws, "L1-TURN")
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    assert again[0].outcome == first[0].outcome
    with Session(engine) as s:
        assert len(s.execute(select(SpcPoint)).scalars().all()) == 2
        assert len(s.execute(select(SpcSignalRow)).scalars().all()) == 2
        assert (
            len(s.execute(select(m.Hold).where(m.Hold.source == "spc_signal")).scalars().all()) == 1
        )


def test_signal_events_are_the_servers_and_acknowledgement_needs_the_right_people(
    engine: Engine,
) -> None:
    floor = Floor(engine)
    freeze(engine, "SHAFT-LEN", standard_limits("imr", center=MEAN, sigma=SIGMA))
    job = floor.start("L1-TURN", "WO-1001", 20, "LOT-ACK")
    signal_id = floor.measure("L1-TURN", job, "SHAFT-LEN", MEAN - 0.05)["spc"]["signal"]["id"]
    forged = ev.make_event(
        SpcSignal(
            signal_id=uuid.uuid4(),
            characteristic="SHAFT-LEN",
            station="L1-TURN",
            point=0,
            violations=[SignalViolation(rule="we-1", part="i", points=[0], message="x")],
            limits_version=1,
            suspect_from=0,
        ),
        station_id="L1-TURN",
        seq=500,
        occurred_at=floor.clock.tick(),
    )
    r = ingest_one(engine, forged.model_dump(mode="json"), "L1-TURN")
    assert r.status == "rejected" and "recorded by the server only" in (r.reason or "")

    def ack(station: str, operator: str, seq: int) -> EventResult:
        e = ev.make_event(
            SpcSignalAcknowledged(signal_id=uuid.UUID(signal_id), note="tool chipped; replaced"),
            station_id=station,
            seq=seq,
            operator_id=operator,
            occurred_at=floor.clock.tick(),
        )
        return ingest_one(engine, e.model_dump(mode="json"), station)

    other = ack("L1-SAW", "EMP1009", 501)
    assert other.status == "rejected" and "may not acknowledge" in (other.reason or "")
    operator = ack("L1-TURN", "EMP1001", 502)
    assert operator.status == "rejected" and "supervisor" in (operator.reason or "")
    blank = spc.acknowledge(engine, signal_id, badge="EMP1009", note="  ")
    assert blank.status == "rejected" and "assignable cause" in (blank.reason or "")
    done = ack("L1-TURN", "EMP1009", 503)  # the kiosk queues it like any floor action
    assert done.status == "applied", done.reason
    again = ack("L1-TURN", "EMP1009", 504)
    assert again.status == "rejected" and "already acknowledged" in (again.reason or "")
    with Session(engine) as s:
        row = s.get(SpcSignalRow, signal_id)
        assert (
            row is not None
            and row.acknowledged_by == "EMP1009"
            and row.note == "tool chipped; replaced"
        )
        [seen] = spc.station_signals(s, "L1-TURN", 0)
        assert seen.id == signal_id and seen.acknowledged_by == "EMP1009"
        assert spc.station_signals(s, "L1-TURN", seen.rev) == []
        assert spc.station_signals(s, "L1-SAW", 0) == []
        [lines] = spc.station_limits(s, "L1-TURN", 0)
        assert lines.characteristic == "SHAFT-LEN" and [ln.part for ln in lines.lines] == [
            "i",
            "mr",
        ]
        note = s.execute(select(Notification).where(Notification.kind == "spc_signal")).scalar_one()
        assert note.acknowledged_by == "EMP1009"
