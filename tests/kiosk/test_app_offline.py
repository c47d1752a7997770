"""The kiosk shell without a server: locked down, GS1 scans, defect list, idle logout."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from textual import events

from screens.defect_picker import DefectPicker
from screens.login import LoginScreen
from tests.kiosk.conftest import GS, offline_app, scan


async def test_operators_cannot_quit_or_open_the_palette(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("ctrl+q", "ctrl+c", "ctrl+p"):
            await pilot.press(key)
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, LoginScreen)
        assert "cannot be closed" in app.service.notice.text  # type: ignore[union-attr]
        assert app.ENABLE_COMMAND_PALETTE is False


async def test_demo_may_quit(tmp_path: Path) -> None:
    app = offline_app(tmp_path, allow_quit=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_gs1_lot_label_keeps_its_separator(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for entry in ("EMP1001", "WO-1001", f"]C110LOT-BAR-261101{GS}3716"):
            await scan(app, pilot, entry)
        outcome = app.service.last
        assert outcome is not None and outcome.entry.endswith(f"{GS}3716")
        assert [e.type for e in outcome.events] == ["LotConsumed"]
        assert outcome.events[0].payload["lot"] == "LOT-BAR-261101"


async def test_typing_corrections_and_the_defect_list(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for ch in "EMP1001X":
            app.post_message(events.Key(ch, ch))
        app.post_message(events.Key("backspace", None))
        app.post_message(events.Key("enter", "\r"))
        await pilot.pause()
        assert app.service.state.operator is not None
        await scan(app, pilot, "WO-1001")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, DefectPicker)
        await pilot.press("down", "enter")  # the second code on the sheet
        await pilot.pause()
        await pilot.pause()
        assert app.service.state.prompt.kind == "enter_defect_qty"
        assert app.service.state.prompt.code == app.service.cache.defect_codes()[1].code  # type: ignore[attr-defined]
        await scan(app, pilot, "3")
        assert [e.type for e in app.service.last.events] == ["DefectFlagged"]  # type: ignore[union-attr]


async def test_idle_timeout_logs_out(tmp_path: Path) -> None:
    app = offline_app(tmp_path, idle_timeout=timedelta(minutes=15))
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(app, pilot, "EMP1001")
        later = app.config.clock() + timedelta(minutes=16)
        app.config = replace(app.config, clock=lambda: later)
        app.service.ctx = replace(app.service.ctx, clock=lambda: later)
        app._tick()
        await pilot.pause()
        await pilot.pause()
        assert app.service.state.operator is None and isinstance(app.screen, LoginScreen)
        (event,) = app.service.outbox.events(since_seq=1)
        assert event.type == "OperatorLoggedOut" and event.payload["reason"] == "idle"
