"""Two server processes on one PostgreSQL give the results of one: six stations post their
shifts concurrently to `lineside server --workers 2`, every event is applied exactly once,
in each station's order, every chain verifies, and posting it all again answers duplicates.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from core import events as ev
from server import ledger
from server import models as m
from server.db import make_engine
from tests.e2e import harness as h

STATIONS = ["L1-SAW", "L1-TURN", "L1-GRIND", "L1-INSP", "L2-PRESS", "L2-PACK"]
JOBS = 25
BATCH = 20


def shift(plan: h.StationPlan) -> list[dict[str, Any]]:
    """A login, then ``JOBS`` jobs: start, the station's material, every characteristic at its
    nominal, completion of one work order's worth."""
    badge = "EMP1001"
    events: list[Any] = [ev.OperatorLoggedIn(badge=badge)]
    for job in range(1, JOBS + 1):
        jid = uuid.uuid4()
        wip = plan.wip_lot(job) if plan.done_before else None
        lot = wip or f"LOT-2P-{plan.station}-{job:03d}"
        events.append(ev.JobStarted(job_id=jid, work_order=plan.work_orders[job % len(plan.work_orders)],
                                    operation=plan.operation.seq, output_lot=lot, lot=wip))  # fmt: skip
        for part, source in plan.lots.items():
            qty = next(b.qty_per for b in plan.operation.bom if b.part == part) * h.WO_QTY
            events.append(ev.LotConsumed(job_id=jid, lot=source, part=part, qty=qty))
        for ch in plan.operation.characteristics:
            nominal = ch.nominal if ch.nominal is not None else ((ch.lsl or 0) + (ch.usl or 0)) / 2
            events.append(ev.MeasurementRecorded(job_id=jid, characteristic=ch.id, value=nominal))
        events.append(ev.JobCompleted(job_id=jid, output_lot=lot, good_qty=h.WO_QTY))
    return [
        ev.make_event(p, station_id=plan.station, seq=i, operator_id=badge).model_dump(mode="json")
        for i, p in enumerate(events, start=1)
    ]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_server_processes_apply_every_event_once(db_url: str, tmp_path: Path) -> None:
    plans = [h.station_plan(st, work_orders=JOBS + 1) for st in STATIONS]
    h.prepare_plant(db_url, plans)
    tokens = h.enroll_all(db_url, STATIONS)
    shifts = {p.station: shift(p) for p in plans}
    server = h.ServerProcess(db_url, tmp_path, workers=2)
    server.start()
    answers: dict[str, list[dict[str, Any]]] = {st: [] for st in STATIONS}

    def post_all(station: str) -> None:
        headers = {"Authorization": f"Bearer {tokens[station]}"}
        events = shifts[station]
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
            for start in range(0, len(events), BATCH):
                r = client.post("/api/v1/events", json={"events": events[start : start + BATCH]})
                assert r.status_code == 200, r.text
                answers[station] += r.json()["results"]

    try:
        assert server.proc is not None  # two worker processes serve the one port
        children = (
            Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
        )
        cmdlines = [
            Path(f"/proc/{c}/cmdline").read_bytes().decode(errors="replace") for c in children
        ]
        assert sum("spawn_main" in c for c in cmdlines) == 2, cmdlines
        threads = [threading.Thread(target=post_all, args=(st,)) for st in STATIONS]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for station in STATIONS:
            refused = [a for a in answers[station] if a["status"] != "applied"]
            assert not refused, (station, refused[:3])
        again = {st: [] for st in STATIONS}
        answers, again = again, answers
        for station in STATIONS:
            post_all(station)
            assert {a["status"] for a in answers[station]} == {"duplicate"}
    finally:
        server.stop()
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            for station in STATIONS:
                seqs = list(s.execute(
                    select(m.EventLog.seq).where(m.EventLog.station_id == station).order_by(m.EventLog.id)
                ).scalars())  # fmt: skip
                assert seqs == list(range(1, len(shifts[station]) + 1)), station
            twice = s.execute(
                select(m.EventLog.event_id).group_by(m.EventLog.event_id).having(func.count() > 1)
            ).all()
            assert not twice
        assert ledger.verify(engine).ok
    finally:
        engine.dispose()
