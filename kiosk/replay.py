"""Headless replay: scans from a file through the same flow, one JSON line per step.

``lineside kiosk --station ID --server URL --replay FILE`` (``-`` for stdin)
is how scripted tests, load tests and floor rehearsals drive a station.
Each input line is one scan or typed entry (the trailing newline is dropped;
an empty line is Enter on its own). Output, one JSON object per line:

- ``{"entry", "prompt", "state", "message", "events", "actions"}`` per step;
- ``{"refusal": {...}}`` for each event the server rejected;
- a last ``{"done": true, "drained": bool, "queued": n, ...}``.

Exit code 0 when the outbox drained, 1 when events were still queued at the
timeout, 2 when the station has no reference data (never synced, server
unreachable), 3 when the server refused an event, 4 when a line could not be
recorded (the terminal's disk is full): the replay stops at that line.

Resuming: each step stores how many lines of the script it has consumed (and
a SHA-256 of them) in the outbox, in the same transaction as the step's events
and state. A replay started again on the same data folder with a script whose
first N lines are the N lines already recorded (the same file after a crash or
a power cut) skips them, restores the exact state (a half-typed quantity
included) and carries on at line N+1; it prints ``{"resume": {...}}`` first.
Any other script (or ``resume=False``) starts at line 1. The server may come
and go meanwhile: the sync loop retries until the outbox drains or ``timeout``
seconds after the last line.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict, dataclass, is_dataclass
from typing import IO, Any

from core.flow import Action, RecordEvent, StationState
from core.flow.persist import StateFormatError, state_from_json
from kiosk.config import KioskConfig
from kiosk.outbox import DISK_FULL_MESSAGE, Outbox, OutboxEvent
from kiosk.service import EntryOutcome, StationService
from kiosk.wording import describe_event

log = logging.getLogger(__name__)

POSITION_KEY = "replay"  # outbox meta: how far the replay got in its script
EXIT_NOT_RECORDED = 4


@dataclass(frozen=True, slots=True)
class ReplayPosition:
    """Lines of the script consumed so far, and a SHA-256 over them (which script it was)."""

    lines: int
    digest: str

    def to_json(self) -> str:
        return json.dumps({"lines": self.lines, "sha256": self.digest})

    @classmethod
    def from_json(cls, text: str | None) -> ReplayPosition | None:
        try:
            data = json.loads(text or "")
            return cls(lines=int(data["lines"]), digest=str(data["sha256"]))
        except (ValueError, KeyError, TypeError):
            return None


def stored_position(outbox: Outbox) -> ReplayPosition | None:
    """Where the last replay on this data folder got to (None: never replayed)."""
    return ReplayPosition.from_json(outbox.meta(POSITION_KEY))


def _entry(line: str) -> str:
    return line.rstrip("\r\n")


def _digest_update(digest: Any, entry: str) -> None:
    digest.update(entry.encode("utf-8", "surrogateescape") + b"\n")


def state_summary(state: StationState) -> dict[str, Any]:
    job = state.job
    return {
        "operator": state.operator.badge if state.operator else None,
        "job": None
        if job is None
        else {
            "job_id": str(job.job_id),
            "work_order": job.work_order,
            "operation": job.operation,
            "material": {m.part: [m.consumed, m.required] for m in job.materials},
            "measured": {c.id: c.last_verdict for c in job.characteristics},
            "defects": [[d.code, d.qty] for d in job.defects],
        },
        "last_output_lot": state.last_completed.output_lot if state.last_completed else None,
    }


def _action(action: Action) -> dict[str, Any]:
    data: dict[str, Any] = {"action": type(action).__name__}
    if is_dataclass(action):
        data.update(json.loads(json.dumps(asdict(action), default=str)))
    return data


def step_record(outcome: EntryOutcome) -> dict[str, Any]:
    state = outcome.state
    prompt = state.prompt
    return {
        "entry": outcome.entry,
        "prompt": {"kind": prompt.kind, **json.loads(json.dumps(asdict(prompt), default=str))},
        "state": state_summary(state),
        "message": {"level": outcome.message.level, "text": outcome.message.text},
        "events": [
            {"seq": e.seq, "id": str(e.id), "type": e.type, "payload": e.payload}
            for e in outcome.events
        ],
        "actions": [_action(a) for a in outcome.actions if not isinstance(a, RecordEvent)],
    }


def refusal_record(event: OutboxEvent) -> dict[str, Any]:
    return {
        "refusal": {
            "seq": event.seq,
            "type": event.type,
            "what": describe_event(event.type, event.payload),
            "reason": event.reason,
        }
    }


def _emit(out: IO[str], record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()


async def _lines(source: IO[str] | Iterable[str]) -> AsyncIterator[str]:
    """Lines from a file or stdin without blocking the event loop (stdin may be slow)."""
    if not hasattr(source, "readline"):
        for line in source:
            yield line
        return
    while True:
        line = await asyncio.to_thread(source.readline)  # type: ignore[union-attr]
        if not line:
            return
        yield line


async def _skip_recorded(
    service: StationService,
    lines: AsyncIterator[str],
    stored: ReplayPosition | None,
    state_json: str | None,
) -> tuple[int, Any, list[str]]:
    """Skip the lines an earlier replay on this data folder already recorded from this script.

    Returns (lines skipped, digest of the lines skipped, lines read ahead still to be fed)."""
    digest = hashlib.sha256()
    if stored is None or stored.lines <= 0:
        return 0, digest, []
    head: list[str] = []
    async for line in lines:
        head.append(_entry(line))
        _digest_update(digest, head[-1])
        if len(head) == stored.lines:
            break
    if len(head) == stored.lines and digest.hexdigest() == stored.digest:
        try:
            if state_json:
                # Exactly where it was: the service drops half-done prompts on start,
                # but the script's next line answers the prompt that was pending.
                service.state = state_from_json(state_json)
        except StateFormatError as exc:
            log.warning("replay resumes from the restored state: %s", exc)
        return stored.lines, digest, []
    return 0, hashlib.sha256(), head  # another script: a new replay from line 1


async def replay(
    config: KioskConfig,
    source: IO[str] | Iterable[str],
    out: IO[str],
    timeout: float = 30.0,
    service: StationService | None = None,
    resume: bool = True,
) -> int:
    """Run every entry of ``source`` through the station flow; see the module doc."""
    own = service is None
    service = service or StationService.open(config)
    # Read before the sync loops start: a feed page may save the state again.
    stored = stored_position(service.outbox) if resume else None
    stored_state = service.outbox.load_state()
    sync_task = asyncio.create_task(service.sync.run()) if service.sync else None
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not service.cache.ready and loop.time() < deadline:
            await asyncio.sleep(0.02)
        if not service.cache.ready:
            error = service.status().last_error or "no answer"
            _emit(
                out,
                {
                    "done": True,
                    "error": f"no reference data: {error}",
                    "drained": False,
                    "queued": service.outbox.pending_count(),
                },
            )
            return 2
        lines = aiter(_lines(source))
        stopped: str | None = None
        skipped, digest, read_ahead = await _skip_recorded(service, lines, stored, stored_state)
        if skipped:
            _emit(out, {"resume": {"skipped": skipped, "prompt": service.state.prompt.kind}})
        position, steps = skipped, 0

        async def entries() -> AsyncIterator[str]:
            for entry in read_ahead:
                yield entry
            async for line in lines:
                yield _entry(line)

        async for entry in entries():
            _digest_update(digest, entry)
            mark = ReplayPosition(position + 1, digest.hexdigest())
            with service.outbox.carrying(**{POSITION_KEY: mark.to_json()}) as carried:
                outcome = service.handle_entry(entry, source="replay")
            _emit(out, step_record(outcome))
            if not carried.written:  # nothing of this line is on disk: stop here
                why = DISK_FULL_MESSAGE if service.outbox.full else outcome.message.text
                stopped = f"line {mark.lines} was not recorded. {why}"
                break
            position, steps = mark.lines, steps + 1
            await asyncio.sleep(0)  # let the sync loops run between steps
        drained = (
            await service.sync.drain(timeout)
            if service.sync
            else service.outbox.pending_count() == 0
        )
        refused = service.rejections()
        for event in refused:
            _emit(out, refusal_record(event))
        queued = service.outbox.pending_count()
        summary: dict[str, Any] = {
            "done": True,
            "steps": steps,
            "drained": drained,
            "queued": queued,
            "refused": len(refused),
            "prompt": service.state.prompt.kind,
        }
        if skipped:
            summary["skipped"] = skipped
        if stopped is not None:
            summary["error"] = stopped
            summary["line"] = position + 1
        elif not drained:
            summary["error"] = (
                f"{queued} events still queued after {timeout:g} s: {service.status().last_error}"
            )
        _emit(out, summary)
        if stopped is not None:
            return EXIT_NOT_RECORDED
        if not drained:
            return 1
        return 3 if refused else 0
    finally:
        if sync_task is not None:
            sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sync_task
        if own:
            service.close()
