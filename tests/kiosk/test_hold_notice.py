"""The failure moment at 80×24: a hold reaches the station, the operator reads it whole,
acknowledges it, and the station says so when quality releases it.

No server: holds arrive as feed pages merged the way the sync loop merges them, on the
demo plant and a fixed clock, so the snapshots only change when the screens do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.flow.quality import HoldNotice, StationHeld
from core.reference import Feed, HoldRef
from kiosk.app import KioskApp
from screens.hold_notice import HoldScreen
from screens.job import JobScreen
from tests.kiosk.conftest import offline_app, scan, until

SIZE = (80, 24)
#: What the server writes on an SPC hold: long enough to need more than the prompt's rows.
SPC_REASON = (
    "SPC signal on SHAFT-CUT-LEN (Blank length) at L1-SAW: we-2: 2 of 3 points more than "
    "2 sigma above the centre line (points 4-6, limits v1)"
)
JOB = ("EMP1001", "WO-1001", "LOT-BAR-261101", "155.0")  # a job at the saw, measured: PASS


def on_screen(app: KioskApp) -> str:
    """The terminal as the operator sees it, one line per row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def in_words(app: KioskApp) -> str:
    """The screen's text with its line breaks and panel borders undone (sentences wrap)."""
    rows = on_screen(app).replace("┃", " ").splitlines()
    return " ".join(" ".join(row.split()) for row in rows)


async def hold_arrives(
    app: KioskApp, target_type: str, target: str, reason: str, status: str = "open"
) -> None:
    """A feed page with one hold (placed or released), merged as the sync loop does."""
    cache = app.service.cache
    page = Feed(
        cursor=cache.cursor + 1,
        holds=[
            HoldRef(
                id=f"hold-{target}",
                target_type=target_type,
                target=target,
                reason=reason,
                source="spc",
                status=status,
            )
        ],
    )
    cache.apply_page(page)
    app.service.feed_merged(page)


async def hold_screen_up(app: KioskApp, pilot: Any) -> HoldScreen:
    await until(pilot, lambda: isinstance(app.screen, HoldScreen) and app.screen.ready)
    await pilot.pause()
    assert isinstance(app.screen, HoldScreen)
    return app.screen


def output_lot(app: KioskApp) -> str:
    job = app.service.state.job
    assert job is not None and job.output_lot
    return job.output_lot


async def test_the_whole_instruction_shows_and_only_the_keys_that_work(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for entry in JOB:
            await scan(app, pilot, entry)
        lot = output_lot(app)
        await hold_arrives(app, "lot", lot, SPC_REASON)
        await hold_screen_up(app, pilot)
        words = in_words(app)
        assert f"Lot {lot} is ON HOLD — DO NOT USE" in words
        assert f"Reason: {SPC_REASON}" in words  # the whole reason, wrapped
        assert "Press Enter to acknowledge. It stays on hold until quality disposes it." in words
        hints = on_screen(app).splitlines()[-1]
        assert "Enter: acknowledge" in hints and "#LOGOUT" in hints
        assert "#DONE" not in hints and "#CANCEL" not in hints
        # The verdict's "scan #DONE to complete" spoke of the prompt the hold replaced.
        assert "#DONE" not in words
        await pilot.press("f2")  # no defect list over the notice: it is answered first
        await pilot.pause()
        assert isinstance(app.screen, HoldScreen)
        await scan(app, pilot, "")
        assert isinstance(app.screen, JobScreen)
        assert f"{lot} stays ON HOLD until quality disposes it." in in_words(app)


async def test_station_on_hold_goes_away_when_quality_releases_it(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for entry in JOB:
            await scan(app, pilot, entry)
        await hold_arrives(app, "station", "L1-SAW", "coolant found on the saw table")
        await hold_screen_up(app, pilot)
        await scan(app, pilot, "#DONE")  # refused while held
        assert "Station is ON HOLD: coolant found on the saw table." in in_words(app)
        assert "#DONE" not in on_screen(app).splitlines()[-1]
        await hold_arrives(app, "station", "L1-SAW", "coolant found", status="released")
        await until(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen.ready)
        await pilot.pause()
        words = in_words(app)
        assert not isinstance(app.service.state.prompt, StationHeld)
        assert "ON HOLD" not in words
        assert "Quality released the station: work can go on." in words
        assert "#DONE: complete" in on_screen(app).splitlines()[-1]


async def test_a_station_released_over_a_held_lot_shows_the_lot_again(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for entry in JOB:
            await scan(app, pilot, entry)
        lot = output_lot(app)
        await hold_arrives(app, "lot", lot, "suspect saw blade")
        await hold_arrives(app, "station", "L1-SAW", "coolant found on the saw table")
        await until(pilot, lambda: isinstance(app.service.state.prompt, StationHeld))
        await hold_screen_up(app, pilot)
        await scan(app, pilot, "#DONE")
        await hold_arrives(app, "station", "L1-SAW", "coolant found", status="released")
        await until(pilot, lambda: f"Lot {lot} is ON HOLD — DO NOT USE" in in_words(app))
        words = in_words(app)
        assert "Station is ON HOLD" not in words and "stop work" not in words
        assert "Quality released the station." in words
        assert "Press Enter to acknowledge." in words


async def test_a_lot_released_before_its_notice_is_acknowledged(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for entry in JOB:
            await scan(app, pilot, entry)
        lot = output_lot(app)
        await hold_arrives(app, "lot", lot, "suspect saw blade")
        await hold_screen_up(app, pilot)
        await hold_arrives(app, "lot", lot, "suspect saw blade", status="released")
        await until(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen.ready)
        await pilot.pause()
        words = in_words(app)
        assert f"Lot {lot} is released from hold." in words and "ON HOLD" not in words


async def test_a_hold_arriving_as_the_kiosk_stops_draws_nothing_half_made(
    tmp_path: Path,
) -> None:
    """The feed brings a hold just as the kiosk shuts down: the hold screen is switched to
    while Textual no longer waits for its panels to compose. Drawing on it then raised
    NoMatches('BigText') and the kiosk stopped with an error."""
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for entry in JOB:
            await scan(app, pilot, entry)
        await hold_arrives(app, "lot", output_lot(app), "suspect saw blade")
        # no pause: the switch to the hold screen happens while the app shuts down
    assert isinstance(app.service.state.prompt, HoldNotice)
    assert app.return_code in (None, 0)
    app.service.close()


# --- snapshots at 80×24 (`pytest --snapshot-update` after a deliberate change) ------------


def after(app: KioskApp, hold: tuple[str, str | None, str], *entries: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        for entry in JOB:
            await scan(app, pilot, entry)
        target_type, target, reason = hold
        await hold_arrives(app, target_type, target or output_lot(app), reason)
        await hold_screen_up(app, pilot)
        for entry in entries:
            await scan(app, pilot, entry)
        await pilot.pause()

    return run_before


def test_snapshot_lot_hold_notice(snap_compare: Any, tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=after(app, ("lot", None, SPC_REASON)))


def test_snapshot_station_held_after_a_refused_entry(snap_compare: Any, tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    hold = ("station", "L1-SAW", "coolant contamination found on the saw table")
    assert snap_compare(app, terminal_size=SIZE, run_before=after(app, hold, "#DONE"))
