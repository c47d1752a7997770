"""Crash safety at the station: a full disk, a reply lost after the server applied, a kill -9.

- Disk full: the outbox write fails, the step is not applied, the operator is
  told, the kiosk keeps running; once there is room again work carries on with
  no gap in ``seq``. (The outbox's SQLite is capped with ``PRAGMA
  max_page_count``, which fails exactly like a full disk: SQLITE_FULL.)
- Apply-before-reply: a proxy on loopback forwards a batch to the real server
  and cuts the connection once the server has answered; the station retries,
  gets ``duplicate`` with the first outcome and nothing is applied twice.
- Kill -9: a headless kiosk killed while a quantity is half entered is started
  again with the same data folder and script; it resumes at the next line with
  that prompt and ends where an uninterrupted run ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from core.flow.memory import feed_from_plant
from core.flow.persist import state_to_json
from core.plant import load_plant
from kiosk.config import KioskConfig
from kiosk.outbox import Outbox
from kiosk.replay import replay, stored_position
from kiosk.service import StationService
from kiosk.sync import SyncClient
from screens.widgets import MessageBar
from server import models as m
from tests.conftest import DEMO_PLANT, LiveServer, _database, _Templates
from tests.e2e import harness as h
from tests.kiosk.conftest import FIXED_NOW, live_config, offline_app, scan

NO_LIMIT = 1_073_741_823  # SQLite's largest max_page_count


def offline_service(data_dir: Path, station: str = "L1-SAW") -> StationService:
    """A station with no network, its cache filled from the demo plant, on a fixed clock."""
    config = KioskConfig(
        station_id=station,
        server_url="http://127.0.0.1:9",
        token="unused",
        data_dir=data_dir,
        sync=False,
        clock=lambda: FIXED_NOW,
    )
    service = StationService.open(config)
    service.cache.apply_page(feed_from_plant(load_plant(DEMO_PLANT), station))
    return service


def fill_disk(outbox: Outbox) -> None:
    """No page beyond those the outbox has now: the next write that needs one fails."""
    pages = outbox._db.execute("PRAGMA page_count").fetchone()[0]
    outbox._db.execute(f"PRAGMA max_page_count = {pages}")


def free_disk(outbox: Outbox) -> None:
    outbox._db.execute(f"PRAGMA max_page_count = {NO_LIMIT}")


DEFECT_LOOP = ("DEF-SCRATCH", "1")  # each pair records one DefectFlagged


def until_full(service: StationService, limit: int = 2000) -> Any:
    for i in range(limit):
        before = (service.state, service.outbox.last_seq(), service.outbox.load_state())
        outcome = service.handle_entry(DEFECT_LOOP[i % 2])
        if service.outbox.full:
            return before, outcome
    raise AssertionError("the outbox never filled up")


# --- disk full ---------------------------------------------------------------------------


def test_full_disk_records_nothing_and_the_station_keeps_working(tmp_path: Path) -> None:
    service = offline_service(tmp_path)
    for entry in ("EMP1001", "WO-1001", "LOT-BAR-261101"):
        assert service.handle_entry(entry).message.level == "ok"
    fill_disk(service.outbox)
    (state, last_seq, stored), outcome = until_full(service)

    assert outcome.message.level == "error"
    assert "disk is full" in outcome.message.text and "Call maintenance" in outcome.message.text
    assert outcome.events == ()
    assert service.state == state  # the step was not applied
    assert service.outbox.last_seq() == last_seq and service.outbox.load_state() == stored
    # Still running: scanning again is refused the same way, nothing half-written.
    again = service.handle_entry(outcome.entry)
    assert "disk is full" in again.message.text and service.state == state

    free_disk(service.outbox)  # maintenance made room
    done = service.handle_entry(outcome.entry)
    assert done.message.level == "ok" and not service.outbox.full
    if outcome.entry == DEFECT_LOOP[0]:  # the code first, then its quantity
        assert service.handle_entry(DEFECT_LOOP[1]).message.level == "ok"
    seqs = [e.seq for e in service.outbox.events()]
    assert seqs == list(range(1, last_seq + 2))  # no gap, nothing lost
    assert service.outbox.load_state() == state_to_json(service.state)
    service.close()


async def test_full_disk_in_the_kiosk_app(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for entry in ("EMP1001", "WO-1001", "LOT-BAR-261101"):
            await scan(app, pilot, entry)
        fill_disk(app.service.outbox)
        until_full(app.service)
        state = app.service.state
        await scan(app, pilot, "155.1")  # a measurement while the disk is full
        assert app.is_running and app.service.state == state
        shown = str(app.screen.query_one(MessageBar).render())
        assert "disk is full" in shown and "Call maintenance" in shown
        free_disk(app.service.outbox)
        await scan(app, pilot, "#CANCEL" if state.prompt.modal else "155.1")
        assert app.is_running and not app.service.outbox.full


def _lines(records: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in records.splitlines()]


async def test_replay_stops_at_a_full_disk_and_resumes_at_that_line(tmp_path: Path) -> None:
    script = ["EMP1001", "WO-1001", "LOT-BAR-261101", "155.1"] + ["DEF-SCRATCH", "1"] * 150
    script += ["#DONE", "40", "", "#LOGOUT"]
    service = offline_service(tmp_path / "k")
    fill_disk(service.outbox)
    out = io.StringIO()
    code = await replay(service.config, [e + "\n" for e in script], out, service=service)
    summary = _lines(out.getvalue())[-1]
    assert code == 4, summary
    stopped_at = summary["line"]
    assert "Terminal disk is full" in summary["error"] and 4 < stopped_at < len(script)
    position = stored_position(service.outbox)
    assert position is not None and position.lines == stopped_at - 1
    service.close()

    again = offline_service(tmp_path / "k")  # room again (a new connection has no cap)
    out = io.StringIO()
    code = await replay(again.config, [e + "\n" for e in script], out, service=again)
    records = _lines(out.getvalue())
    assert code == 1  # offline: everything recorded, still queued
    assert records[0]["resume"]["skipped"] == stopped_at - 1
    assert records[1]["entry"] == script[stopped_at - 1]
    assert records[-1]["steps"] == len(script) - stopped_at + 1
    resumed = [h.event_signature(_row(e)) for e in again.outbox.events()]
    again.close()

    reference = offline_service(tmp_path / "ref")
    await replay(reference.config, [e + "\n" for e in script], io.StringIO(), service=reference)
    assert resumed == [h.event_signature(_row(e)) for e in reference.outbox.events()]
    reference.close()


def _row(event: Any) -> dict[str, Any]:
    return {"seq": event.seq, "type": event.type, "status": event.status, "payload": event.payload}


async def test_a_different_script_or_no_resume_starts_at_line_one(tmp_path: Path) -> None:
    service = offline_service(tmp_path)
    await replay(service.config, ["EMP1001\n", "WO-1001\n"], io.StringIO(), service=service)
    out = io.StringIO()
    await replay(service.config, ["EMP1002\n", "#LOGOUT\n"], out, service=service)
    records = _lines(out.getvalue())
    assert "resume" not in records[0] and records[0]["entry"] == "EMP1002"
    out = io.StringIO()
    await replay(service.config, ["EMP1002\n", "#LOGOUT\n"], out, service=service, resume=False)
    assert _lines(out.getvalue())[0]["entry"] == "EMP1002"
    service.close()


# --- the reply lost after the server applied the batch ------------------------------------


class CuttingProxy:
    """TCP on loopback to the server. While ``cut`` > 0 it waits for the server's answer to a
    ``POST /api/v1/events``, then drops both connections: the batch is applied, the station
    never reads a byte of the answer."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.cut = 0
        self.cut_done = 0
        self.port = 0
        self._server: asyncio.base_events.Server | None = None

    async def __aenter__(self) -> CuttingProxy:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _connection(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        posting = False

        async def to_server() -> None:
            nonlocal posting
            while data := await client_r.read(65536):
                if data[:5] in (b"GET /", b"POST "):  # a new request on this connection
                    posting = data.startswith(b"POST /api/v1/events ")
                up_w.write(data)
                await up_w.drain()

        async def to_station() -> None:
            while data := await up_r.read(65536):
                if posting and self.cut > 0:
                    self.cut -= 1
                    self.cut_done += 1
                    client_w.transport.abort()
                    up_w.transport.abort()
                    return
                client_w.write(data)
                await client_w.drain()

        tasks = [asyncio.create_task(to_server()), asyncio.create_task(to_station())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for writer in (client_w, up_w):
                writer.transport.abort()


class RecordingTransport(httpx.AsyncHTTPTransport):
    """The station's own HTTP transport, keeping every events answer it did read."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[dict[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.method == "POST" and request.url.path == "/api/v1/events":
            await response.aread()
            self.answers.append(json.loads(response.content))
        return response


async def _wait(condition: Any, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {condition}"
        await asyncio.sleep(0.02)


async def test_reply_lost_after_the_server_applied_the_batch(
    live_server: LiveServer, tmp_path: Path
) -> None:
    port = int(live_server.url.rsplit(":", 1)[1])
    async with CuttingProxy(port) as proxy:
        config = replace(live_config(live_server, tmp_path), server_url=proxy.url)
        service = StationService.open(config)
        recording = RecordingTransport()
        service.sync = SyncClient(
            config, service.outbox, service.cache, service, transport=recording
        )
        sync = asyncio.create_task(service.sync.run())
        try:
            await _wait(lambda: service.cache.ready)
            proxy.cut = 1
            for entry in ("EMP1001", "WO-1001", "LOT-BAR-261101", "155.1"):
                assert service.handle_entry(entry).message.level == "ok"
            await _wait(lambda: service.outbox.pending_count() == 0)
        finally:
            sync.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sync
        events = service.outbox.events()
        service.close()

    assert proxy.cut_done == 1
    ids = [e.id for e in events]
    with Session(live_server.engine) as session:
        found = select(m.EventLog).where(col(m.EventLog.event_id).in_(ids))
        logged = {row.event_id: row for row in session.execute(found).scalars()}
        lot = session.get(m.Lot, "LOT-BAR-261101")
        consumptions = session.execute(
            select(func.count())
            .select_from(m.Consumption)
            .where(col(m.Consumption.lot) == "LOT-BAR-261101")
        ).scalar_one()
    assert set(logged) == set(ids)  # every event once (event ids are unique in the log)
    assert lot is not None and lot.qty == 112 and consumptions == 1  # 0.16 m x 50, taken once
    # The retry of the lost batch was answered "duplicate", with what happened the first time.
    retried = [r for a in recording.answers for r in a["results"] if r["status"] == "duplicate"]
    assert {r["id"] for r in retried} == set(ids)
    for r in retried:
        assert r["original_status"] == "applied"
        assert r["outcome"] == json.loads(logged[r["id"]].outcome or "{}")
    for e in events:
        assert e.status == "applied"
        assert (e.outcome or {}) == json.loads(logged[e.id].outcome or "{}")
    consumed = next(e for e in events if e.type == "LotConsumed")
    assert consumed.outcome is not None and consumed.outcome["remaining"] == 112


# --- kill -9 with a quantity half entered ---------------------------------------------------


@pytest.fixture
def twin(
    request: pytest.FixtureRequest, _templates: _Templates, tmp_path: Path
) -> Iterator[LiveServer]:
    """A second live server on another fresh database of the same kind as ``engine``."""
    from server.db import make_engine

    class _Param:
        param = request.node.callspec.params["db_url"]

    folder = tmp_path / "twin"
    folder.mkdir()
    database = cast(Generator[str], _database(_Param(), _templates, "demo", folder))  # type: ignore[arg-type]
    url = next(database)
    engine = make_engine(url)
    server = LiveServer(engine)
    server.thread.start()
    try:
        yield server
    finally:
        server.thread.stop()
        engine.dispose()
        database.close()


def _kiosk(live_server: LiveServer, station: str, data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "kiosk",
            "--station",
            station,
            "--server",
            live_server.url,
            "--token",
            live_server.token(station),
            "--data-dir",
            str(data_dir),
            "--replay",
            "-",
            "--timeout",
            "30",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=h.ROOT,
        env={**os.environ},
    )


def test_kiosk_killed_mid_entry_resumes_where_it_was(
    live_server: LiveServer, twin: LiveServer, tmp_path: Path
) -> None:
    plan = h.station_plan("L1-SAW")
    script = h.station_script(plan, 120, seed=7)
    for server in (live_server, twin):
        h.prepare_plant(str(server.engine.url.render_as_string(hide_password=False)), [plan])
    data = tmp_path / "saw"
    # Half the shift, line by line, then kill -9 while the scrap quantity is being asked for.
    kiosk = _kiosk(live_server, "L1-SAW", data)
    assert kiosk.stdin is not None and kiosk.stdout is not None
    fed = 0
    for entry in script:
        kiosk.stdin.write(entry + "\n")
        kiosk.stdin.flush()
        fed += 1
        step = json.loads(kiosk.stdout.readline())
        assert step["entry"] == entry
        if fed > len(script) // 2 and step["prompt"]["kind"] == "enter_scrap_qty":
            break
    else:
        raise AssertionError("the script never asked for a scrap quantity")
    kiosk.send_signal(signal.SIGKILL)
    kiosk.wait()

    again = _kiosk(live_server, "L1-SAW", data)  # the same data folder, the same script again
    stdout, stderr = again.communicate("".join(e + "\n" for e in script), timeout=120)
    records = _lines(stdout)
    assert again.returncode == 0, stderr + stdout[-2000:]
    assert records[0] == {"resume": {"skipped": fed, "prompt": "enter_scrap_qty"}}
    assert records[1]["entry"] == script[fed] and records[1]["events"][0]["type"] == "JobCompleted"
    assert records[-1]["skipped"] == fed and records[-1]["steps"] == len(script) - fed

    # An uninterrupted run of the same script on another database ends the same way.
    twin_config = live_config(twin, tmp_path / "twin-saw")
    code = asyncio.run(replay(twin_config, [e + "\n" for e in script], io.StringIO(), timeout=30))
    assert code == 0
    urls = [s.engine.url.render_as_string(hide_password=False) for s in (live_server, twin)]
    killed = h.exactly_once(urls[0], "L1-SAW", data)
    clean = h.exactly_once(urls[1], "L1-SAW", tmp_path / "twin-saw")
    assert [h.event_signature(r) for r in killed] == [h.event_signature(r) for r in clean]
    assert h.server_state(urls[0]) == h.server_state(urls[1])
