"""SPC at the station: the acknowledgement flow, the measure screen at 80×24, and end to end.

The end-to-end test freezes limits for SHAFT-DIA (X-bar R, n = 5, mu 12.000,
sigma 0.002 from standards: 2-sigma line of the mean 12.00179, UCL 12.00268)
through the admin API, runs a job at L1-TURN whose last two subgroups average
12.0022 (z = 2.46), so Western Electric rule 2 ("2 of 3 points more than 2
sigma above the centre line") fires at the third point, and acknowledges the
signal at the kiosk with a supervisor's badge.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from core import events as ev
from core.events.spc import SpcSignalAcknowledged, SpcSignalRef
from core.flow import FlowContext, StationState, StepResult, initial_state
from core.flow.memory import MemoryReference, feed_from_plant
from core.flow.quality import HoldNotice
from core.flow.spc import AcknowledgeSpcSignal, with_spc
from core.flow.state import ScanWorkOrder
from core.flow.station import STATION_FLOW
from core.flow.step import DEFAULT_FLOW
from core.plant import load_plant
from core.reference import Feed
from kiosk.app import KioskApp, build_app
from screens.hold_notice import HoldScreen
from screens.measure import MeasureScreen
from screens.widgets import VerdictPanel
from screens.widgets.control_chart import ControlChart, SpcBanner
from server.models_spc import SpcSignalRow
from tests.conftest import DEMO_PLANT, LiveServer
from tests.kiosk.conftest import FIXED_NOW, live_config, offline_app, rows, scan, synced, until
from tests.kiosk.test_control_chart import limits_ref

PLANT = load_plant(DEMO_PLANT)
WE_2 = "2 of 3 points more than 2 sigma above the centre line"


def signal(**kw: Any) -> SpcSignalRef:
    fields: dict[str, Any] = {
        "id": str(uuid.UUID(int=77)),
        "characteristic": "SHAFT-DIA",
        "station_id": "L1-TURN",
        "point": 9,
        "rules": ["we-2"],
        "message": "SPC signal on SHAFT-DIA (Bearing seat diameter (turned)) at L1-TURN: "
        f"we-2: {WE_2} (xbar)",
        "limits_version": 1,
        "suspect_from": 10,
        "at": FIXED_NOW,
    }
    return SpcSignalRef(**{**fields, **kw})


# --- the flow, no kiosk ---------------------------------------------------------------------


class SignalsReference(MemoryReference):
    """The demo plant at L1-TURN plus the station's SPC signals, as the kiosk cache gives them."""

    def __init__(self) -> None:
        super().__init__("L1-TURN")
        self.apply_feed(feed_from_plant(PLANT, "L1-TURN"))
        self.signals: list[SpcSignalRef] = []

    def open_spc_signals(self) -> list[SpcSignalRef]:
        return [s for s in self.signals if s.acknowledged_at is None]


@dataclass
class Station:
    ref: SignalsReference = field(default_factory=SignalsReference)
    now: datetime = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    state: StationState = field(default_factory=lambda: initial_state("L1-TURN"))
    flow: Any = field(default_factory=lambda: with_spc(DEFAULT_FLOW))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def scan(self, *entries: str) -> StepResult:
        result = None
        ctx = FlowContext(
            station_id="L1-TURN",
            reference=self.ref,
            clock=lambda: self.now,
            new_id=lambda: uuid.UUID(int=next(self._ids)),
            idle_timeout=None,
        )
        for entry in entries:
            result = self.flow.step(self.state, entry, ctx)
            self.state = result.state
            self.now += timedelta(seconds=5)
        assert result is not None
        return result


def test_the_station_flow_has_the_extension_once() -> None:
    assert AcknowledgeSpcSignal in STATION_FLOW.prompt_handlers
    assert with_spc(STATION_FLOW) is STATION_FLOW


def test_an_operator_is_not_asked_a_supervisor_is() -> None:
    station = Station()
    station.ref.signals = [signal()]
    station.scan("EMP1001")
    assert isinstance(station.state.prompt, ScanWorkOrder)  # operators only see the banner
    result = station.scan("EMP1009")
    prompt = station.state.prompt
    assert isinstance(prompt, AcknowledgeSpcSignal)
    assert (prompt.signal_id, prompt.characteristic, prompt.words) == (
        signal().id,
        "SHAFT-DIA",
        WE_2,
    )
    assert prompt.describe(station.state).headline == "SPC SIGNAL"
    assert "cause found and the action taken" in result.message.text


