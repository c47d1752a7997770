"""The operator's main screens at 80×24, as committed SVGs (`pytest --snapshot-update`).

No server: the cache is filled from the demo plant file and the clock is fixed,
so the pictures only change when the screens do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from core import events as ev
from core.flow import RecordEvent
from kiosk.app import KioskApp
from kiosk.outbox import Answer
from tests.kiosk.conftest import FIXED_NOW, offline_app, scan

SIZE = (80, 24)


def driver(app: KioskApp, *entries: str) -> Callable[[Any], Awaitable[None]]:
    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        for entry in entries:
            await scan(app, pilot, entry)
        await pilot.pause()

    return run_before


CASES = {
    "login": ("L1-SAW", ()),
    "home": ("L1-SAW", ("EMP1001",)),
    "job_scan_lot": ("L1-SAW", ("EMP1001", "WO-1001")),
    "wrong_part": ("L1-SAW", ("EMP1001", "WO-1001", "LOT-BRG-261101")),
    "measure_prompt": ("L1-TURN", ("EMP1001", "WO-1001")),
    "measure_pass": ("L1-TURN", ("EMP1001", "WO-1001", "12.004")),
    "measure_fail": ("L1-SAW", ("EMP1001", "WO-1001", "LOT-BAR-261101", "156.2")),
    "measure_confirm": ("L1-SAW", ("EMP1001", "WO-1001", "LOT-BAR-261101", "1552")),
    "defect_qty": ("L1-SAW", ("EMP1001", "WO-1001", "LOT-BAR-261101", "155.0", "DEF-BURR")),
    "complete_good_qty": ("L1-SAW", ("EMP1001", "WO-1001", "LOT-BAR-261101", "155.0", "#DONE")),
    "complete_output_lot": (
        "L1-SAW",
        ("EMP1001", "WO-1001", "LOT-BAR-261101", "155.0", "#DONE", "50", ""),
    ),
    # A failed diameter holds the lot being turned; completing it says HELD.
    "complete_held": (
        "L1-TURN",
        ("EMP1001", "WO-1001", "12.05", "", "150.0", "#DONE", "50", ""),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_screen(case: str, snap_compare: Any, tmp_path: Path) -> None:
    station, entries = CASES[case]
    app = offline_app(tmp_path, station=station)
    assert snap_compare(app, terminal_size=SIZE, run_before=driver(app, *entries))


def test_demo_hints(snap_compare: Any, tmp_path: Path) -> None:
    app = offline_app(tmp_path, demo_hints=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=driver(app, "EMP1001", "WO-1001"))


def test_rejection_notice(snap_compare: Any, tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    box = app.service.outbox
    recorded = box.record([RecordEvent(ev.OperatorLoggedIn(badge="EMP1001"), "EMP1001", FIXED_NOW)])
    box.answer([Answer(str(recorded[0].id), "rejected", "badge EMP1001 is not an active operator")])
    assert snap_compare(app, terminal_size=SIZE, run_before=driver(app))
