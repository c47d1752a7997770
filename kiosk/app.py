"""The station kiosk: a locked-down, keyboard-only Textual app around ``StationService``.

``build_app(config)`` is the one factory (tests, the demo and the CLI share
it); ``run_kiosk(...)`` runs it in the terminal. Operators cannot quit it, open
a command palette or reach anything but the scan line.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from pathlib import Path

from textual import events
from textual.app import App, ScreenStackError
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from core.flow import Action, Flow, OperatorMessage, Prompt
from core.flow.station import STATION_FLOW
from core.flow.trace import TraceRequested
from hardware.scanners.wedge import ENTER_KEYS
from kiosk.config import KioskConfig
from kiosk.devices import StationHardware
from kiosk.lookup import LookupFailed, StationTrace, fetch_trace
from kiosk.service import EntryOutcome, StationService
from kiosk.wording import released
from screens.base import KioskScreen
from screens.defect_picker import DefectPicker
from screens.hints import demo_hint
from screens.registry import SCREENS, STYLESHEET
from screens.rejections import RejectionScreen, refusals_from
from screens.trace import TraceScreen
from screens.view import KioskView, screen_for
from screens.widgets import ScanInput

log = logging.getLogger(__name__)

#: Young objects are collected this often once start-up is done (CPython's default: 700).
#: Not the server's 20,000: a collection walks what survived since the last one, and a
#: kiosk cares for the longest pause in a scan (3,000: a few ms; 20,000: about 15).
GC_YOUNG_THRESHOLD = 3_000


@dataclass
class ServiceChanged(Message):
    """The service changed something in the background (sync, rejections, feed)."""

    what: str


class KioskApp(App[int]):
    CSS_PATH = STYLESHEET
    TITLE = "lineside kiosk"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit_kiosk", show=False, priority=True),
        Binding("ctrl+c", "quit_kiosk", show=False, priority=True),
        Binding("ctrl+p", "nothing", show=False, priority=True),
        Binding("f4", "read_gauge", show=False),
        Binding("f5", "reprint", show=False),
        Binding("f6", "devices", show=False),
    ]

    def __init__(
        self, service: StationService, config: KioskConfig, theme: str = "ansi-dark"
    ) -> None:
        super().__init__()
        self.service = service
        self.config = config
        self._theme_name = theme
        self._actions: tuple[Action, ...] = ()
        #: The kind of prompt the last entry left; a background change of kind ends its actions.
        self._actions_prompt: type | None = None
        #: The prompt the app last saw (entry or background change), and the entry whose
        #: message a background change of prompt made stale (a refusal on a held station).
        self._known_prompt: Prompt = service.state.prompt
        self._stale: EntryOutcome | None = None
        self._current: str | None = None
        self._rejections: RejectionScreen | None = None
        self._shown_seqs: list[int] = []
        self._wedge_timer: Timer | None = None
        #: Codes the wedge decoder called scans, and when, until their line is submitted.
        self._wedge_scans: deque[tuple[str, float]] = deque()
        service.subscribe(self._service_changed)
        #: How a trace is fetched (tests put a fake here); see ``_trace``.
        self.trace_lookup: Callable[[str], Awaitable[StationTrace]] = partial(fetch_trace, config)
        #: Freeze what start-up loaded and collect young objects less often (see ``_settle_gc``).
        self.settle_gc = True
        self._gc_before: tuple[int, int, int] | None = None
        self._trace_request: TraceRequested | None = None
        self._trace_worker: Worker[None] | None = None
        service.on_action(TraceRequested, self._trace_requested)
        self.hardware = StationHardware(
            service,
            config,
            deliver=self.call_later,
            on_outcome=self._show_outcome,
            on_change=self._route,
        )

    # --- start -----------------------------------------------------------------------

    def on_mount(self) -> None:
        self.theme = self._theme_name
        for name, cls in SCREENS.items():
            self.install_screen(cls(), name)
        self._route()
        self.set_interval(1.0, self._tick)
        self._start_sync()
        self._check_rejections()
        if self.config.devices_attached:
            self.hardware.start()
        self.call_after_refresh(self._settle_gc)

    def _settle_gc(self) -> None:
        """Once the first screen is drawn: what start-up loaded (Textual, the cache, the
        screens) stays, so full collections no longer walk it in the middle of a scan."""
        if not self.settle_gc or self._gc_before is not None:
            return
        self._gc_before = gc.get_threshold()
        gc.collect()
        gc.freeze()
        _, middle, old = self._gc_before
        gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)

    async def on_unmount(self) -> None:
        await self.hardware.stop()
        if self._gc_before is not None:  # as it was: an app in a test run is not the last one
            gc.unfreeze()
            gc.set_threshold(*self._gc_before)
            self._gc_before = None

    def _start_sync(self) -> None:
        if self.service.sync is not None:
            self.run_worker(self.service.sync.run(), name="sync", group="sync", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name == "sync" and event.state == WorkerState.ERROR:
            log.error("sync stopped: %s; restarting", event.worker.error)
            self.set_timer(2.0, self._start_sync)
        if event.worker is self._trace_worker and event.state == WorkerState.ERROR:
            log.error("trace failed: %r", event.worker.error)
            request = self._trace_request
            if request is not None:
                self._trace_failed(request, f"The trace could not be shown: {event.worker.error}")

    # --- the view --------------------------------------------------------------------

    def current_view(self) -> KioskView:
        service = self.service
        state = service.state
        last = service.last if service.last is not self._stale else None
        message = service.notice or (last.message if last else None)
        if message is None and not service.cache.ready:
            message = OperatorMessage.warn("Waiting for the first data from the server…")
        return KioskView(
            state=state,
            prompt=state.prompt.describe(state),
            message=message,
            actions=self._actions,
            status=replace(service.status(), devices=self.hardware.alerts()),
            reference=service.cache,
            now=self.config.clock().astimezone(
                self.config.display_tz or service.cache.plant_zone()
            ),
            demo_hint=demo_hint(state, service.cache) if self.config.demo_hints else "",
        )

    def _active_screen(self) -> object | None:
        try:
            return self.screen
        except ScreenStackError:  # shutting down
            return None

    def _route(self) -> None:
        """Show the screen the state calls for, drawn from the current view."""
        active = self._active_screen()
        if active is None or isinstance(active, ModalScreen):
            return  # nothing to draw on, or redrawn when the modal closes
        view = self.current_view()
        name = screen_for(view)
        if name != self._current:
            if self._current is None:
                self.push_screen(name)
            else:
                self.switch_screen(name)
            self._current = name
        screen = self.get_screen(name)
        if isinstance(screen, KioskScreen) and screen.is_mounted:
            screen.show(view)

    # --- KioskShell (what screens call) ----------------------------------------------

    def submit_entry(self, text: str, source: str | None = None) -> None:
        """Run a line through the flow; ``source`` None: a scan if the wedge said so."""
        source = source or self._entry_source(text)
        self._show_outcome(self.service.handle_entry(text, source=source))

    def _show_outcome(self, outcome: EntryOutcome) -> None:
        self._actions = outcome.actions
        self._actions_prompt = type(self.service.state.prompt)
        self._known_prompt = self.service.state.prompt
        self._route()

    def open_defect_list(self) -> None:
        def picked(code: str | None) -> None:
            if code:
                self.submit_entry(code)
            else:
                self._route()

        self.push_screen(DefectPicker(self.service.cache.defect_codes()), picked)

    # --- devices ---------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._wedge_key(event)
        await super().on_event(event)

    def _wedge_key(self, event: events.Key) -> None:
        """Show a key to the keyboard-wedge decoder on its way to the scan line.

        The key still goes to the scan line as before (nothing is held back, so the
        line and the flow see keys in the order they came). When the decoder calls a
        burst a scan, its code is noted; the line's submission that ends with it is
        then handled with source "scanner" (``submit_entry``). Only an operator
        screen's scan line is watched; modals read their own input.
        """
        wedge = self.hardware.wedge
        line = self.focused
        if wedge is None or not isinstance(line, ScanInput):
            return
        if not isinstance(self.screen, KioskScreen):
            return
        # event.time is time.monotonic() when the key was read, not when it is handled
        result = wedge.key(event.key, event.character, event.time)
        wedge.scans.drain()  # taken from the result here; the feed would only fill up
        self._arm_wedge_flush()
        if result.scan is not None:
            self._wedge_scanned(line, result.scan.code, ended=event.key in ENTER_KEYS)

    def _wedge_scanned(self, line: ScanInput, code: str, ended: bool) -> None:
        self._wedge_scans.append((code, time.monotonic()))
        if not ended:  # a scanner that sends no Enter: end its line as if it had
            line.post_message(events.Key("enter", "\r"))

    def _entry_source(self, text: str) -> str:
        """The source of a submitted line: "scanner" when a wedge scan ended it, else "keyboard"."""
        stale = time.monotonic() - 10.0
        while self._wedge_scans and self._wedge_scans[0][1] < stale:
            self._wedge_scans.popleft()  # its line never came (a modal took it)
        if self._wedge_scans and text.endswith(self._wedge_scans[0][0]):
            self._wedge_scans.popleft()
            return "scanner"
        return "keyboard"

    def _arm_wedge_flush(self) -> None:
        # only a scanner set to send no Enter needs the silence after a burst noticed
        if self._wedge_timer is not None:
            self._wedge_timer.stop()
            self._wedge_timer = None
        wedge = self.hardware.wedge
        if wedge is None or wedge.decoder.require_enter or wedge.decoder.deadline is None:
            return
        wait = max(0.0, wedge.decoder.deadline - time.monotonic()) + 0.002
        self._wedge_timer = self.set_timer(wait, self._wedge_flush)

    def _wedge_flush(self) -> None:
        self._wedge_timer = None
        wedge = self.hardware.wedge
        if wedge is None:
            return
        result = wedge.flush(time.monotonic())
        wedge.scans.drain()
        line = self.focused
        if (
            result.scan is not None
            and isinstance(line, ScanInput)
            and isinstance(self.screen, KioskScreen)
        ):
            self._wedge_scanned(line, result.scan.code, ended=False)
        else:
            self._arm_wedge_flush()

    def action_read_gauge(self) -> None:
        """F4: ask the gauges that read on request for a reading now."""
        self.hardware.tell(self.hardware.read_gauges())

    def action_reprint(self) -> None:
        """F5: try the printer again now, or print the last ticket again."""
        self.hardware.tell(self.hardware.reprint())

    def action_devices(self) -> None:
        """F6: every device's state and the tickets waiting."""
        self.hardware.tell(self.hardware.report())

    # --- #TRACE: the server's answer on the trace screen ------------------------------

    def _trace_requested(self, action: Action) -> None:
        assert isinstance(action, TraceRequested)
        self._trace_request = action
        self._trace_worker = self.run_worker(
            self._trace(action), name="trace", group="trace", exclusive=True, exit_on_error=False
        )

    async def _trace(self, request: TraceRequested) -> None:
        try:
            trace = await self.trace_lookup(request.lot)
        except LookupFailed as exc:
            self._trace_failed(request, str(exc))
            return
        if request is self._trace_request and self._showing(request):
            screen = self.get_screen(TraceScreen.screen_name)
            assert isinstance(screen, TraceScreen)
            screen.show_trace(request, trace)

    def _showing(self, request: TraceRequested) -> bool:
        return any(a is request for a in self._actions)  # else the operator has moved on

    def _trace_failed(self, request: TraceRequested, text: str) -> None:
        if request is not self._trace_request or not self._showing(request):
            log.info("trace of %s not shown: %s", request.lot, text)
            return
        self._trace_request = None
        self._actions = ()
        self.service.notice = OperatorMessage.warn(text)
        self._route()

    def close_trace(self) -> None:
        """Enter or #CANCEL on the trace: back to what the station was asking."""
        self.workers.cancel_group(self, "trace")
        self._trace_request = None
        self._actions = ()
        state = self.service.state
        self.service.notice = OperatorMessage.info(
            f"Trace closed. {state.prompt.describe(state).detail}"
        )
        self._route()

    # --- background changes ----------------------------------------------------------

    def _service_changed(self, what: str) -> None:
        self.post_message(ServiceChanged(what))

    def on_service_changed(self, message: ServiceChanged) -> None:
        if message.what == "rejections":
            self._check_rejections()
        if message.what == "state" and (
            self.service.notice is not None
            or type(self.service.state.prompt) is not self._actions_prompt
        ):
            # A background change (refusal, idle, a hold that just arrived) replaces the last
            # verdict: the screen follows the new kind of prompt instead of the finished entry.
            # (The server's copy of a hold the entry itself placed changes nothing: same kind.)
            self._actions = ()
        if message.what == "state":
            self._prompt_changed_in_background()
        self._route()

    def _prompt_changed_in_background(self) -> None:
        """A new kind of prompt without an entry: the last entry's message spoke of the one
        left ("Station is ON HOLD", "scan #DONE"), so it goes; a released hold says so."""
        service = self.service
        before, after = self._known_prompt, service.state.prompt
        self._known_prompt = after
        if type(before) is type(after) or service.notice is not None:
            return
        self._stale = service.last
        service.notice = released(before, after, service.cache)

    def _tick(self) -> None:
        outcome = self.service.tick()
        if outcome is not None:
            self._show_outcome(outcome)
            return
        active = self._active_screen()
        if isinstance(active, KioskScreen):
            active.show_status(self.current_view())

    def _check_rejections(self) -> None:
        refused = self.service.rejections()
        if not refused:
            return
        self._shown_seqs = [e.seq for e in refused]
        if self._rejections is not None:
            self._rejections.show_refusals(refusals_from(list(refused)))
            return
        self._rejections = RejectionScreen(refusals_from(list(refused)))
        self.push_screen(self._rejections, self._acknowledged)

    def _acknowledged(self, _read: bool | None) -> None:
        self.service.acknowledge_rejections(self._shown_seqs)
        self._rejections = None
        self._route()
        self._check_rejections()  # more may have arrived while it was open

    # --- locked down -----------------------------------------------------------------

    def action_quit_kiosk(self) -> None:
        if self.config.allow_quit:
            self.exit(0)
            return
        self.service.notice = OperatorMessage.warn(
            "This station stays open all shift: it cannot be closed here."
        )
        self._route()

    def action_nothing(self) -> None:
        pass