def test_the_note_is_checked_then_recorded_by_the_supervisor() -> None:
    station = Station()
    station.ref.signals = [signal()]
    station.scan("EMP1009")
    for bad, words in (
        ("ok", "assignable cause"),
        ("12.004", "looks like a measurement"),
        ("", ""),
    ):
        result = station.scan(bad)
        assert result.refused or not bad, (bad, result.message)
        assert words in result.message.text and result.payloads == []
        assert isinstance(station.state.prompt, AcknowledgeSpcSignal)
    result = station.scan("Insert worn: replaced, offset corrected")
    [payload] = result.payloads
    assert isinstance(payload, SpcSignalAcknowledged)
    assert (str(payload.signal_id), payload.note) == (
        signal().id,
        "Insert worn: replaced, offset corrected",
    )
    [record] = [a for a in result.actions if hasattr(a, "payload")]
    assert record.operator_id == "EMP1009"  # type: ignore[attr-defined]
    assert "acknowledged" in result.message.text and isinstance(station.state.prompt, ScanWorkOrder)
    # the cache has not heard back yet: the signal is still listed, but not asked again
    station.scan("#LOGOUT", "EMP1009")
    assert isinstance(station.state.prompt, ScanWorkOrder)


def test_later_means_at_the_next_login_and_scans_still_work() -> None:
    station = Station()
    station.ref.signals = [signal()]
    station.scan("EMP1009")
    result = station.scan("#CANCEL")
    assert result.payloads == [] and "left open" in result.message.text
    assert isinstance(station.state.prompt, ScanWorkOrder)
    station.scan("WO-1001")  # works as usual
    assert station.state.job is not None and station.state.prompt.kind == "enter_measurement"
    station.scan("#LOGOUT", "EMP1009")
    assert isinstance(station.state.prompt, AcknowledgeSpcSignal)  # asked again
    for code in ("WO-1002", "SHAFT-DIA"):  # a scan (or what to measure) is never a note
        result = station.scan(code)
        assert result.payloads == [], code
        station.scan("#LOGOUT", "EMP1009")
        assert isinstance(station.state.prompt, AcknowledgeSpcSignal)
    station.ref.signals = [signal(acknowledged_at=FIXED_NOW, acknowledged_by="EMP1010")]
    result = station.scan("tool changed")  # acknowledged elsewhere meanwhile
    assert result.payloads == [] and "already acknowledged" in result.message.text


def test_no_signals_or_no_support_changes_nothing() -> None:
    station = Station()
    station.scan("EMP1009")
    assert isinstance(station.state.prompt, ScanWorkOrder)
    plain = Station(ref=SignalsReference())
    plain.ref.signals = [signal(station_id="L1-GRIND")]  # another station's signal
    plain.scan("EMP1010")
    assert isinstance(plain.state.prompt, ScanWorkOrder)


# --- the measure screen at 80×24 -------------------------------------------------------------

HISTORY_SEED = 3  # numpy default_rng (PCG64): the same in-control history every run


def spc_app(data_dir: Path) -> KioskApp:
    """An offline kiosk at L1-TURN with frozen limits, ten in-control subgroups and a signal."""
    app = offline_app(data_dir, station="L1-TURN")
    cache = app.service.cache
    cache.apply_page(
        Feed(cursor=cache.cursor + 1, spc_limits=[limits_ref(rev=50)], spc_signals=[signal()])
    )
    rng = np.random.default_rng(HISTORY_SEED)
    for value in np.round(12.0 + 0.002 * rng.standard_normal(50), 4):
        payload = ev.MeasurementRecorded(
            job_id=uuid.UUID(int=1), characteristic="SHAFT-DIA", value=float(value), unit="mm"
        )
        cache.note_recorded(
            ev.make_event(payload, station_id="L1-TURN", seq=1, occurred_at=FIXED_NOW), "WO-0999"
        )
    return app


TRIP = ["12.0025", "12.0021", "12.0024", "12.0026", "12.0023"] + ["12.0022"] * 5


def entries_to_trip() -> list[str]:
    out = ["EMP1001", "WO-1001", TRIP[0]]
    for value in TRIP[1:]:
        out += ["SHAFT-DIA", value]
    return out


def driver(app: KioskApp, entries: list[str]) -> Callable[[Any], Awaitable[None]]:
    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        for entry in entries:
            await scan(app, pilot, entry)
        await pilot.pause()

    return run_before


def test_measure_screen_with_chart_violation_and_signal(snap_compare: Any, tmp_path: Path) -> None:
    app = spc_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=driver(app, entries_to_trip()))


def test_supervisor_note_prompt_beside_the_chart(snap_compare: Any, tmp_path: Path) -> None:
    app = spc_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=driver(app, ["EMP1009"]))


async def test_chart_words_and_banner_on_screen(tmp_path: Path) -> None:
    app = spc_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for entry in entries_to_trip():
            await scan(app, pilot, entry)
        screen = app.screen
        assert isinstance(screen, MeasureScreen)
        chart = screen.query_one(ControlChart)
        assert chart.display and screen.query_one(VerdictPanel).has_class("-pass")
        drawn = str(chart.render())
        assert "UCL 12.00268" in drawn and "LCL 11.99732" in drawn and "■" in drawn
        assert WE_2 in str(screen.query_one("#measure-spc").render())
        banner = screen.query_one(SpcBanner)
        assert banner.display and "supervisor must acknowledge" in str(banner.render())
        await scan(app, pilot, "SHAFT-LEN")  # no limits for it: no chart, the list is back
        await scan(app, pilot, "150.01")
        assert not screen.query_one(ControlChart).display
        assert screen.query_one("#measure-characteristics").display


