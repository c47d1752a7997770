"""Ingest throughput: stations posting batches of events to a running lineside server.

For each database (embedded SQLite, PostgreSQL) a bench plant is loaded (one
station per line, each with its own product and work order), `lineside
server` runs in its own process(es), and every station posts its events in
batches from a thread of its own: a login, then jobs of a start, 46
measurements, a defect and a completion. Every event must be applied.

In the same run, the baseline writes the same number of event-log rows by
plain multi-row INSERT, one transaction per batch, from as many threads, with
no apply logic at all (the ceiling for this database on this machine); the
ratio is printed beside it.

    .venv/bin/python bench/ingest.py [--events 40000] [--batch 200] [--stations 8]
        [--workers 2] [--only sqlite|postgresql] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import events as ev  # noqa: E402
from core.plant import parse_plant  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.services.plant_import import import_plant  # noqa: E402
from server.services.stations import enroll  # noqa: E402

ADMIN = "bench-admin-token-0123456789"
PER_JOB = 46


def bench_plant(stations: int) -> str:
    """A plant of ``stations`` lines, one station and one product each."""
    out = [
        '[plant]\nid = "bench"\nname = "Ingest bench"\nversion = "1"\ntimezone = "UTC"\n',
    ]
    for i in range(1, stations + 1):
        out.append(f'[[parts]]\nid = "P{i}"\nkind = "made"\n')
    for i in range(1, stations + 1):
        out.append(f'[[stations]]\nid = "B{i}"\nname = "Bench {i}"\nline = "L{i}"\n')
    for i in range(1, stations + 1):
        out.append(
            f'[[routings]]\nproduct = "P{i}"\n[[routings.operations]]\nseq = 10\nname = "Make"\n'
            f'stations = ["B{i}"]\n[[routings.operations.characteristics]]\nid = "C{i}"\n'
            f'name = "Diameter"\nnominal = 12.0\nlsl = 11.9\nusl = 12.1\nunit = "mm"\n'
        )
    for i in range(1, stations + 1):
        out.append(f'[[operators]]\nbadge = "OP{i}"\nname = "Operator {i}"\nrole = "operator"\n')
        out.append(f'[[work_orders]]\nnumber = "WO-B{i}"\nproduct = "P{i}"\nqty = 1000000\n')
    out.append('[[defect_codes]]\ncode = "DEF-SCRATCH"\ndescription = "Scratch"\n')
    return "\n".join(out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def station_events(i: int, n: int) -> list[dict[str, Any]]:
    station, badge, wo, char = f"B{i}", f"OP{i}", f"WO-B{i}", f"C{i}"
    out: list[dict[str, Any]] = []

    def add(payload: ev.Payload) -> None:
        out.append(
            ev.make_event(
                payload, station_id=station, seq=len(out) + 1, operator_id=badge
            ).model_dump(mode="json")
        )

    add(ev.OperatorLoggedIn(badge=badge))
    while len(out) < n:
        job = uuid.uuid4()
        lot = f"LOT-{station}-{job.hex[:10]}"
        add(ev.JobStarted(job_id=job, work_order=wo, operation=10, output_lot=lot))
        for k in range(min(PER_JOB, n - len(out) - 2)):
            add(ev.MeasurementRecorded(job_id=job, characteristic=char,
                                       value=12.0 + (k % 7 - 3) * 0.001, unit="mm",
                                       source="gauge", device="micrometer"))  # fmt: skip
        add(ev.DefectFlagged(job_id=job, code="DEF-SCRATCH"))
        add(ev.JobCompleted(job_id=job, output_lot=lot, good_qty=1))
    return out


def prepare(url: str, stations: int) -> dict[str, str]:
    engine = make_engine(url)
    upgrade(engine)
    import_plant(engine, parse_plant(bench_plant(stations), "bench.toml"))
    tokens = {f"B{i}": enroll(engine, f"B{i}") for i in range(1, stations + 1)}
    engine.dispose()
    return tokens


def _post_all(
    base: str, tokens: dict[str, str], per_station: dict[str, list[Any]], batch: int
) -> tuple[int, float]:
    applied = [0]
    failures: list[str] = []
    lock = threading.Lock()

    def push(st: str) -> None:
        evs = per_station[st]
        headers = {"Authorization": f"Bearer {tokens[st]}"}
        with httpx.Client(base_url=base, headers=headers, timeout=300) as c:
            for i in range(0, len(evs), batch):
                r = c.post("/api/v1/events", json={"events": evs[i : i + batch]})
                r.raise_for_status()
                body = r.json()
                if body["rejected"]:
                    bad = [x for x in body["results"] if x["status"] == "rejected"][:1]
                    with lock:
                        failures.append(f"{st}: {bad}")
                    return
                with lock:
                    applied[0] += body["applied"]

    started = time.perf_counter()
    threads = [threading.Thread(target=push, args=(st,)) for st in per_station]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"events were refused: {failures[0]}")
    return applied[0], elapsed


def baseline(engine: Engine, per_station: dict[str, list[Any]], batch: int) -> float:
    """The same rows by plain multi-row INSERT, one transaction per batch, no apply logic."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_event_rows"))
        conn.execute(text(
            "CREATE TABLE bench_event_rows (id INTEGER PRIMARY KEY, event_id VARCHAR(36) UNIQUE, "
            "type VARCHAR(60), station_id VARCHAR(80), operator_id VARCHAR(80), occurred_at "
            "VARCHAR(40), seq INTEGER, payload TEXT, received_at VARCHAR(40), status VARCHAR(20), "
            "outcome TEXT, prev_hash VARCHAR(64), hash VARCHAR(64))"
            if engine.dialect.name == "sqlite" else
            "CREATE TABLE bench_event_rows (id SERIAL PRIMARY KEY, event_id VARCHAR(36) UNIQUE, "
            "type VARCHAR(60), station_id VARCHAR(80), operator_id VARCHAR(80), occurred_at "
            "TIMESTAMPTZ, seq INTEGER, payload TEXT, received_at TIMESTAMPTZ, status VARCHAR(20), "
            "outcome TEXT, prev_hash VARCHAR(64), hash VARCHAR(64))"
        ))  # fmt: skip
    insert = text(
        "INSERT INTO bench_event_rows (event_id, type, station_id, operator_id, occurred_at, seq, "
        "payload, received_at, status, outcome, prev_hash, hash) VALUES (:event_id, :type, "
        ":station_id, :operator_id, :occurred_at, :seq, :payload, :received_at, 'applied', "
        "'{}', :h, :h)"
    )

    def write(evs: list[Any]) -> None:
        now = datetime.now(UTC).isoformat()
        for i in range(0, len(evs), batch):
            rows = [
                {"event_id": e["id"], "type": e["type"], "station_id": e["station_id"],
                 "operator_id": e["operator_id"], "occurred_at": e["occurred_at"], "seq": e["seq"],
                 "payload": json.dumps(e["payload"]), "received_at": now, "h": "0" * 64}
                for e in evs[i : i + batch]
            ]  # fmt: skip
            with engine.begin() as conn:
                conn.execute(insert, rows)

    started = time.perf_counter()
    threads = [threading.Thread(target=write, args=(evs,)) for evs in per_station.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(len(v) for v in per_station.values())
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_event_rows"))
    return total / (time.perf_counter() - started)


def run_one(name: str, url: str, n: int, batch: int, stations: int, workers: int) -> dict[str, Any]:
    tokens = prepare(url, stations)
    port = free_port()
    env = dict(os.environ, LINESIDE_DATABASE_URL=url, LINESIDE_ADMIN_TOKEN=ADMIN)
    command = [str(ROOT / ".venv" / "bin" / "lineside"), "server", "--port", str(port)]
    if workers > 1 and name == "postgresql":
        command += ["--workers", str(workers)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    per_station = {f"B{i}": station_events(i, n // stations) for i in range(1, stations + 1)}
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        applied, elapsed = _post_all(base, tokens, per_station, batch)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    engine = make_engine(url)
    try:
        base_rate = baseline(engine, per_station, batch)
    finally:
        engine.dispose()
    rate = applied / elapsed
    return {
        "database": name,
        "events": applied,
        "seconds": round(elapsed, 2),
        "events_per_s": round(rate),
        "baseline_events_per_s": round(base_rate),
        "ratio": round(rate / base_rate, 3),
        "stations": stations,
        "batch": batch,
        "workers": workers if name == "postgresql" else 1,
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--events", type=int, default=40000)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--stations", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2, help="server processes (PostgreSQL)")
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "LINESIDE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    ap.add_argument("--json", action="store_true", help="one JSON object per database")
    args = ap.parse_args()
    if not args.json:
        print(
            f"lineside ingest benchmark: {args.events} events from {args.stations} stations, "
            f"batches of {args.batch}"
        )
    results = []
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(
                run_one(
                    "sqlite", f"sqlite:///{tmp}/bench.db", args.events, args.batch, args.stations, 1
                )
            )
    if args.only in (None, "postgresql"):
        admin = make_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"lineside_bench_ingest_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
            results.append(
                run_one("postgresql", url, args.events, args.batch, args.stations, args.workers)
            )
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    for r in results:
        if args.json:
            print(json.dumps(r))
        else:
            print(
                f"{r['database']:10} {r['events']:7d} events  {r['stations']} stations  "
                f"batch {r['batch']:4d}  workers {r['workers']}  {r['seconds']:7.2f} s  "
                f"{r['events_per_s']:7d} events/s   baseline (plain INSERT) "
                f"{r['baseline_events_per_s']:7d} events/s   ratio {r['ratio']:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
