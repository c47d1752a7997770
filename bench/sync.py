"""Sync figures on PostgreSQL: live ingest from several stations, and a shift's outbox drained
after an outage.

    .venv/bin/python bench/sync.py [--stations 4] [--events 20000] [--batches 50,200,1000]
        [--live-lines 1500] [--outage 0] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

1. live: S headless kiosks (`lineside kiosk --replay FILE`: flow, outbox with an
   fsync per step, push in batches) run a shift each against `lineside server`
   on PostgreSQL. Figures: events/s recorded and applied, wall time, and
   whether the server kept up (every outbox drained when the last scan was in).
2. outage: the same stations record a shift with the server down until their
   outboxes hold --events events in all (filled with fsync off, which only
   speeds up the filling), then the server comes back. Figure: the time from
   the server answering (or, with --outage S, from the stations starting to
   retry S seconds before it comes back) until every outbox has drained, i.e.
   sustained ingest with batching, for each push batch size.

Each station works its own work orders and lots (as in the chaos test), so
nothing is refused; the script checks that no event was rejected. A station
whose operation is not the first of its routing (L1-TURN, L2-PACK, ...) works
on work in process: lots of its orders that have done the earlier operations,
one per job, started by scanning the lot's traveler.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import routing as rt  # noqa: E402
from core.plant import load_plant  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.services.plant_import import import_plant  # noqa: E402
from server.services.stations import enroll  # noqa: E402

ADMIN = "bench-admin-token-0123456789"
DEMO = ROOT / "provisioning" / "plants" / "demo.toml"
STATIONS = ["L1-SAW", "L2-PRESS", "L2-PACK", "L1-TURN", "L1-INSP", "L1-GRIND"]
OPERATORS = ["EMP1001", "EMP1002", "EMP1003", "EMP1004"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- plant and scripts -----------------------------------------------------------------


def operation_at(station: str):  # type: ignore[no-untyped-def]
    for routing in load_plant(DEMO).routings:
        for op in routing.operations:
            if station in op.stations:
                return routing.product, op
    raise ValueError(station)


def done_before(station: str) -> list[int]:
    """The required operations a lot has done before it reaches ``station`` (none: the
    station's operation starts the routing and makes its lot from material)."""
    for routing in load_plant(DEMO).routings:
        steps = [rt.Step(o.seq, o.name, o.optional, o.parallel) for o in routing.operations]
        for op in routing.operations:
            if station in op.stations:
                return [s.seq for s in rt.missing_before(steps, op.seq, ())]
    raise ValueError(station)


def wip_lot(tag: str, job: int) -> str:
    return f"LOT-B-{tag}-W{job}"


def prepare(url: str, stations: list[str], jobs: int) -> dict[str, str]:
    """Migrate, load the demo plant, give each station 3 work orders and its own lots: material,
    and where the station's operation is not the first, ``jobs`` lots of work in process."""
    from sqlmodel import Session

    from server import models as m
    from server.services.revs import next_rev

    engine = make_engine(url)
    upgrade(engine)
    import_plant(engine, load_plant(DEMO))
    with Session(engine) as session:
        for st in stations:
            product, op = operation_at(st)
            tag = st.replace("-", "")
            for i in range(1, 4):
                # 10 a job: big enough that no job over-runs its order (that needs a supervisor)
                session.add(
                    m.WorkOrder(
                        number=f"WO-B-{tag}-{i}",
                        product=product,
                        qty=10 * jobs,
                        rev=next_rev(session),
                    )
                )
            for line in op.bom:
                session.add(
                    m.Lot(
                        id=f"LOT-B-{tag}-{line.part}",
                        part=line.part,
                        qty=1e9,
                        initial_qty=1e9,
                        rev=next_rev(session),
                    )
                )
            earlier = done_before(st)
            for job in range(1, jobs + 1) if earlier else ():
                # the earlier shift's work in process, waiting at the station (one lot a job)
                session.add(
                    m.Lot(
                        id=wip_lot(tag, job),
                        part=product,
                        qty=10,
                        initial_qty=10,
                        status="wip",
                        work_order=f"WO-B-{tag}-{job % 3 + 1}",
                        ops_done=earlier,
                        rev=next_rev(session),
                    )
                )
        session.commit()
    tokens = {st: enroll(engine, st) for st in stations}
    engine.dispose()
    return tokens


def script(station: str, seed: int):  # type: ignore[no-untyped-def]
    """Endless scans of jobs at ``station``: badge, order (or the traveler of the lot in
    process), lots, values (1 in 8 fails), done."""
    rng = random.Random(seed)
    _, op = operation_at(station)
    tag = station.replace("-", "")
    traveler = bool(done_before(station))
    job = 0
    while True:
        job += 1
        yield OPERATORS[job % len(OPERATORS)]
        yield wip_lot(tag, job) if traveler else f"WO-B-{tag}-{job % 3 + 1}"
        for line in op.bom:
            yield f"LOT-B-{tag}-{line.part}"
        for ch in op.characteristics:
            nominal = ch.nominal if ch.nominal is not None else ((ch.lsl or 0) + (ch.usl or 0)) / 2
            fail = not ch.critical and rng.random() < 0.125 and ch.usl is not None
            yield f"{ch.usl + (ch.usl - (ch.lsl or nominal)) / 2:g}" if fail else f"{nominal:g}"
        if rng.random() < 0.3:
            yield from ("DEF-SCRATCH", "1")
        yield from ("#DONE", "10", "0")


# --- the server ------------------------------------------------------------------------


class Server:
    def __init__(self, url: str) -> None:
        self.url = url
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = dict(os.environ, LINESIDE_DATABASE_URL=self.url, LINESIDE_ADMIN_TOKEN=ADMIN)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "server", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(600):
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # long polls still open: no need to wait for them
                self.proc.kill()
                self.proc.wait()


class Databases:
    """Throwaway PostgreSQL databases (created from a prepared template)."""

    def __init__(self, pg: str) -> None:
        self.pg = pg
        self.admin = make_engine(pg, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            extra = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{extra}'))
        self.names.append(name)
        return make_url(self.pg).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in reversed(self.names):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


# --- 1. live ---------------------------------------------------------------------------


def live(url: str, tokens: dict[str, str], lines: int, work: Path) -> None:
    from kiosk.outbox import Outbox

    server = Server(url)
    server.start()
    procs = []
    try:
        started = time.perf_counter()
        for i, st in enumerate(tokens):
            path = work / f"live-{st}.txt"
            gen = script(st, i)
            path.write_text("\n".join(next(gen) for _ in range(lines)) + "\n")
            command = [
                sys.executable,
                "-m",
                "cli.main",
                "kiosk",
                "--station",
                st,
                "--server",
                server.base,
                "--token",
                tokens[st],
                "--data-dir",
                str(work / f"live-{st}"),
                "--replay",
                str(path),
                "--timeout",
                "300",
            ]
            procs.append(
                subprocess.Popen(
                    command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
                )
            )
        summaries = []
        for proc in procs:
            out, _ = proc.communicate(timeout=1200)
            summaries.append(json.loads(out.splitlines()[-1]))
        elapsed = time.perf_counter() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        server.stop()
    events = 0
    for st in tokens:
        outbox = Outbox(work / f"live-{st}" / "outbox.sqlite3", st)
        events += outbox.last_seq()
        outbox.close()
    assert all(s["drained"] and not s["refused"] for s in summaries), summaries
    n = len(tokens)
    print(
        f"live: {n} stations x {lines} scans, {events} events recorded, applied and answered "
        f"in {elapsed:.1f} s"
    )
    print(
        f"  {events / elapsed:.0f} events/s in all, {n * lines / elapsed:.0f} scans/s "
        f"({lines / elapsed:.0f} per station, each scan fsynced before the next)"
    )


# --- 2. outage -------------------------------------------------------------------------


def fill_offline(url: str, tokens: dict[str, str], total: int, work: Path) -> int:
    """First sync each station's cache, then record shifts with the server down."""
    from kiosk.config import KioskConfig
    from kiosk.replay import replay
    from kiosk.service import StationService

    server = Server(url)
    server.start()
    try:
        for st, token in tokens.items():
            config = KioskConfig(
                station_id=st,
                server_url=server.base,
                token=token,
                data_dir=work / f"outage-{st}",
                feed_wait_s=1.0,
            )
            assert asyncio.run(replay(config, [], io.StringIO(), timeout=30)) == 0
    finally:
        server.stop()
    recorded = 0
    per_station = total // len(tokens)
    for i, (st, token) in enumerate(tokens.items()):
        config = KioskConfig(
            station_id=st,
            server_url="http://127.0.0.1:9",
            token=token,
            data_dir=work / f"outage-{st}",
            sync=False,
        )
        service = StationService.open(config)
        service.outbox._db.execute("PRAGMA synchronous=OFF")  # only to fill faster
        entries = script(st, 100 + i)
        while service.outbox.pending_count() < per_station:
            service.handle_entry(next(entries))
        recorded += service.outbox.pending_count()
        service.close()
    return recorded


class CountingTransport(httpx.AsyncHTTPTransport):
    """Counts the station's event posts and those that failed (timed out, cut)."""

    def __init__(self) -> None:
        super().__init__()
        self.posts = self.failed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        posting = request.method == "POST"
        self.posts += posting
        try:
            return await super().handle_async_request(request)
        except httpx.HTTPError:
            self.failed += posting
            raise


async def drain(
    base: str, tokens: dict[str, str], work: Path, batch: int, server: Server, outage: float
) -> tuple[float, int, int, int, int]:
    from kiosk.config import KioskConfig
    from kiosk.service import StationService
    from kiosk.sync import SyncClient

    services = []
    counters = []
    for st, token in tokens.items():
        config = KioskConfig(
            station_id=st,
            server_url=base,
            token=token,
            data_dir=work / f"drain-{st}",
            push_batch=batch,
        )
        service = StationService.open(config)
        counters.append(CountingTransport())
        service.sync = SyncClient(config, service.outbox, service.cache, service, counters[-1])
        services.append(service)
    tasks = [asyncio.create_task(s.sync.run()) for s in services]  # type: ignore[union-attr]
    try:
        if outage > 0:  # the stations retry (and back off) while the server is still down
            started = time.perf_counter()
            await asyncio.sleep(outage)
            await asyncio.to_thread(server.start)
        else:
            started = time.perf_counter()
        while any(s.outbox.pending_count() for s in services):
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    rejected = sum(len(s.outbox.unacknowledged()) for s in services)
    applied = sum(s.outbox.last_seq() for s in services)
    for s in services:
        s.close()
    posts, failed = sum(c.posts for c in counters), sum(c.failed for c in counters)
    return elapsed, applied, rejected, posts, failed


def outage(
    dbs: Databases,
    template: str,
    tokens: dict[str, str],
    work: Path,
    batches: list[int],
    recorded: int,
    outage_s: float,
) -> None:
    n = len(tokens)
    print(
        f"outage: {recorded} events waiting in {n} outboxes ({recorded // n} each), "
        "drained when the server is back:"
    )
    for batch in batches:
        url = dbs.create(f"{template}_b{batch}", template)
        for st in tokens:
            shutil.rmtree(work / f"drain-{st}", ignore_errors=True)
            shutil.copytree(work / f"outage-{st}", work / f"drain-{st}")
        server = Server(url)
        if outage_s <= 0:
            server.start()
        try:
            elapsed, applied, rejected, posts, failed = asyncio.run(
                drain(server.base, tokens, work, batch, server, outage_s)
            )
        finally:
            server.stop()
        assert rejected == 0, f"{rejected} events rejected"
        since = (
            f"from {outage_s:g} s before the server came back"
            if outage_s > 0
            else "from the server answering"
        )
        print(
            f"  batch {batch:5d}: {applied} events drained in {elapsed:6.1f} s ({since}) = "
            f"{applied / elapsed:6.0f} events/s; {posts} posts, {failed} failed or timed out"
        )


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--stations", type=int, default=4, choices=range(1, len(STATIONS) + 1))
    ap.add_argument("--events", type=int, default=20000, help="a shift's events, all stations")
    ap.add_argument("--batches", default="50,200,1000", help="push batch sizes to drain with")
    ap.add_argument("--live-lines", type=int, default=1500, help="scans per station, live")
    ap.add_argument(
        "--outage",
        type=float,
        default=0.0,
        help="seconds the stations retry before the server comes back",
    )
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "LINESIDE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = ap.parse_args()
    stations = STATIONS[: args.stations]
    dbs = Databases(args.pg)
    name = f"lineside_bench_sync_{os.getpid()}"
    print(f"lineside sync benchmark on PostgreSQL, stations {', '.join(stations)}")
    try:
        with tempfile.TemporaryDirectory(prefix="lineside-bench-sync-") as tmp:
            work = Path(tmp)
            template = dbs.create(f"{name}_tpl")
            # a job is at least 6 scans and 3 events: lots in process for the most jobs a run makes
            jobs = max(args.live_lines // 6, args.events // len(stations) // 3) + 2
            tokens = prepare(template, stations, jobs)
            if args.live_lines > 0:
                live(dbs.create(f"{name}_live", f"{name}_tpl"), tokens, args.live_lines, work)
            fill_url = dbs.create(f"{name}_fill", f"{name}_tpl")
            started = time.perf_counter()
            recorded = fill_offline(fill_url, tokens, args.events, work)
            print(f"(outboxes filled offline in {time.perf_counter() - started:.0f} s)")
            # the drains start from the database as the stations last saw it
            outage(
                dbs,
                f"{name}_fill",
                tokens,
                work,
                [int(b) for b in args.batches.split(",")],
                recorded,
                args.outage,
            )
    finally:
        dbs.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