# --- end to end: a real server on SQLite and PostgreSQL ----------------------------------------


async def test_a_signal_at_the_lathe_is_shown_and_acknowledged(
    live_server: LiveServer, tmp_path: Path
) -> None:
    frozen = httpx.post(
        f"{live_server.url}/api/v1/spc/SHAFT-DIA/limits",
        json={
            "badge": "EMP1010",
            "reason": "initial study",
            "method": "standard",
            "center": 12.0,
            "sigma": 0.002,
        },
        headers=live_server.headers(),
        timeout=10,
    )
    assert frozen.status_code == 201, frozen.text
    assert frozen.json()["frozen"]["chart"] == "xbar-r"
    # Devices off: this is about SPC (and typed entries must not meet the wedge decoder's timing).
    app = build_app(live_config(live_server, tmp_path, station="L1-TURN", attach_devices=False))
    async with app.run_test(size=(80, 24)) as pilot:
        cache = app.service.cache
        await until(pilot, lambda: cache.spc_limits("SHAFT-DIA") is not None)
        values = ["12.0"] * 5 + ["12.0022"] * 10
        await scan(app, pilot, "EMP1001")
        await scan(app, pilot, "WO-1002")
        for value in values:
            await scan(app, pilot, "SHAFT-DIA")
            await scan(app, pilot, value)
            assert app.service.last.message.text.startswith("PASS: Bearing seat")  # type: ignore[union-attr]
        await synced(app, pilot)
        await until(pilot, lambda: cache.open_spc_signals())
        # The signal holds the lot being made (the suspect range). Its notice shows as soon as the
        # hold reaches the station, or at the next entry if the operator was mid-measurement;
        # a scan made while it is up acknowledges it. Wait for the hold, then acknowledge it if
        # it is still up, so the rest does not depend on when the hold arrived.
        output_lot = app.service.state.job.output_lot  # type: ignore[union-attr]
        await until(pilot, lambda: cache.open_holds("lot", output_lot))
        if isinstance(app.service.state.prompt, HoldNotice):
            await until(pilot, lambda: isinstance(app.screen, HoldScreen))
            assert output_lot in str(app.screen.query_one("#hold-detail").render())
            await scan(app, pilot, "")
        assert not isinstance(app.service.state.prompt, HoldNotice)

        def server_points() -> list[bool] | None:
            view = cache.spc_chart("SHAFT-DIA", "WO-1002")
            return None if view is None else [p.local for p in view.points]

        # the server's points replace the ones drawn locally once its answers are in
        await until(pilot, lambda: server_points() == [False, False, False])
        # The screen redraws on the next refresh after the feed page: wait for it, not a fixed pause.
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, MeasureScreen)
                and "SPC signal on SHAFT-DIA" in str(app.screen.query_one(SpcBanner).render())
            ),
        )
        banner = str(app.screen.query_one(SpcBanner).render())
        assert (
            f"SPC signal on SHAFT-DIA: {WE_2}" in banner and "supervisor must acknowledge" in banner
        )
        assert app.service.state.operator.role == "operator"  # type: ignore[union-attr]
        assert not isinstance(app.service.state.prompt, AcknowledgeSpcSignal)
        # The supervisor comes to the station and acknowledges it with a note, beside its chart.
        await scan(app, pilot, "EMP1009")
        prompt = app.service.state.prompt
        assert isinstance(prompt, AcknowledgeSpcSignal) and isinstance(app.screen, MeasureScreen)
        screen = app.screen
        await until(pilot, lambda: screen.query_one(ControlChart).display)
        assert "UCL 12.00268" in str(screen.query_one(ControlChart).render())
        assert f"SPC signal: {WE_2}." in str(screen.query_one("#measure-spc").render())
        await scan(app, pilot, "Insert worn: replaced, tool offset corrected")
        await synced(app, pilot)
        await until(pilot, lambda: cache.open_spc_signals() == [])
        await until(pilot, lambda: not screen.query_one(SpcBanner).display)
        assert app.screen is screen and app.service.rejections() == []
    [row] = rows(live_server, SpcSignalRow, SpcSignalRow.continues.is_(None))
    assert (row.id, row.characteristic, row.station_id, row.rules) == (
        prompt.signal_id,
        "SHAFT-DIA",
        "L1-TURN",
        ["we-2"],
    )
    assert (row.acknowledged_by, row.note) == (
        "EMP1009",
        "Insert worn: replaced, tool offset corrected",
    )
