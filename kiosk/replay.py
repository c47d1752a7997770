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
unreachable), 3 when the server refused an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from typing import IO, Any

from core.flow import Action, RecordEvent, StationState
from kiosk.config import KioskConfig
from kiosk.outbox import OutboxEvent
from kiosk.service import EntryOutcome, StationService
from kiosk.wording import describe_event


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


async def _lines(source: IO[str] | Iterable[str]) -> Any:
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


async def replay(
    config: KioskConfig,
    source: IO[str] | Iterable[str],
    out: IO[str],
    timeout: float = 30.0,
    service: StationService | None = None,
) -> int:
    """Run every entry of ``source`` through the station flow; see the module doc."""
    own = service is None
    service = service or StationService.open(config)
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
        steps = 0
        async for line in _lines(source):
            outcome = service.handle_entry(line.rstrip("\r\n"), source="replay")
            _emit(out, step_record(outcome))
            steps += 1
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
        if not drained:
            summary["error"] = (
                f"{queued} events still queued after {timeout:g} s: {service.status().last_error}"
            )
        _emit(out, summary)
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
