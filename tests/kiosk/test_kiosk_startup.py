"""Start-up: once the first screen is drawn the kiosk settles its garbage collector.

What start-up loaded is frozen (full collections no longer walk it during a scan)
and young objects are collected less often; on exit the collector is as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app import GC_YOUNG_THRESHOLD
from tests.kiosk.conftest import offline_app, until


@pytest.fixture(autouse=True)
def collector_as_cpython_sets_it() -> Iterator[None]:
    """Another test's server may have frozen and tuned the collector in this process."""
    threshold = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*threshold)


async def test_collector_settled_after_start_and_restored_on_exit(tmp_path: Path) -> None:
    before = gc.get_threshold()
    app = offline_app(tmp_path, station="L1-TURN")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: gc.get_freeze_count() > 0, timeout=10)
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
        assert gc.get_threshold()[1:] == before[1:]
    app.service.close()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


async def test_collector_left_alone_when_settling_is_off(tmp_path: Path) -> None:
    before = gc.get_threshold()
    app = offline_app(tmp_path, station="L1-TURN")
    app.settle_gc = False
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        assert gc.get_threshold() == before
    app.service.close()
    assert gc.get_threshold() == before
