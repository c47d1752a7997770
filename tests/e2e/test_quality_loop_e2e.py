"""The quality loop end to end: two stations and a quality engineer against one real server.

A failing measurement at the saw holds the lot it makes; the press, a second
station, learns of the hold within two seconds and refuses the lot with the
reason; an NCR is opened; wrong signatures are refused; the scrap disposition
reaches every station; the lot's whole history prints from the audit log and
verifies. A first-article failure at the mill blocks its job.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from core.flow.quality import HoldNotice, JobBlocked
from kiosk.config import KioskConfig
from kiosk.service import StationService
from server import ledger
from server import models as m
from server.models_quality import Ncr
from server.quality import actions as qe
from server.services.history import history
from tests.conftest import LiveServer


@contextlib.asynccontextmanager
async def station(
    live_server: LiveServer, tmp_path: Path, station_id: str
) -> AsyncIterator[StationService]:
    config = KioskConfig(
        station_id=station_id,
        server_url=live_server.url,
        token=live_server.token(station_id),
        data_dir=tmp_path / station_id,
        feed_wait_s=1.0,
    )
    service = StationService.open(config)
    assert service.sync is not None
    task = asyncio.create_task(service.sync.run())
    try:
        await until(lambda: service.cache.ready)
        yield service
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        service.close()


async def until(condition: Callable[[], object], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await asyncio.sleep(0.02)


def say(service: StationService, *entries: str) -> str:
    text = ""
    for entry in entries:
        text = service.handle_entry(entry).message.text
    return text


async def test_failure_holds_everywhere_then_signed_scrap(
    live_server: LiveServer, tmp_path: Path
) -> None:
    engine = live_server.engine
    async with (
        station(live_server, tmp_path, "L1-SAW") as saw,
        station(live_server, tmp_path, "L2-PRESS") as press,
    ):
        say(saw, "EMP1001", "WO-1001", "LOT-BAR-261101")
        failed = say(saw, "157.0")
        assert "FAIL" in failed and "ON HOLD" in failed
        lot = saw.state.job.output_lot  # type: ignore[union-attr]
        assert isinstance(saw.state.prompt, HoldNotice) and saw.state.prompt.target == lot
        say(saw, "", "#DONE", "48", "2")
        await until(lambda: saw.outbox.pending_count() == 0)
        with Session(engine) as s:
            made = s.get(m.Lot, lot)
            assert made is not None and made.status == "on_hold"
            [hold] = s.execute(select(m.Hold).where(m.Hold.target == lot)).scalars().all()
            ncr_id = hold.ncr
            assert ncr_id and s.get(Ncr, ncr_id) is not None
        # The press knows within two seconds of the server, without waiting for a periodic sync.
        await until(lambda: press.cache.open_holds("lot", lot), timeout=2.0)
        refused = say(press, "EMP1002", "WO-2001", lot)
        assert "ON HOLD" in refused and "SHAFT-CUT-LEN" in refused
        assert press.outbox.pending_count() == 0 or all(
            e.type != "LotConsumed" for e in press.outbox.pending()
        )

        # Signatures: wrong role, wrong PIN refused (and logged); a QE's scrap is carried out.
        assert (
            qe.sign_disposition(engine, ncr_id, kind="scrap", badge="EMP1009", pin="1009").status
            == "rejected"
        )
        assert (
            qe.sign_disposition(engine, ncr_id, kind="scrap", badge="EMP1010", pin="9999").status
            == "rejected"
        )
        done = qe.sign_disposition(engine, ncr_id, kind="scrap", badge="EMP1010", pin="1010")
        assert done.status == "applied" and done.outcome["status"] == "executed"
        await until(
            lambda: press.cache.lot(lot) is not None and press.cache.lot(lot).status == "scrapped"
        )  # type: ignore[union-attr]
        assert "scrapped" in say(press, lot)

    rows = history(engine, lot)
    types = [r["type"] for r in rows]
    for expected in ("JobStarted", "MeasurementRecorded", "HoldPlaced", "JobCompleted"):
        assert expected in types
    ncr_types = [r["type"] for r in history(engine, ncr_id)]
    assert {"NcrOpened", "SignatureRefused", "DispositionSigned"} <= set(ncr_types)
    assert ledger.verify(engine).ok


async def test_first_article_failure_blocks_the_job(
    live_server: LiveServer, tmp_path: Path
) -> None:
    async with station(live_server, tmp_path, "L1-MILL") as mill:
        say(mill, "EMP1001", "WO-3001", "LOT-CAST-261101", "EMP1007")
        say(mill, "32.031", "")
        assert isinstance(mill.state.prompt, JobBlocked)
        refused = say(mill, "#DONE")
        assert "first-article" in refused.lower()
        await until(lambda: mill.outbox.pending_count() == 0)
    with Session(live_server.engine) as s:
        [measurement] = s.execute(select(m.Measurement)).scalars().all()
        assert (measurement.verdict, measurement.operator_id) == ("fail", "EMP1007")
        job = s.execute(select(m.Job)).scalar_one()
        assert job.status == "running"
        [hold] = s.execute(select(m.Hold).where(m.Hold.target == job.output_lot)).scalars().all()
        assert hold.source == "failed_check"
