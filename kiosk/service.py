"""The station service: the flow, the outbox and the cache, tied together.

``handle_entry`` is the one door for scans, typed lines and device readings:
it runs the flow step, writes the events and the new state to the outbox
(durably) *before* returning, lays the station's own consumption over the
cache, carries out the other actions through registered handlers and wakes
the sync loop. Screens and the headless replay both call it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from core import events as ev
from core.flow import (
    DEFAULT_FLOW,  # noqa: F401  (kept importable from here)
    Action,
    Entry,
    Flow,
    FlowContext,
    OperatorMessage,
    Reading,
    RecordEvent,
    StationState,
    StepResult,
    initial_state,
    resume,
    server_rejected,
    tick,
)
from core.flow.persist import StateFormatError, state_from_json, state_to_json
from core.flow.station import STATION_FLOW
from core.reference import Feed
from kiosk.cache import StationCache
from kiosk.config import KioskConfig
from kiosk.outbox import Answer, Outbox, OutboxEvent
from kiosk.sync import LinkState, SyncClient

log = logging.getLogger(__name__)

ActionHandler = Callable[[Action], None]
#: What changed, for screens to redraw: "state", "link", "rejections", "reference".
Listener = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class EntryOutcome:
    """One handled entry: the flow's result and the events it wrote to the outbox."""

    entry: str
    result: StepResult
    events: tuple[ev.Event, ...] = ()

    @property
    def state(self) -> StationState:
        return self.result.state

    @property
    def message(self) -> OperatorMessage:
        return self.result.message

    @property
    def actions(self) -> tuple[Action, ...]:
        return self.result.actions


@dataclass(frozen=True, slots=True)
class DeviceLine:
    """One device problem for the status bar ("printer: offline, 2 queued")."""

    text: str
    level: Literal["warn", "error"] = "warn"


@dataclass(frozen=True, slots=True)
class StationStatus:
    """What the status bar shows."""

    station_id: str
    station_name: str
    online: bool | None
    since: datetime | None
    queued: int
    rejected: int
    last_error: str | None
    reference_ready: bool
    #: Device problems, worst first (filled in by the app from its ``StationHardware``).
    devices: tuple[DeviceLine, ...] = ()


@dataclass(slots=True)
class _Handlers:
    actions: dict[type[Action], list[ActionHandler]] = field(default_factory=dict)
    listeners: list[Listener] = field(default_factory=list)


