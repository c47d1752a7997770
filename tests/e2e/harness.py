"""Driving real processes for crash tests: a `lineside server`, headless kiosks, their scripts.

- ``prepare_plant(url, stations)``: work orders and component lots of each
  station's own (so stations never compete for material and a run's end state
  does not depend on how their events interleave);
- ``station_script(...)``: a deterministic shift of scans for one station;
- ``ServerProcess`` / ``KioskProcess``: subprocesses that can be SIGKILLed and
  started again on the same port / data folder;
- ``server_state(url)``, ``outbox_rows(data_dir)``, ``exactly_once(...)``:
  what the checks compare, with ids and timestamps normalised away.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import Session, col

from core.plant import Characteristic, Operation, load_plant
from core.routing import Step, missing_before
from core.verdict import Spec, plausibility_problem
from server import models as m
from server.db import make_engine
from server.services.revs import next_rev

ROOT = Path(__file__).resolve().parents[2]
DEMO_PLANT = ROOT / "provisioning" / "plants" / "demo.toml"
ADMIN_TOKEN = "e2e-admin-token-0123456789"
OPERATORS = ("EMP1001", "EMP1002", "EMP1003", "EMP1004", "EMP1005", "EMP1006")
#: Non-critical defect codes: a critical one would hold the whole station (a timing race
#: between the server's hold and the next job start, so two runs could differ).
DEFECTS = ("DEF-SCRATCH", "DEF-BURR", "DEF-DENT")
WO_QTY = 10.0  # each work order is one job's worth: a job never runs over its order
WORK_ORDERS = 400  # per station, more than a script's jobs: each job has an order of its own
LOT_QTY = 1_000_000.0  # never runs short: each consumption takes exactly what the job needs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the plant the scripts run on ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StationPlan:
    station: str
    product: str
    operation: Operation
    work_orders: tuple[str, ...]
    lots: dict[str, str]  # part -> this station's own lot of it
    #: The operations done before this station's (empty: it starts the routing, from material).
    done_before: tuple[int, ...] = ()

    def wip_lot(self, job: int) -> str:
        """The lot waiting for job ``job`` here (its traveler starts the job)."""
        return f"LOT-WIP-{self.station.replace('-', '')}-{job:04d}"


def station_plan(station: str, work_orders: int = WORK_ORDERS) -> StationPlan:
    """The operation ``station`` runs in the demo plant, with its own work orders and lots."""
    plant = load_plant(DEMO_PLANT)
    for routing in plant.routings:
        for op in routing.operations:
            if station in op.stations:
                planned = [c.id for c in op.characteristics if c.inspection is not None]
                if planned:  # prompts that depend on the clock would make runs differ
                    raise ValueError(f"{station}: {planned} have inspection plans; pick another")
                tag = station.replace("-", "")
                steps = [Step(o.seq, o.name, o.optional, o.parallel) for o in routing.operations]
                return StationPlan(
                    done_before=tuple(s.seq for s in missing_before(steps, op.seq, ())),
                    station=station,
                    product=routing.product,
                    operation=op,
                    work_orders=tuple(f"WO-CH-{tag}-{i}" for i in range(1, work_orders + 1)),
                    lots={b.part: f"LOT-CH-{tag}-{b.part}" for b in op.bom},
                )
    raise ValueError(f"no operation runs at {station}")


def prepare_plant(url: str, plans: list[StationPlan]) -> None:
    """Release each station's work orders and receive its component lots (before any kiosk runs)."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            for plan in plans:
                for number in plan.work_orders:
                    session.add(
                        m.WorkOrder(
                            number=number, product=plan.product, qty=WO_QTY, rev=next_rev(session)
                        )
                    )
                if plan.done_before:  # work in process made by the operations before
                    for job in range(1, len(plan.work_orders) + 1):
                        session.add(m.Lot(
                            id=plan.wip_lot(job), part=plan.product, qty=WO_QTY, initial_qty=WO_QTY,
                            status="wip", work_order=plan.work_orders[job % len(plan.work_orders)],
                            ops_done=list(plan.done_before), rev=next_rev(session),
                        ))  # fmt: skip
                for part, lot in plan.lots.items():
                    session.add(
                        m.Lot(
                            id=lot,
                            part=part,
                            qty=LOT_QTY,
                            initial_qty=LOT_QTY,
                            rev=next_rev(session),
                        )
                    )
            session.commit()
    finally:
        engine.dispose()


def enroll_all(url: str, stations: list[str]) -> dict[str, str]:
    from server.services.stations import enroll

    engine = make_engine(url)
    try:
        return {st: enroll(engine, st) for st in stations}
    finally:
        engine.dispose()


# --- scripts -----------------------------------------------------------------------------


