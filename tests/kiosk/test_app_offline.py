"""The kiosk shell without a server: locked down, GS1 scans, defect list, idle logout."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from textual import events

from core.flow.quality import HoldNotice
from core.reference import Feed, HoldRef
from screens.defect_picker import DefectPicker
from screens.hold_notice import HoldScreen
from screens.login import LoginScreen
from screens.measure import MeasureScreen
from screens.widgets import StatusBar
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


async def test_a_hold_arriving_while_a_verdict_is_shown_takes_the_screen(tmp_path: Path) -> None:
    """A hold that reaches the station in the background replaces the last verdict at once:
    the operator must not go on measuring parts of a lot quality has just held."""
    app = offline_app(tmp_path, station="L1-TURN")
    async with app.run_test(size=(80, 24)) as pilot:
        for entry in ("EMP1001", "WO-1002", "SHAFT-DIA", "12.001"):
            await scan(app, pilot, entry)
        assert isinstance(app.screen, MeasureScreen)
        assert app.service.last.message.text.startswith("PASS")  # type: ignore[union-attr]
        job = app.service.state.job
        assert job is not None and job.output_lot
        cache = app.service.cache
        page = Feed(
            cursor=cache.cursor + 1,
            holds=[
                HoldRef(
                    id="hold-spc-1",
                    target_type="lot",
                    target=job.output_lot,
                    reason="SPC signal on SHAFT-DIA: suspect range",
                    source="spc",
                    status="open",
                )
            ],
        )
        cache.apply_page(page)
        app.service.feed_merged(page)  # what the sync loop calls after merging a page
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.service.state.prompt, HoldNotice)
        assert isinstance(app.screen, HoldScreen)
        detail = str(app.screen.query_one("#hold-detail").render())
        assert job.output_lot in detail and "SPC signal on SHAFT-DIA" in detail
        await scan(app, pilot, "")  # Enter acknowledges; the lot stays held
        assert not isinstance(app.service.state.prompt, HoldNotice)
        assert isinstance(app.screen, MeasureScreen)
        assert "stays ON HOLD" in app.service.last.message.text  # type: ignore[union-attr]
        assert cache.open_holds("lot", job.output_lot)


async def test_the_clock_tick_on_a_screen_still_composing_draws_nothing(tmp_path: Path) -> None:
    """The once-a-second status refresh can come while a screen switch is half done."""
    app = offline_app(tmp_path, station="L1-TURN")
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(app, pilot, "EMP1001")
        composing = MeasureScreen()  # not mounted: no widgets yet
        composing.show_status(app.current_view())
        composing.show(app.current_view())
        app.screen.show_status(app.current_view())  # type: ignore[attr-defined]
        assert "Anna Keller" in str(app.screen.query_one(StatusBar).render())
