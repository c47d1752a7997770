"""``StatusBar``: station, operator, online/offline since, events waiting, clock."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.widgets import Static

from core.flow import StationState
from kiosk.service import StationStatus


def link_content(status: StationStatus, local: datetime) -> Content:
    parts: list[str | tuple[str, str]] = []
    if status.online is None:
        parts.append((" ◌ CONNECTING ", "bold"))
    elif status.online:
        parts.append((" ● ONLINE ", "bold $success"))
    else:
        since = f" since {status.since.astimezone(local.tzinfo):%H:%M}" if status.since else ""
        parts.append((f" ○ OFFLINE{since} ", "bold reverse $warning"))
    if status.queued:
        parts.append(f" {status.queued} waiting ")
    if status.rejected:
        parts.append((f" ⚠ {status.rejected} refused ", "bold reverse $error"))
    return Content.assemble(*parts)


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; width: 1fr; background: $panel; }
    """

    def show(self, state: StationState, status: StationStatus, now: datetime) -> None:
        local = now
        name = f" {status.station_name}" if status.station_name else ""
        left = Content.assemble((f" {status.station_id} ", "bold reverse"), name)
        op = state.operator
        who = Content(f"{op.name} · {op.role.replace('_', ' ')}" if op else "nobody logged in")
        right = Content.assemble(link_content(status, local), (f" {local:%H:%M} ", "bold"))
        width = max(20, self.size.width or 80)
        gap = width - left.cell_length - who.cell_length - right.cell_length
        if gap < 2:  # too narrow: drop the station name first
            left = Content.assemble((f" {status.station_id} ", "bold reverse"))
            gap = width - left.cell_length - who.cell_length - right.cell_length
        line = Content.assemble(
            left, " " * max(1, gap // 2), who, " " * max(1, gap - gap // 2), right
        )
        self.update(line.truncate(width))