def _value(ch: Characteristic, fail: bool) -> str:
    nominal = ch.nominal if ch.nominal is not None else ((ch.lsl or 0) + (ch.usl or 0)) / 2
    if not fail:
        return f"{nominal:g}"
    if ch.usl is not None:
        span = ch.usl - (ch.lsl if ch.lsl is not None else nominal)
        return f"{ch.usl + max(span, 1e-3) * 0.5:g}"
    assert ch.lsl is not None
    return f"{ch.lsl - max(nominal - ch.lsl, 1e-3) * 0.5:g}"


def station_script(plan: StationPlan, lines: int, seed: int) -> list[str]:
    """About ``lines`` scans of a shift at one station, the same for the same seed.

    Jobs: a badge (operators take turns), a work order, the station's own lots,
    every characteristic (about one in eight fails, so lots are held), sometimes a
    defect, a stray scan, an implausible value confirmed, a cancelled job or a
    logout. Every entry is one the flow answers the same way whatever the server
    said meanwhile (no bare Enter where a hold notice may be showing).
    """
    rng = random.Random(seed)
    out: list[str] = []
    job = 0
    while len(out) < lines:
        job += 1
        out.append(OPERATORS[job % len(OPERATORS)])
        if rng.random() < 0.1:
            out.append("oops")  # refused: no event
        # A station after the first operation scans the waiting lot's traveler.
        out.append(
            plan.wip_lot(job) if plan.done_before else plan.work_orders[job % len(plan.work_orders)]
        )
        for lot in plan.lots.values():
            out.append(lot)
        for ch in plan.operation.characteristics:
            spec = Spec(nominal=ch.nominal, lsl=ch.lsl, usl=ch.usl, unit=ch.unit)
            if ch.nominal and rng.random() < 0.05 and plausibility_problem(ch.nominal * 1000, spec):
                out += [f"{ch.nominal * 1000:g}", "#CONFIRM"]  # a slipped decimal, confirmed
            else:
                out.append(_value(ch, fail=not ch.critical and rng.random() < 0.125))
        defects = 0
        if rng.random() < 0.3:
            qty = rng.choice(["", "2"])  # quantity: Enter is 1
            defects = 2 if qty else 1
            out += [rng.choice(DEFECTS), qty]
        if rng.random() < 0.08:
            out += ["#CANCEL", "#CONFIRM"]
        else:
            scrap = rng.choice(["", "0", "1"])  # Enter: the defects flagged
            scrapped = defects if scrap == "" else int(scrap)
            out += ["#DONE", f"{WO_QTY - scrapped:g}", scrap]  # good + scrap = what came in
        if rng.random() < 0.1:
            out.append("#LOGOUT")
    return out


# --- processes ---------------------------------------------------------------------------


def _python_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


@dataclass
class ServerProcess:
    """`lineside server` on a fixed loopback port; ``kill()`` is SIGKILL, ``start()`` again."""

    database_url: str
    log_dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    workers: int = 1  # server processes on the one port (PostgreSQL only)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> None:
        self.starts += 1
        env = {
            **os.environ,
            "LINESIDE_DATABASE_URL": self.database_url,
            "LINESIDE_ADMIN_TOKEN": ADMIN_TOKEN,
        }
        log = open(self.log_dir / f"server-{self.starts}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            _python_cli(
                "server",
                "--port",
                str(self.port),
                *(("--workers", str(self.workers)) if self.workers > 1 else ()),
            ),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                code = self.proc.returncode
                raise AssertionError(f"server exited with {code}: {self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server did not answer within {timeout:g} s: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, in-flight requests are cut."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:  # uvicorn waits for open long polls (up to 25 s): no need here
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self) -> str:
        path = self.log_dir / f"server-{self.starts}.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


@dataclass
class KioskProcess:
    """`lineside kiosk --replay FILE` for one station; its JSON lines go to a file per start."""

    station: str
    server_url: str
    token: str
    data_dir: Path
    script: Path
    timeout: float = 180.0
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    outputs: list[Path] = field(default_factory=list)

    def start(self) -> None:
        self.starts += 1
        out = self.data_dir.parent / f"{self.station}-run{self.starts}.jsonl"
        self.outputs.append(out)
        with open(out, "wb") as stdout, open(out.with_suffix(".err"), "wb") as stderr:
            self.proc = subprocess.Popen(
                _python_cli(
                    "kiosk",
                    "--station",
                    self.station,
                    "--server",
                    self.server_url,
                    "--token",
                    self.token,
                    "--data-dir",
                    str(self.data_dir),
                    "--replay",
                    str(self.script),
                    "--timeout",
                    f"{self.timeout:g}",
                ),
                cwd=ROOT,
                stdout=stdout,
                stderr=stderr,
            )

    def steps_printed(self) -> int:
        """Steps this start has printed so far (a step is printed after it is on disk)."""
        out = self.outputs[-1]
        if not out.exists():
            return 0
        return out.read_bytes().count(b'"entry"')

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def records(self, start: int | None = None) -> list[dict[str, Any]]:
        out = self.outputs[-1 if start is None else start - 1]
        records = []
        for line in out.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                break  # the last line of a killed run may be cut short
        return records

    def stderr(self) -> str:
        return self.outputs[-1].with_suffix(".err").read_text(errors="replace")[-3000:]


