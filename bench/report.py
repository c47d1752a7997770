"""Daily report benchmark on PostgreSQL: a plant's history, one day's report.

Loads (COPY) --days days of history for the demo plant: per day --jobs completed
jobs, each with --per-job measurements (1 in 50 out of tolerance) and now and
then a defect, and a hash-chained event log of --log-rows rows in all. Then
times, per run:

- the report's queries for one day in the middle (``daily_report`` without the
  chain check), p50 over --repeat runs,
- the hash-chain check the report includes (``ledger.verify``), in rows/s,
- a naive baseline for the queries: load the day's measurements and jobs
  through the ORM (same indexes) and count in Python.

    .venv/bin/python bench/report.py [--days 90] [--jobs 400] [--per-job 50]
        [--log-rows 500000] [--repeat 5] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.plant import load_plant  # noqa: E402
from server import ledger  # noqa: E402
from server import models as m  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.models import EventLog  # noqa: E402
from server.services.plant_import import import_plant  # noqa: E402
from server.services.report import daily_report, day_bounds  # noqa: E402

FIRST_DAY = date(2026, 6, 1)
CHARS = [
    ("SHAFT-CUT-LEN", 155.0, "L1-SAW", "WO-1001", 10),
    ("SHAFT-DIA", 12.0, "L1-TURN", "WO-1001", 20),
]


def _pg(v: Any) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, datetime):
        return v.isoformat()
    return str(v).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _copy(conn: psycopg.Connection, table: str, cols: list[str], rows: Any) -> int:
    n = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        buf = io.StringIO()
        for row in rows:
            buf.write("\t".join(_pg(v) for v in row) + "\n")
            n += 1
            if n % 50_000 == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())
    return n


def load(url: str, days: int, jobs: int, per_job: int, log_rows: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    job_rows: list[tuple[Any, ...]] = []
    meas_rows: list[tuple[Any, ...]] = []
    defect_rows: list[tuple[Any, ...]] = []
    for d in range(days):
        start, _ = day_bounds(FIRST_DAY + timedelta(days=d), "Europe/Berlin")
        for _ in range(jobs):
            ch, nominal, station, wo, op = CHARS[rng.randrange(len(CHARS))]
            jid = str(uuid.UUID(int=rng.getrandbits(128)))
            t0 = start + timedelta(seconds=rng.randrange(86_000))
            good = rng.randrange(20, 60)
            scrap = rng.randrange(0, 3)
            job_rows.append(
                (
                    jid,
                    wo,
                    op,
                    station,
                    "EMP1001",
                    "completed",
                    t0,
                    t0 + timedelta(minutes=5),
                    f"LOT-{jid[:12]}",
                    good,
                    scrap,
                )
            )
            for k in range(per_job):
                fail = rng.random() < 0.02
                value = nominal + (1.0 if fail else rng.uniform(-0.1, 0.1))
                meas_rows.append(
                    (
                        str(uuid.UUID(int=rng.getrandbits(128))),
                        jid,
                        ch,
                        round(value, 4),
                        "mm",
                        "fail" if fail else "pass",
                        station,
                        "keyboard",
                        t0 + timedelta(seconds=k),
                    )
                )
            if rng.random() < 0.2:
                defect_rows.append(
                    (
                        str(uuid.UUID(int=rng.getrandbits(128))),
                        jid,
                        "DEF-BURR",
                        1.0,
                        "",
                        station,
                        t0 + timedelta(minutes=1),
                    )
                )
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    counts: dict[str, int] = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        counts["job"] = _copy(
            conn,
            "job",
            [
                "id",
                "work_order",
                "operation_seq",
                "station_id",
                "operator_id",
                "status",
                "started_at",
                "ended_at",
                "output_lot",
                "good_qty",
                "scrap_qty",
            ],
            job_rows,
        )
        counts["measurement"] = _copy(
            conn,
            "measurement",
            [
                "event_id",
                "job_id",
                "characteristic",
                "value",
                "unit",
                "verdict",
                "station_id",
                "source",
                "occurred_at",
            ],
            meas_rows,
        )
        counts["defect"] = _copy(
            conn,
            "defect",
            ["event_id", "job_id", "code", "qty", "note", "station_id", "occurred_at"],
            defect_rows,
        )
        prev, rows = ledger.GENESIS, []
        t = datetime.combine(FIRST_DAY, datetime.min.time(), tzinfo=UTC)
        step = timedelta(seconds=days * 86_400 / max(log_rows, 1))
        for i in range(log_rows):
            row = EventLog(
                event_id=str(uuid.UUID(int=rng.getrandbits(128))),
                type="MeasurementRecorded",
                station_id="L1-SAW",
                operator_id="EMP1001",
                occurred_at=t,
                seq=i + 1,
                payload='{"value":155.0}',
                received_at=t,
                status="applied",
                reason=None,
                outcome='{"verdict":"pass"}',
                prev_hash=prev,
                hash="",
            )
            row.hash = ledger.chain_hash(prev, ledger.row_content(row))
            rows.append(
                (
                    i + 1,
                    row.event_id,
                    row.type,
                    row.station_id,
                    row.operator_id,
                    t,
                    row.seq,
                    row.payload,
                    t,
                    "applied",
                    None,
                    row.outcome,
                    prev,
                    row.hash,
                )
            )
            prev = row.hash
            t += step
        counts["event_log"] = _copy(
            conn,
            "event_log",
            [
                "id",
                "event_id",
                "type",
                "station_id",
                "operator_id",
                "occurred_at",
                "seq",
                "payload",
                "received_at",
                "status",
                "reason",
                "outcome",
                "prev_hash",
                "hash",
            ],
            rows,
        )
        conn.execute(
            "UPDATE ledger_head SET last_id = %s, last_hash = %s, count = %s WHERE id = 1",
            (log_rows, prev, log_rows),
        )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('event_log', 'id'), %s)", (max(log_rows, 1),)
        )
        conn.execute("SET session_replication_role = origin")
        conn.execute("ANALYZE")
    return counts


def naive(engine: Any, day: date) -> tuple[Counter[str], Counter[str], float]:
    """The day's measurements and jobs loaded as ORM objects (through the same indexes) and
    counted in Python."""
    lo, hi = day_bounds(day, "Europe/Berlin")
    with Session(engine) as s:
        measured: Counter[str] = Counter()
        failed: Counter[str] = Counter()
        day_rows = select(m.Measurement).where(
            m.Measurement.occurred_at >= lo, m.Measurement.occurred_at < hi
        )
        for row in s.execute(day_rows).scalars():
            measured[row.characteristic] += 1
            failed[row.characteristic] += row.verdict == "fail"
        good = 0.0
        for job in s.execute(
            select(m.Job).where(m.Job.ended_at >= lo, m.Job.ended_at < hi)
        ).scalars():
            good += job.good_qty or 0
    return measured, failed, good


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--jobs", type=int, default=400)
    ap.add_argument("--per-job", type=int, default=50)
    ap.add_argument("--log-rows", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "LINESIDE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = ap.parse_args()
    admin = make_engine(args.pg, isolation_level="AUTOCOMMIT")
    name = f"lineside_bench_report_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        upgrade(engine)
        import_plant(engine, load_plant(ROOT / "provisioning" / "plants" / "demo.toml"))
        started = time.perf_counter()
        counts = load(url, args.days, args.jobs, args.per_job, args.log_rows, args.seed)
        print(
            f"lineside daily report benchmark (PostgreSQL): loaded {counts} in "
            f"{time.perf_counter() - started:.1f} s"
        )
        day = FIRST_DAY + timedelta(days=args.days // 2)
        queries = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            report = daily_report(engine, day, verify_chain=False)
            queries.append(time.perf_counter() - t)
        t = time.perf_counter()
        chain = ledger.verify(engine)
        verify_s = time.perf_counter() - t
        assert chain.ok, chain.first_break
        t = time.perf_counter()
        measured, failed, good = naive(engine, day)
        naive_s = time.perf_counter() - t
        assert sum(measured.values()) == report.measured and sum(failed.values()) == report.failed
        assert good == report.good
        q = statistics.median(queries)
        print(
            f"report queries for one day ({report.measured} measurements of "
            f"{counts['measurement']}, {sum(p.jobs for p in report.production)} jobs): "
            f"p50 {q * 1000:.0f} ms over {args.repeat} runs"
        )
        print(
            f"naive (the day's rows through the ORM, counted in Python): {naive_s * 1000:.0f} ms  ratio {naive_s / q:.0f}x"
        )
        print(
            f"hash-chain check: {chain.rows} rows in {verify_s:.1f} s "
            f"({chain.rows / verify_s:,.0f} rows/s)"
        )
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