class StationService:
    """Flow + outbox + cache (+ sync when networked). Single-threaded: call from one loop."""

    def __init__(
        self,
        config: KioskConfig,
        outbox: Outbox,
        cache: StationCache,
        flow: Flow = STATION_FLOW,
    ) -> None:
        self.config = config
        self.outbox = outbox
        self.cache = cache
        self.flow = flow
        self.ctx = FlowContext(
            station_id=config.station_id,
            reference=cache,
            clock=config.clock,
            idle_timeout=config.idle_timeout,
        )
        self._handlers = _Handlers()
        self.sync: SyncClient | None = None
        self.last: EntryOutcome | None = None
        self.notice: OperatorMessage | None = (
            None  # a message not caused by an entry (rejection, idle)
        )
        self.state = self._restore()
        for e in outbox.pending(limit=1_000_000):
            if e.type == "LotConsumed":
                cache.note_consumed(e.id, str(e.payload.get("lot")), float(e.payload.get("qty", 0)))
            elif e.type == "SpcSignalAcknowledged":
                cache.note_acknowledging(e.id, str(e.payload.get("signal_id")))

    @classmethod
    def open(cls, config: KioskConfig, flow: Flow = STATION_FLOW) -> StationService:
        """Open (or create) the station's outbox and cache under its data folder."""
        data = Path(config.resolved_data_dir)
        outbox = Outbox(data / "outbox.sqlite3", config.station_id)
        cache = StationCache(data / "cache.sqlite3", config.station_id)
        service = cls(config, outbox, cache, flow)
        if config.sync:
            service.sync = SyncClient(config, outbox, cache, service)
        return service

    def close(self) -> None:
        self.outbox.close()
        self.cache.close()

    def _restore(self) -> StationState:
        stored = self.outbox.load_state()
        if stored:
            try:
                state = state_from_json(stored)
                if state.station_id == self.config.station_id:
                    return resume(state, self.ctx, self.flow)
            except StateFormatError as exc:
                log.warning("starting from a fresh state: %s", exc)
        return initial_state(self.config.station_id)

    # --- extension points ------------------------------------------------------------

    def on_action(self, kind: type[Action], handler: ActionHandler) -> None:
        """Carry out actions of ``kind`` (printing, holds, line stop) with ``handler``."""
        self._handlers.actions.setdefault(kind, []).append(handler)

    def subscribe(self, listener: Listener) -> None:
        self._handlers.listeners.append(listener)

    def _notify(self, what: str) -> None:
        for listener in list(self._handlers.listeners):
            try:
                listener(what)
            except Exception:
                log.exception("listener failed on %s", what)

    # --- entries ---------------------------------------------------------------------

    def handle_entry(self, entry: str | Entry | Reading, source: str = "keyboard") -> EntryOutcome:
        """Run one entry through the flow; events are on disk when this returns."""
        if isinstance(entry, str):
            entry = Entry(entry, source)  # type: ignore[arg-type]
        shown = entry.text if isinstance(entry, Entry) else f"{entry.value:g} {entry.unit}".strip()
        try:
            result = self.flow.step(self.state, entry, self.ctx)
        except Exception as exc:  # a flow bug must not take the station down
            log.exception("flow step failed on %r", shown)
            result = StepResult(
                state=self.state,
                message=OperatorMessage.error(
                    f"Internal error ({exc}): nothing was recorded. Scan again."
                ),
            )
        outcome = self._apply(shown, result)
        self.notice = None
        self.last = outcome
        self._notify("state")
        return outcome

    def tick(self) -> EntryOutcome | None:
        """Call about once a second: logs the operator out after the idle timeout."""
        result = tick(self.state, self.ctx, self.flow)
        if result is None:
            return None
        outcome = self._apply("", result)
        self.notice = result.message
        self._notify("state")
        return outcome

    def _apply(self, shown: str, result: StepResult) -> EntryOutcome:
        records = [a for a in result.actions if isinstance(a, RecordEvent)]
        try:
            events = self.outbox.record(records, state_to_json(result.state))
        except Exception as exc:
            log.exception("outbox write failed")
            failed = StepResult(
                state=self.state,
                message=OperatorMessage.error(
                    f"Cannot save ({exc}): nothing was recorded. Call maintenance."
                ),
            )
            return EntryOutcome(entry=shown, result=failed)
        self.state = result.state
        for event in events:
            if event.type == "LotConsumed":
                self.cache.note_consumed(
                    str(event.id), str(event.payload["lot"]), float(event.payload["qty"])
                )
            # a measurement joins its SPC chart here at once (the server's point replaces it)
            job = result.state.job
            self.cache.note_recorded(event, job.work_order if job is not None else None)
        for action in result.actions:
            if isinstance(action, RecordEvent):
                continue
            for handler in self._handlers.actions.get(type(action), []):
                try:
                    handler(action)
                except Exception:  # a printer jam must not undo a recorded step
                    log.exception("action handler failed for %r", action)
        if events and self.sync is not None:
            self.sync.kick()
        return EntryOutcome(entry=shown, result=result, events=tuple(events))

    def record_device_event(
        self, payload: ev.Payload, occurred_at: datetime | None = None
    ) -> tuple[ev.Event, ...]:
        """Record a fact a device reported (machine state, parts counted) without a flow step.

        The event carries the logged-in operator (if any) and is on disk when this
        returns; the flow state is not touched. A failed write is logged, never raised.
        """
        who = self.state.operator.badge if self.state.operator else None
        record = RecordEvent(
            payload=payload, operator_id=who, occurred_at=occurred_at or self.config.clock()
        )
        try:
            events = self.outbox.record([record])
        except Exception:
            log.exception("outbox write failed for %s", type(payload).__name__)
            return ()
        if self.sync is not None:
            self.sync.kick()
        return tuple(events)

    # --- rejections ------------------------------------------------------------------

    def rejections(self) -> list[OutboxEvent]:
        """Events the server refused that the operator has not acknowledged yet."""
        return self.outbox.unacknowledged()

    def acknowledge_rejections(self, seqs: list[int] | None = None) -> int:
        """The operator has read these refusals (all when ``seqs`` is None)."""
        count = self.outbox.acknowledge(seqs)
        if count:
            self._notify("rejections")
        return count

    # --- SyncHooks -------------------------------------------------------------------

    def answered(self, answers: list[Answer]) -> None:
        rejected = self.outbox.answer(answers)
        for a in answers:
            self.cache.note_answered(a.id, a.status != "rejected", a.outcome)
        changed = False
        for event in rejected:
            result = server_rejected(
                self.state, event.type, event.payload, event.reason or "", self.ctx, self.flow
            )
            if result is not None:
                self.state = result.state
                self.notice = result.message
                changed = True
        if changed:
            self.outbox.save_state(state_to_json(self.state))
            self._notify("state")
        if rejected:
            self._notify("rejections")
        self._notify("link")

    def feed_merged(self, page: Feed) -> None:
        self._refresh_prompt()
        self._notify("reference")

    def _refresh_prompt(self) -> None:
        """Reference data changed (a hold arrived, a plan changed): ask again what is due now,
        unless the operator is in the middle of something."""
        from core.flow.quality import forget_synced_holds

        state = forget_synced_holds(self.state, self.ctx, self.outbox.pending_count() == 0)
        # a characteristic the operator picked to measure again is also something half done
        if not state.prompt.modal and not getattr(state.prompt, "chosen", False):
            state = replace(state, prompt=self.flow.next_prompt(state, self.ctx))
        if state != self.state:
            self.state = state
            self.outbox.save_state(state_to_json(state))
            self._notify("state")

    def link_changed(self, link: LinkState) -> None:
        self._notify("link")

    # --- status ----------------------------------------------------------------------

    def status(self) -> StationStatus:
        link = self.sync.link if self.sync else LinkState(online=False, last_error="sync is off")
        station = self.cache.station()
        return StationStatus(
            station_id=self.config.station_id,
            station_name=station.name if station else "",
            online=link.online,
            since=link.since,
            queued=self.outbox.pending_count(),
            rejected=len(self.outbox.unacknowledged()),
            last_error=link.last_error,
            reference_ready=self.cache.ready,
        )