# --- what the checks compare -------------------------------------------------------------

_OUTPUT_LOT = re.compile(r"^(LOT-[A-Z0-9-]+)-\d{6}-(\d{4})$")


def lot_name(lot: str | None) -> str | None:
    """Output lots without their date (two runs may straddle midnight)."""
    if lot is None:
        return None
    found = _OUTPUT_LOT.match(lot)
    return f"{found.group(1)}-{found.group(2)}" if found else lot


def outbox_rows(data_dir: Path) -> list[dict[str, Any]]:
    """Every event in a station's outbox, in seq order."""
    db = sqlite3.connect(f"file:{data_dir / 'outbox.sqlite3'}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT seq, id, type, status, body FROM event ORDER BY seq").fetchall()
    finally:
        db.close()
    return [
        {"seq": s, "id": i, "type": t, "status": st, "payload": json.loads(b)["payload"]}
        for s, i, t, st, b in rows
    ]


_VOLATILE = {"job_id", "known_rev", "hold_id"}


def event_signature(row: dict[str, Any]) -> tuple[Any, ...]:
    """An outbox event without what differs between two runs of the same script."""
    payload = {
        k: (lot_name(v) if isinstance(v, str) else v)
        for k, v in sorted(row["payload"].items())
        if k not in _VOLATILE
    }
    return (row["seq"], row["type"], row["status"], json.dumps(payload, sort_keys=True))


def log_rows(url: str, station: str) -> list[tuple[int, str, int | None, str]]:
    """The server's log entries from ``station`` in log order: (position, event id, seq, status)."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(
                    col(m.EventLog.id),
                    col(m.EventLog.event_id),
                    col(m.EventLog.seq),
                    col(m.EventLog.status),
                )
                .where(col(m.EventLog.station_id) == station)
                .order_by(col(m.EventLog.id))
            ).all()
    finally:
        engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def answered_after_restart(url: str, data_dir: Path, kills: list[tuple[float, float]]) -> int:
    """Events the server applied before it was killed and the station learned of only from
    a later server (so: from the ``duplicate`` answer to its retry). ``kills`` holds
    (killed at, started again at) as Unix times."""
    db = sqlite3.connect(f"file:{data_dir / 'outbox.sqlite3'}?mode=ro", uri=True)
    try:
        answered = dict(db.execute("SELECT id, answered_at FROM event").fetchall())
    finally:
        db.close()
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            received = session.execute(
                select(col(m.EventLog.event_id), col(m.EventLog.received_at)).where(
                    col(m.EventLog.event_id).in_(list(answered))
                )
            ).all()
    finally:
        engine.dispose()
    count = 0
    for event_id, at in received:
        when = at.replace(tzinfo=at.tzinfo or UTC).timestamp()
        late = datetime.fromisoformat(answered[event_id]).timestamp()
        count += any(when < killed and late > restarted for killed, restarted in kills)
    return count


def server_state(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Lots, genealogy edges and holds, with ids and timestamps normalised away."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            lots = sorted(
                (lot_name(lot.id), lot.part, round(lot.qty, 6), lot.status)
                for lot in session.execute(select(m.Lot)).scalars()
            )
            edges = sorted(
                (lot_name(e.parent_lot), lot_name(e.child_lot), round(e.qty, 6), e.kind)
                for e in session.execute(select(m.GenealogyEdge)).scalars()
            )
            holds = sorted(
                (h.target_type, lot_name(h.target), h.source, h.status)
                for h in session.execute(select(m.Hold)).scalars()
            )
            work_orders = sorted(
                (w.number, w.status, round(w.completed_qty, 6))
                for w in session.execute(select(m.WorkOrder)).scalars()
            )
    finally:
        engine.dispose()
    return {"lots": lots, "edges": edges, "holds": holds, "work_orders": work_orders}


def exactly_once(url: str, station: str, data_dir: Path) -> list[dict[str, Any]]:
    """Assert every event of the station's outbox is in the server's log once, in outbox order,
    with the status the station stored; returns the outbox rows."""
    rows = outbox_rows(data_dir)
    assert rows, f"{station}: the outbox is empty"
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1)), f"{station}: seq has gaps"
    pending = [r["seq"] for r in rows if r["status"] == "pending"]
    assert not pending, f"{station}: {len(pending)} events never answered (first seq {pending[0]})"
    logged = log_rows(url, station)
    ids = [r[1] for r in logged]
    assert len(ids) == len(set(ids)), f"{station}: an event is in the log twice"
    assert ids == [r["id"] for r in rows], f"{station}: the log does not hold the outbox, in order"
    assert [r[2] for r in logged] == [r["seq"] for r in rows]
    assert [r[3] for r in logged] == [r["status"] for r in rows], f"{station}: statuses differ"
    return rows
