"""Server ingest cost of one measurement with live SPC on and off, at growing chart history.

For each database (embedded SQLite and PostgreSQL) and each mode (no limits:
SPC off; frozen I-MR limits with the 8 Nelson rules: SPC on), it ingests
in-control SHAFT-LEN measurements at L1-TURN through the server's ingest path
(``ingest_batch``, one transaction per event, as `POST /api/v1/events` does)
until the chart holds each history size, then times further batches of
measurements and prints the cost per measurement. Flat figures across
history sizes mean a point costs the same however long the chart is.

    .venv/bin/python bench/spc_stream.py [--history 1000,10000] [--batch 100] [--repeats 5]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import events as ev  # noqa: E402
from core.plant import load_plant  # noqa: E402
from core.spc import measurement_data, monitor, parse_rules, standard_limits  # noqa: E402
from server.apply.pipeline import ingest_batch  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.services.plant_import import import_plant  # noqa: E402
from server.spc import service as spc  # noqa: E402

MEAN, SIGMA = 150.0, 0.01
RULES = parse_rules("nelson")  # the longest windows (15 points): the most rule state to rebuild
LIMITS = standard_limits("imr", center=MEAN, sigma=SIGMA)
JOB_SIZE = 500  # measurements per job (one output lot)
WORK_ORDER = "WO-BENCH-SPC"  # sized for the run: a demo order of 50 would over-run at once


def in_control(n: int, seed: int = 1) -> np.ndarray:
    """n values that break none of the rules, so no signal adds containment work to the timing."""
    rng = np.random.default_rng(seed)
    x = MEAN + SIGMA * rng.standard_normal(n)
    for _ in range(1000):
        found = monitor(LIMITS, measurement_data("imr", x), RULES).violations
        hits = {i for v in found for i in v.points}  # redraw whole patterns, not last points
        if not hits:
            return x
        for i in hits:
            x[i] = MEAN + SIGMA * rng.standard_normal()
    raise RuntimeError("could not draw an in-control series")


class Station:
    """L1-TURN turning shafts: jobs of JOB_SIZE measurements of SHAFT-LEN, each on a lot of
    JOB_SIZE blanks the saw (op 10, untimed) cut first; the lot keeps its id through both."""

    def __init__(self, engine: Engine, values: np.ndarray) -> None:
        self.engine = engine
        self.values: Iterator[float] = iter(values.tolist())
        self.seqs: dict[str, int] = {}
        self.job: uuid.UUID | None = None
        self.lot = ""
        self.in_job = 0
        for station in ("L1-SAW", "L1-TURN"):  # the operator badges in at both machines
            self._post([self._raw(ev.OperatorLoggedIn(badge="EMP1001"), station)], station)

    def _raw(self, payload: ev.Payload, station: str = "L1-TURN") -> dict[str, Any]:
        self.seqs[station] = self.seqs.get(station, 0) + 1
        return ev.make_event(
            payload, station_id=station, seq=self.seqs[station], operator_id="EMP1001"
        ).model_dump(mode="json")

    def _post(self, raws: list[dict[str, Any]], station: str = "L1-TURN") -> None:
        results = ingest_batch(self.engine, raws, station)
        bad = [r.reason for r in results if r.status != "applied"]
        if bad:
            raise RuntimeError(bad[0])

    def _new_job(self) -> None:
        if self.job is not None:
            done = ev.JobCompleted(job_id=self.job, output_lot=self.lot, good_qty=self.in_job)
            self._post([self._raw(done)])
        saw = uuid.uuid4()
        self.lot = f"LOT-BENCH-{saw.hex[:10].upper()}"
        sawn: list[ev.Payload] = [
            ev.JobStarted(job_id=saw, work_order=WORK_ORDER, operation=10, output_lot=self.lot),
            ev.JobCompleted(job_id=saw, output_lot=self.lot, good_qty=JOB_SIZE),
        ]
        self._post([self._raw(p, "L1-SAW") for p in sawn], "L1-SAW")
        self.job = uuid.uuid4()
        self.in_job = 0
        turn = ev.JobStarted(
            job_id=self.job, work_order=WORK_ORDER, operation=20, output_lot=self.lot, lot=self.lot
        )
        self._post([self._raw(turn)])

    def measure(self, n: int) -> float:
        """Ingest n measurements in one batch (one job); seconds spent in ingest."""
        if self.job is None or self.in_job + n > JOB_SIZE:
            self._new_job()
        assert self.job is not None
        raws = [
            self._raw(
                ev.MeasurementRecorded(
                    job_id=self.job, characteristic="SHAFT-LEN", value=next(self.values)
                )
            )
            for _ in range(n)
        ]
        started = time.perf_counter()
        self._post(raws)
        elapsed = time.perf_counter() - started
        self.in_job += n
        return elapsed


def station(url: str, spc_on: bool, points: int) -> tuple[Engine, Station]:
    from sqlmodel import Session

    from server import models as m
    from server.services.revs import next_rev

    engine = make_engine(url)
    upgrade(engine)
    import_plant(engine, load_plant(ROOT / "provisioning" / "plants" / "demo.toml"))
    with Session(engine) as session:
        jobs = points // JOB_SIZE + 2  # the last job may be partial; one lot more to spare
        session.add(
            m.WorkOrder(
                number=WORK_ORDER, product="SHAFT-12", qty=JOB_SIZE * jobs, rev=next_rev(session)
            )
        )
        session.commit()
    if spc_on:
        result = spc.freeze_limits(
            engine, "SHAFT-LEN", LIMITS, badge="EMP1010", reason="bench", rules=RULES
        )
        assert result.status == "applied", result.reason
    return engine, Station(engine, in_control(points))


def report(name: str, url_for: Any, history: list[int], batch: int, repeats: int) -> None:
    """Grow SPC-off and SPC-on databases side by side; time them in turns (fair under load)."""
    points = max(history) + batch * repeats * len(history) + batch
    (off_engine, off), (on_engine, on) = (
        station(url_for(), False, points),
        station(url_for(), True, points),
    )
    done = 0
    for size in history:
        while done < size:
            step = min(JOB_SIZE, size - done)
            off.measure(step)
            on.measure(step)
            done += step
        timings: dict[str, list[float]] = {"off": [], "on": []}
        for _ in range(repeats):
            timings["off"].append(off.measure(batch) / batch)
            timings["on"].append(on.measure(batch) / batch)
        done += batch * repeats
        t_off, t_on = statistics.median(timings["off"]), statistics.median(timings["on"])
        print(
            f"{name:10} history {size:>6} points   SPC off {t_off * 1e3:6.2f} ms   "
            f"SPC on {t_on * 1e3:6.2f} ms   SPC adds {(t_on - t_off) * 1e3:5.2f} ms/measurement",
            flush=True,
        )
    off_engine.dispose()
    on_engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--history", default="1000,10000", help="chart sizes to time at (comma list)")
    ap.add_argument("--batch", type=int, default=100, help="measurements per timed batch")
    ap.add_argument(
        "--repeats", type=int, default=5, help="timed batches per history size (median)"
    )
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "LINESIDE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    args = ap.parse_args()
    history = sorted(int(h) for h in args.history.split(","))
    print(
        "lineside live SPC benchmark: I-MR, Nelson rules, "
        f"batches of {args.batch}, median of {args.repeats}"
    )
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            counter = iter(range(10))
            report(
                "sqlite",
                lambda: f"sqlite:///{tmp}/bench-{next(counter)}.db",
                history,
                args.batch,
                args.repeats,
            )
    if args.only in (None, "postgresql"):
        admin = make_engine(args.pg, isolation_level="AUTOCOMMIT")
        names: list[str] = []

        def fresh() -> str:
            name = f"lineside_bench_spc_{os.getpid()}_{len(names)}"
            names.append(name)
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            return make_url(args.pg).set(database=name).render_as_string(hide_password=False)

        try:
            report("postgresql", fresh, history, args.batch, args.repeats)
        finally:
            with admin.connect() as conn:
                for name in names:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
