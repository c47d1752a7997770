"""Ingest throughput: post N events in batches to a running lineside server.

Starts `lineside server` in a subprocess for each database (embedded SQLite and
PostgreSQL), loads the demo plant, enrolls stations, then posts jobs made of
measurements, defects and completions in batches and prints events/s.

    .venv/bin/python bench/ingest.py [--events 20000] [--batch 200] [--stations 1]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cli.station import enroll  # noqa: E402
from core import events as ev  # noqa: E402
from core.plant import load_plant  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.services.plant_import import import_plant  # noqa: E402

ADMIN = "bench-admin-token-0123456789"
STATIONS = ["L1-TURN", "L1-GRIND", "L1-INSP", "L2-LEAK"]
JOB_FOR = {"L1-TURN": ("WO-1001", 20, "SHAFT-DIA", 12.0), "L1-GRIND": ("WO-1001", 30, "SHAFT-DIA-G", 12.006),
           "L1-INSP": ("WO-1001", 40, "SHAFT-RUNOUT", 0.004), "L2-LEAK": ("WO-2001", 30, "PUMP-LEAK", 0.1)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def station_events(station: str, n: int) -> list[dict]:
    wo, op, char, nominal = JOB_FOR[station]
    out: list[dict] = []
    seq = 0

    def add(payload: ev.Payload) -> None:
        nonlocal seq
        seq += 1
        out.append(ev.make_event(payload, station_id=station, seq=seq, operator_id="EMP1001").model_dump(mode="json"))

    while len(out) < n:
        job = uuid.uuid4()
        add(ev.JobStarted(job_id=job, work_order=wo, operation=op))
        for i in range(min(46, n - len(out) - 2)):
            add(ev.MeasurementRecorded(job_id=job, characteristic=char, value=nominal + (i % 7 - 3) * 0.001))
        add(ev.DefectFlagged(job_id=job, code="DEF-SCRATCH"))
        add(ev.JobCompleted(job_id=job, output_lot=f"LOT-B-{station}-{job.hex[:10]}", good_qty=1))
    return out[:n]


def prepare(url: str) -> dict[str, str]:
    engine = make_engine(url)
    upgrade(engine)
    import_plant(engine, load_plant(ROOT / "provisioning" / "plants" / "demo.toml"))
    tokens = {st: enroll(engine, st) for st in STATIONS}
    engine.dispose()
    return tokens


def run_one(name: str, url: str, n: int, batch: int, stations: int) -> float:
    tokens = prepare(url)
    port = free_port()
    env = dict(os.environ, LINESIDE_DATABASE_URL=url, LINESIDE_ADMIN_TOKEN=ADMIN)
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "lineside"), "server", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        chosen = STATIONS[:stations]
        per_station = {st: station_events(st, n // len(chosen)) for st in chosen}
        applied = [0]
        lock = threading.Lock()

        def push(st: str) -> None:
            evs = per_station[st]
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[st]}"}, timeout=120) as c:
                for i in range(0, len(evs), batch):
                    r = c.post("/api/v1/events", json={"events": evs[i:i + batch]})
                    r.raise_for_status()
                    body = r.json()
                    assert body["rejected"] == 0, [x for x in body["results"] if x["status"] == "rejected"][:1]
                    with lock:
                        applied[0] += body["applied"]

        started = time.perf_counter()
        threads = [threading.Thread(target=push, args=(st,)) for st in chosen]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        rate = applied[0] / elapsed
        print(f"{name:10} {applied[0]:7d} events  {stations} station(s)  batch {batch:4d}  "
              f"{elapsed:7.2f} s  {rate:8.0f} events/s")
        return rate
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--stations", type=int, default=1, choices=range(1, len(STATIONS) + 1))
    ap.add_argument("--pg", default=os.environ.get("LINESIDE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    args = ap.parse_args()
    print(f"lineside ingest benchmark: {args.events} events, batches of {args.batch}")
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            run_one("sqlite", f"sqlite:///{tmp}/bench.db", args.events, args.batch, args.stations)
    if args.only in (None, "postgresql"):
        admin = make_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"lineside_bench_ingest_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
            run_one("postgresql", url, args.events, args.batch, args.stations)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
