"""#TRACE at the kiosk: scan a lot, see its tree (a real server on loopback, or none at all).

The live test runs on SQLite and on PostgreSQL (``live_server``); the offline one
points the kiosk at a port nobody listens on; the snapshot draws a canned trace
at 80×24 with no server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.containers import VerticalScroll
from textual.widgets import Static

from core.flow.memory import feed_from_plant
from core.plant import load_plant
from core.trace_result import TraceResult
from kiosk.app import KioskApp, build_app
from kiosk.config import KioskConfig
from kiosk.lookup import OFFLINE, LookupFailed, StationTrace, fetch_trace
from screens.complete import CompleteScreen
from screens.home import HomeScreen
from screens.job import JobScreen
from screens.trace import TraceScreen, wrap_branch
from screens.widgets import MessageBar
from tests.conftest import DEMO_PLANT, LiveServer, free_port
from tests.kiosk.conftest import live_config, offline_app, scan, synced, until

SIZE = (80, 24)


def shown(app: KioskApp) -> str:
    """Everything the trace screen shows (the root panel and the whole tree, scrolled or not)."""
    screen = app.screen
    assert isinstance(screen, TraceScreen)
    return "\n".join(
        str(screen.query_one(f"#{name}", Static).render()) for name in ("trace-root", "trace-tree")
    )


def message(app: KioskApp) -> str:
    return str(app.screen.query_one(MessageBar).render())


async def traced(app: KioskApp, pilot: Any, lot: str) -> str:
    await scan(app, pilot, "#TRACE")
    assert isinstance(app.screen, TraceScreen) and not app.screen.has_class("-result")
    await scan(app, pilot, lot)
    await until(pilot, lambda: "WHAT WENT INTO IT" in shown(app))
    return shown(app)


async def test_trace_a_lot_made_here_and_the_bar_it_was_made_from(
    live_server: LiveServer, tmp_path: Path
) -> None:
    app = build_app(live_config(live_server, tmp_path, attach_devices=False))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.service.cache.ready)
        for entry in ("EMP1001", "WO-1001", "LOT-BAR-261101", "155.0", "#DONE", "48", ""):
            await scan(app, pilot, entry)
        assert isinstance(app.screen, CompleteScreen)
        output = app.service.state.last_completed.output_lot  # type: ignore[union-attr]
        await synced(app, pilot)

        backward = await traced(app, pilot, output)
        assert app.screen.has_class("-result")
        assert output in backward and "SHAFT-12" in backward and "qty 48" in backward
        assert "<- LOT-BAR-261101" in backward and "lot H58821" in backward
        assert "not used in any lot yet" in backward  # nothing was made from it yet
        await scan(app, pilot, "")  # Enter closes
        assert isinstance(app.screen, HomeScreen)
        assert message(app).startswith("› Trace closed.")

        forward = await traced(app, pilot, "LOT-BAR-261101")
        assert f"-> {output}" in forward and "BAR-C45-16" in forward
        assert "supplier SUP-STEEL lot H58821" in forward
        await scan(app, pilot, "#CANCEL")
        assert isinstance(app.screen, HomeScreen) and app.service.state.job is None

        await scan(app, pilot, "#TRACE")
        await scan(app, pilot, "LOT-NO-SUCH-LOT")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert "LOT-NO-SUCH-LOT is not known to the server" in message(app)

        await traced(app, pilot, output)
        await scan(app, pilot, "WO-1001")  # another scan closes the trace and counts
        assert isinstance(app.screen, JobScreen) and app.service.state.job is not None
        await synced(app, pilot)
        assert app.service.rejections() == []


def unreachable_app(data_dir: Path) -> KioskApp:
    """A syncing kiosk whose server URL is a free port nobody listens on."""
    config = KioskConfig(
        station_id="L1-SAW",
        server_url=f"http://127.0.0.1:{free_port()}",
        token="lst_unused",
        data_dir=data_dir,
        attach_devices=False,
    )
    app = build_app(config)
    app.service.cache.apply_page(feed_from_plant(load_plant(DEMO_PLANT), "L1-SAW"))
    return app


async def test_offline_the_trace_says_so_and_the_station_keeps_working(tmp_path: Path) -> None:
    app = unreachable_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for entry in ("EMP1001", "WO-1001", "#TRACE", "LOT-BAR-261101"):
            await scan(app, pilot, entry)
        await until(pilot, lambda: OFFLINE in message(app))
        assert isinstance(app.screen, JobScreen) and app.is_running
        await scan(app, pilot, "LOT-BAR-261101")  # the job goes on, offline
        assert app.service.state.job.materials[0].consumed == 8  # type: ignore[union-attr]
        assert [e.type for e in app.service.last.events] == ["LotConsumed"]  # type: ignore[union-attr]


# --- the screen at 80×24, on a canned trace ---------------------------------------------------

OUTPUT = "LOT-L1-SAW-261127-0001"
HOLD = {
    "id": "h-1",
    "target_type": "lot",
    "status": "open",
    "reason": "SHAFT-CUT-LEN 156.2 mm outside 154.5…155.5",
    "source": "reaction",
    "placed_by": "EMP1001",
    "placed_at": "2026-11-27T09:12:00Z",
    "released_at": None,
    "ncr": "NCR-0042",
}
SHAFT = {
    "lot": OUTPUT,
    "kind": "lot",
    "depth": 0,
    "part": "SHAFT-12",
    "part_description": "Drive shaft Ø12",
    "qty": 48,
    "initial_qty": 48,
    "status": "available",
    "origin": "job",
    "work_order": "WO-1001",
    "operation": 10,
    "station": "L1-SAW",
    "operator": "EMP1001",
    "started_at": "2026-11-27T09:02:00Z",
    "ended_at": "2026-11-27T09:40:00Z",
    "measurements": [
        {
            "characteristic": "SHAFT-CUT-LEN",
            "name": "Cut length",
            "unit": "mm",
            "n": 1,
            "fails": 1,
            "min": 156.2,
            "max": 156.2,
            "verdict": "fail",
        }
    ],
    "holds": [HOLD],
}


def _bar(lot: str, supplier_lot: str, left: float) -> dict[str, Any]:
    return {
        "kind": "lot",
        "lot": lot,
        "part": "BAR-C45-16",
        "part_description": "Steel bar C45 Ø16",
        "qty": left,
        "initial_qty": 120,
        "status": "available",
        "origin": "received",
        "supplier": "SUP-STEEL",
        "supplier_lot": supplier_lot,
        "created_at": "2026-11-20T07:30:00Z",
    }


def canned_trace() -> StationTrace:
    backward = {
        "root": OUTPUT,
        "direction": "backward",
        "depth_limit": None,
        "total": 3,
        "offset": 0,
        "limit": 1000,
        "deepest": 1,
        "cut_links": 0,
        "customers": [],
        "lots": [
            {
                **SHAFT,
                "links": [
                    {"lot": "LOT-BAR-261101", "qty": 6, "kind": "consume"},
                    {"lot": "LOT-BAR-261102", "qty": 2, "kind": "consume"},
                ],
                "links_total": 2,
            },
            {**_bar("LOT-BAR-261101", "H58821", 0), "depth": 1, "status": "consumed"},
            {**_bar("LOT-BAR-261102", "H58822", 118), "depth": 1},
        ],
    }
    turned = [
        {
            "lot": f"LOT-L1-TURN-261127-000{i}",
            "kind": "lot",
            "depth": 1,
            "part": "SHAFT-12",
            "qty": 24,
            "initial_qty": 24,
            "status": "available",
            "origin": "job",
            "work_order": "WO-1002",
            "operation": 20,
            "station": "L1-TURN",
            "operator": "EMP1002",
            "links": [{"lot": f"LOT-L2-PACK-261127-000{i}", "qty": 24, "kind": "consume"}]
            if i < 3
            else [],
            "links_total": 1 if i < 3 else 0,
        }
        for i in (1, 2, 3)
    ]
    packed = [
        {
            "lot": f"LOT-L2-PACK-261127-000{i}",
            "kind": "lot",
            "depth": 2,
            "part": "KIT-12",
            "qty": 0,
            "initial_qty": 24,
            "status": "shipped",
            "origin": "job",
            "work_order": "WO-2001",
            "operation": 10,
            "station": "L2-PACK",
            "shipments": [
                {
                    "id": i,
                    "lot": f"LOT-L2-PACK-261127-000{i}",
                    "qty": 24,
                    "customer": "ACME",
                    "customer_order": f"SO-50{i}",
                    "delivery_note": None,
                    "shipped_at": "2026-11-27T15:00:00Z",
                }
            ],
        }
        for i in (1, 2)
    ]
    forward = {
        "root": OUTPUT,
        "direction": "forward",
        "depth_limit": None,
        "total": 6,
        "offset": 0,
        "limit": 1000,
        "deepest": 2,
        "cut_links": 0,
        "customers": [
            {"customer": "ACME", "customer_order": "SO-501", "lots": 1, "qty": 24},
            {"customer": "ACME", "customer_order": "SO-502", "lots": 1, "qty": 24},
        ],
        "lots": [
            {
                **SHAFT,
                "links": [{"lot": t["lot"], "qty": 24, "kind": "consume"} for t in turned],
                "links_total": 3,
            },
            *turned,
            *packed,
        ],
    }
    return StationTrace(
        lot=OUTPUT,
        backward=TraceResult.model_validate(backward),
        forward=TraceResult.model_validate(forward),
    )


def canned_app(data_dir: Path) -> KioskApp:
    app = offline_app(data_dir)

    async def lookup(lot: str) -> StationTrace:
        assert lot == OUTPUT
        return canned_trace()

    app.trace_lookup = lookup
    return app


def driver(app: KioskApp, *entries: str) -> Callable[[Any], Awaitable[None]]:
    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        for entry in entries:
            await scan(app, pilot, entry)
        await app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


def test_trace_screen_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app = canned_app(tmp_path)
    run_before = driver(app, "EMP1001", "#TRACE", OUTPUT)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_trace_prompt_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app = canned_app(tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=driver(app, "EMP1001", "#TRACE"))


async def test_the_trace_scrolls_with_the_keyboard_and_closes_with_enter(tmp_path: Path) -> None:
    app = canned_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, "EMP1001")
        text = await traced(app, pilot, OUTPUT)
        assert "ON HOLD" in text and "NCR-0042" in text and "lot H58822" in text
        assert "shipped to ACME order SO-502: 1 lot, qty 24" in text
        await pilot.pause()
        scroll = app.screen.query_one("#trace-scroll", VerticalScroll)
        assert scroll.max_scroll_y > 0  # more than fits at 80×24
        await pilot.press("pagedown")
        assert scroll.scroll_y > 0
        await pilot.press("end")
        assert scroll.scroll_y == scroll.max_scroll_y
        await pilot.press("home", "down")
        assert scroll.scroll_y == 1
        await pilot.press("up")
        assert scroll.scroll_y == 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


def test_long_branches_wrap_under_their_own_branch() -> None:
    line = "│  ├─ 8 consume <- LOT-BAR-261101  BAR-C45-16  112/120  available  supplier SUP-STEEL"
    assert wrap_branch(line, 100) == [line]
    first, second = wrap_branch(line, 60)
    assert first.startswith("│  ├─ 8 consume") and len(first) <= 60
    assert second.startswith("│  │     ") and second[8:] in line


async def test_a_failing_lookup_is_told_and_never_stops_the_kiosk(tmp_path: Path) -> None:
    app = offline_app(tmp_path)

    async def broken(lot: str) -> StationTrace:
        raise RuntimeError("lookup bug")

    app.trace_lookup = broken
    async with app.run_test(size=SIZE) as pilot:
        for entry in ("EMP1001", "#TRACE", "LOT-BAR-261101"):
            await scan(app, pilot, entry)
        await until(pilot, lambda: "could not be shown: lookup bug" in message(app))
        assert app.is_running and isinstance(app.screen, HomeScreen)
        await scan(app, pilot, "WO-1001")
        assert isinstance(app.screen, JobScreen)


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (409, {"detail": "genealogy cycle: A -> B -> A"}, "could not trace LOT-A: genealogy cycle"),
        (401, {"detail": "unknown station token"}, "refused the trace: unknown station token"),
        (200, ["not", "a", "trace"], "unreadable trace of LOT-A"),
        (500, "oops", "could not trace LOT-A: HTTP 500"),
    ],
)
async def test_server_answers_become_words_for_the_operator(
    status: int, body: Any, said: str, tmp_path: Path
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer lst_t"
        assert request.url.path == "/api/v1/trace/LOT-A"
        return httpx.Response(status, json=body)

    config = KioskConfig(station_id="L1-SAW", server_url="http://kiosk.test", token="lst_t")
    with pytest.raises(LookupFailed, match=said):
        await fetch_trace(config, "LOT-A", transport=httpx.MockTransport(answer))
