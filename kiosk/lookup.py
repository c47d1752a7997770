"""Asking the server about a lot on the operator's behalf: its trace, both ways.

``fetch_trace(config, lot)`` calls ``GET /api/v1/trace/{lot}`` backward and forward
with the station's token and returns both pages. Every failure becomes a
``LookupFailed`` whose text is meant for the operator; nothing here touches the
outbox or the flow, so a failed lookup never stops the station.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from core.trace_result import TraceResult
from kiosk.config import KioskConfig

log = logging.getLogger(__name__)

OFFLINE = "Tracing needs the server: the station is offline."
#: A trace is one query on the server (tens of ms); longer means the link is in trouble.
TRACE_TIMEOUT = httpx.Timeout(15.0, connect=3.0)
TRACE_LIMIT = 1000


class LookupFailed(Exception):
    """The server could not answer; ``str(exc)`` says why, for the operator."""


@dataclass(frozen=True, slots=True)
class StationTrace:
    """A lot's genealogy as the kiosk shows it: what went into it, and where it went."""

    lot: str
    backward: TraceResult
    forward: TraceResult


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if isinstance(detail, str) else f"HTTP {response.status_code}"


async def _get(client: httpx.AsyncClient, lot: str, direction: str) -> dict[str, Any]:
    try:
        response = await client.get(
            f"/api/v1/trace/{quote(lot, safe='')}",
            params={"direction": direction, "limit": TRACE_LIMIT},
        )
    except httpx.HTTPError as exc:  # refused, unreachable, timed out, reset
        log.info("trace of %s: %s", lot, exc)
        raise LookupFailed(OFFLINE) from exc
    if response.status_code == 404:
        raise LookupFailed(f"{lot} is not known to the server: nothing to trace.")
    if response.status_code in (401, 403):
        raise LookupFailed(f"The server refused the trace: {_detail(response)}.")
    if response.status_code != 200:
        raise LookupFailed(f"The server could not trace {lot}: {_detail(response)}.")
    try:
        body = response.json()
    except ValueError as exc:
        raise LookupFailed(f"The server sent an unreadable trace of {lot}.") from exc
    if not isinstance(body, dict):
        raise LookupFailed(f"The server sent an unreadable trace of {lot}.")
    return body


def _parse(lot: str, backward: dict[str, Any], forward: dict[str, Any]) -> StationTrace:
    try:
        return StationTrace(
            lot=lot,
            backward=TraceResult.model_validate(backward),
            forward=TraceResult.model_validate(forward),
        )
    except ValidationError as exc:
        raise LookupFailed(f"The server sent an unreadable trace of {lot}.") from exc


async def fetch_trace(
    config: KioskConfig, lot: str, transport: httpx.AsyncBaseTransport | None = None
) -> StationTrace:
    """Both directions of ``lot``'s trace; raises ``LookupFailed`` with a reason to show."""
    headers = {"User-Agent": f"lineside-kiosk/{config.station_id}"}
    token = config.resolved_token
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(
        base_url=config.base_url, headers=headers, timeout=TRACE_TIMEOUT, transport=transport
    ) as client:
        backward = await _get(client, lot, "backward")
        forward = await _get(client, lot, "forward")
    return await asyncio.to_thread(_parse, lot, backward, forward)
