"""A gauge fails calibration: what did it measure, and on which lots (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cli.main import main
from core import events as ev
from server import models as m
from server.services.gauge_use import gauge_use
from tests.support import event, ingest_batch, through

T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)


def turn_job(engine: Engine, at: datetime, readings: list[tuple[float, str | None]]) -> str:
    job = uuid.uuid4()
    lot = f"LOT-L1-TURN-G{job.hex[:6]}"
    wip = through(engine, "WO-1002", 20, lot=lot, qty=10, at=at - timedelta(hours=1))  # sawn first
    payloads: list[ev.Payload] = [
        ev.JobStarted(job_id=job, work_order="WO-1002", operation=20, output_lot=lot, lot=wip)
    ]
    payloads += [
        ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-DIA", value=v, unit="mm",
                               source="gauge" if device else "keyboard", device=device)
        for v, device in readings
    ]  # fmt: skip
    payloads.append(ev.JobCompleted(job_id=job, output_lot=lot, good_qty=10))
    raws = [
        event(p, station="L1-TURN", occurred_at=at + timedelta(minutes=i))
        for i, p in enumerate(payloads)
    ]
    results = ingest_batch(engine, raws, "L1-TURN")
    assert [r.status for r in results] == ["applied"] * len(raws), [r.reason for r in results]
    return lot


def test_the_lots_a_gauge_measured_since_its_last_calibration(engine: Engine, db_url: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    before = turn_job(engine, T0, [(12.001, "micrometer")])
    first = turn_job(engine, T0 + timedelta(days=2), [(12.002, "micrometer"), (12.5, "micrometer")])
    typed = turn_job(engine, T0 + timedelta(days=3), [(12.0, None)])
    other = turn_job(
        engine, T0 + timedelta(days=4), [(12.003, "bench-gauge"), (12.004, "micrometer")]
    )
    with Session(engine) as s:
        devices = sorted(
            (r.value, r.device or "") for r in s.execute(select(m.Measurement)).scalars()
        )
    assert devices == [(12.0, ""), (12.001, "micrometer"), (12.002, "micrometer"),
                       (12.003, "bench-gauge"), (12.004, "micrometer"), (12.5, "micrometer")]  # fmt: skip

    since = T0 + timedelta(days=1)
    use = gauge_use(engine, "micrometer", since=since)
    assert use.measured == 3
    [line] = use.lines
    assert (line.characteristic, line.station, line.measured, line.failed) == (
        "SHAFT-DIA",
        "L1-TURN",
        3,
        1,
    )
    assert line.first == T0 + timedelta(days=2, minutes=1) and line.last == T0 + timedelta(
        days=4, minutes=2
    )
    assert [(lot.lot, lot.measured) for lot in use.lots] == sorted([(first, 2), (other, 1)])
    assert before not in {lot.lot for lot in use.lots} and typed not in {
        lot.lot for lot in use.lots
    }
    assert gauge_use(engine, "micrometer").measured == 4
    assert gauge_use(engine, "caliper").measured == 0

    assert main(["gauge-use", "micrometer", "--since", "2026-11-21", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert "micrometer: 3 measurements on 2 lots" in out and first in out and before not in out
    assert (
        main(
            ["gauge-use", "micrometer", "--since", "2026-11-21", "--json", "--database-url", db_url]
        )
        == 0
    )
    lots = json.loads(capsys.readouterr().out)["lots"]
    assert {lot["lot"]: lot["measured"] for lot in lots} == {first: 2, other: 1}
    assert main(["gauge-use", "caliper", "--database-url", db_url]) == 1
    assert "took no measurement" in capsys.readouterr().out
    assert main(["gauge-use", "micrometer", "--since", "last week", "--database-url", db_url]) == 2
    assert "give a date like 2026-11-01" in capsys.readouterr().out