def build_app(config: KioskConfig, flow: Flow = STATION_FLOW, theme: str = "ansi-dark") -> KioskApp:
    """The kiosk app over the station's data folder (tests, demo and CLI share this)."""
    service = StationService.open(config, flow)
    return KioskApp(service, config, theme=theme)


def _log_to_file(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(data_dir / "kiosk.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def run_kiosk(
    station_id: str,
    server_url: str,
    token: str | None = None,
    data_dir: Path | None = None,
    demo_hints: bool = False,
    idle_timeout: timedelta | None = timedelta(minutes=15),
    allow_quit: bool | None = None,
    fake_devices: bool = False,
) -> int:
    """Run the kiosk in this terminal until it is stopped; returns the exit code."""
    config = KioskConfig(
        station_id=station_id,
        server_url=server_url,
        token=token,
        data_dir=data_dir,
        demo_hints=demo_hints,
        idle_timeout=idle_timeout,
        allow_quit=demo_hints if allow_quit is None else allow_quit,
        # The demo's in-process server waits for open long polls when it stops: keep them short.
        feed_wait_s=2.0 if demo_hints else 25.0,
        fake_devices=fake_devices,
    )
    _log_to_file(config.resolved_data_dir)
    app = build_app(config)
    try:
        result = app.run()
    finally:
        app.service.close()
    return int(result or 0)
