"""Random routings, random floors: the server agrees with ``core.routing`` and loses no unit.

Hypothesis draws a routing of 2–6 operations (some parallel, optional or making a new
lot) and a sequence of starts (right or wrong), completions with scrap, holds, releases
and splits. After every step: the server accepted exactly the starts the routing allows,
no start on a held lot went through, the units in the plant are the units that entered
less those scrapped (none counted twice), and every lot that finished its routing traces
back to the supplier lot it was made from.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from core import plant as pf
from core import routing as rt
from core.events import material as me
from server import models as m
from server.quality import actions as qe
from server.services.plant_import import import_plant
from server.trace.query import trace
from tests.support import event, ingest_batch

_run = itertools.count(1)

operations = hs.lists(
    hs.tuples(hs.booleans(), hs.booleans(), hs.booleans()),  # optional, parallel, new_lot
    min_size=2, max_size=6,
)  # fmt: skip
actions = hs.lists(
    hs.tuples(hs.sampled_from(["start", "start", "start", "hold", "release", "split"]), hs.integers(0, 50), hs.integers(0, 3)),
    min_size=4, max_size=24,
)  # fmt: skip


def plant_for(n: int, shape: list[tuple[bool, bool, bool]]) -> pf.Plant:
    stations = [f"P{n}-S{i}" for i in range(len(shape))]
    # Every operation that can start a lot makes it from the raw material.
    starts = set(
        rt.first_stage([rt.Step(10 * (i + 1), "", o, p) for i, (o, p, _) in enumerate(shape)])
    )
    ops = [
        pf.Operation(
            seq=10 * (i + 1), name=f"op{i + 1}", stations=[stations[i]], optional=opt, parallel=par, new_lot=new,
            bom=[pf.BomLine(part=f"RAW{n}", qty_per=1)] if 10 * (i + 1) in starts else [],
        )
        for i, (opt, par, new) in enumerate(shape)
    ]  # fmt: skip
    return pf.Plant(
        plant=pf.PlantInfo(id="PROP", name="Property plant", version=str(n)),
        suppliers=[pf.Supplier(id="SUP", name="Supplier")],
        parts=[pf.Part(id=f"RAW{n}", kind="purchased", supplier="SUP"), pf.Part(id=f"PART{n}")],
        routings=[pf.Routing(product=f"PART{n}", operations=ops)],
        stations=[pf.Station(id=s, name=s) for s in stations],
        operators=[pf.Operator(badge="OP1", name="Op", pin="1111"), pf.Operator(badge="QE1", name="QE", role="quality_engineer", pin="2222")],
        lots=[pf.Lot(id=f"RAW{n}-LOT", part=f"RAW{n}", qty=10_000, supplier="SUP", supplier_lot=f"SL{n}")],
        work_orders=[pf.WorkOrder(number=f"WO{n}", product=f"PART{n}", qty=10_000)],
    )  # fmt: skip


class Floor:
    def __init__(self, engine: Engine, n: int, plant: pf.Plant) -> None:
        self.engine, self.n = engine, n
        self.ops = plant.routings[0].operations
        self.steps = [rt.Step(o.seq, o.name, o.optional, o.parallel) for o in self.ops]
        self.entered = 0.0
        self.scrapped = 0.0
        self.lots = itertools.count(1)

    def post(self, station: str, *payloads: ev.Payload) -> list[Any]:
        return ingest_batch(
            self.engine, [event(p, station=station, operator="OP1") for p in payloads], station
        )

    def live(self, session: Session) -> list[m.Lot]:
        return list(
            session.execute(
                select(m.Lot).where(
                    m.Lot.part == f"PART{self.n}", m.Lot.status.in_(["wip", "available", "on_hold"])
                )  # type: ignore[attr-defined]
            ).scalars()
        )

    def start(self, pick: int, scrap: int) -> None:
        with Session(self.engine) as s:
            live = sorted(self.live(s), key=lambda lot: lot.id)
            held = {
                h.target for h in s.execute(select(m.Hold).where(m.Hold.status == "open")).scalars()
            }
        op = self.ops[pick % len(self.ops)]
        lot = live[pick % len(live)] if live and pick % 3 else None  # sometimes a fresh start
        job = uuid.uuid4()
        out = f"L{self.n}-{next(self.lots)}"
        keeps = lot is not None and not op.new_lot
        [r] = self.post(op.stations[0], ev.JobStarted(
            job_id=job, work_order=f"WO{self.n}", operation=op.seq, output_lot=lot.id if keeps and lot else out,
            lot=lot.id if lot else None,
        ))  # fmt: skip
        if lot is None:
            allowed = op.seq in rt.first_stage(self.steps)
        else:
            allowed = (
                lot.id not in held
                and lot.status != "on_hold"
                and rt.start_problem(lot.id, self.steps, op.seq, lot.ops_done) is None
            )
        assert (r.status == "applied") == allowed, (
            op.seq,
            lot and (lot.id, lot.ops_done, lot.status),
            r.reason,
        )
        if not allowed:
            return
        qty_in = 5.0 if lot is None else lot.qty
        if lot is None:
            [c] = self.post(
                op.stations[0],
                ev.LotConsumed(job_id=job, lot=f"RAW{self.n}-LOT", part=f"RAW{self.n}", qty=5),
            )
            assert c.status == "applied", c.reason
        lost = min(float(scrap), qty_in)
        [done] = self.post(op.stations[0], ev.JobCompleted(
            job_id=job, output_lot=lot.id if keeps and lot else out, good_qty=qty_in - lost, scrap_qty=lost,
        ))  # fmt: skip
        assert done.status == "applied", done.reason
        if lot is None:
            self.entered += qty_in - lost
        else:
            self.scrapped += lost

    def hold(self, pick: int) -> None:
        with Session(self.engine) as s:
            live = sorted(self.live(s), key=lambda lot: lot.id)
        if live:
            lot = live[pick % len(live)]
            qe.place_hold(
                self.engine, target_type="lot", target=lot.id, reason="suspect", badge="QE1"
            )

    def release(self, pick: int) -> None:
        with Session(self.engine) as s:
            open_ = sorted(
                s.execute(
                    select(m.Hold.id).where(
                        m.Hold.status == "open", m.Hold.target.like(f"L{self.n}-%")
                    )
                ).scalars()
            )  # type: ignore[attr-defined]
        if open_:
            assert (
                qe.release_hold(self.engine, open_[pick % len(open_)], badge="QE1").status
                == "applied"
            )

    def split(self, pick: int) -> None:
        with Session(self.engine) as s:
            live = sorted(
                (lot for lot in self.live(s) if lot.status != "on_hold" and lot.qty >= 2),
                key=lambda lot: lot.id,
            )
        if live:
            lot = live[pick % len(live)]
            piece = me.LotQty(lot=f"L{self.n}-{next(self.lots)}", qty=1)
            [r] = self.post(
                lot.station_id or self.ops[0].stations[0], me.LotSplit(lot=lot.id, new_lots=[piece])
            )
            assert r.status == "applied", r.reason

    def check(self) -> None:
        with Session(self.engine) as s:
            live = self.live(s)
            in_plant = sum(lot.qty for lot in live)
            assert abs(in_plant - (self.entered - self.scrapped)) < 1e-6, (
                in_plant,
                self.entered,
                self.scrapped,
            )
            finished = [
                lot for lot in live if rt.finished(self.steps, lot.ops_done) and lot.ops_done
            ]
            # No operation was recorded twice on one lot.
            twice = s.execute(
                select(m.LotOperation.lot, m.LotOperation.operation_seq).where(m.LotOperation.work_order == f"WO{self.n}")
                .group_by(m.LotOperation.lot, m.LotOperation.operation_seq).having(func.count() > 1)
            ).all()  # fmt: skip
            assert not twice
        for lot in finished:
            assert f"RAW{self.n}-LOT" in {
                node.lot for node in trace(self.engine, lot.id, "backward").lots
            }


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shape=operations, steps=actions)
def test_random_routings_keep_every_unit_once_and_traceable(
    empty_engine: Engine, shape: list[tuple[bool, bool, bool]], steps: list[tuple[str, int, int]]
) -> None:
    n = next(_run)
    plant = plant_for(n, shape)
    import_plant(empty_engine, plant)
    floor = Floor(empty_engine, n, plant)
    for kind, pick, scrap in steps:
        if kind == "start":
            floor.start(pick, scrap)
        else:
            getattr(floor, kind)(pick)
        floor.check()
