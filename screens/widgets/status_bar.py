"""``StatusBar``: station, operator, device trouble, online/offline since, events waiting, clock."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.widgets import Static

from core.flow import StationState
from core.permissions import role_name
from kiosk.service import DeviceLine, StationStatus


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


def _device_style(line: DeviceLine) -> str:
    return "bold reverse $error" if line.level == "error" else "bold $warning"


def devices_content(lines: tuple[DeviceLine, ...], room: int | None = None) -> Content:
    """Device trouble, worst first: every line when it fits in ``room`` cells, else the
    first one (cut to fit) and how many more; F6 lists them all."""
    if not lines:
        return Content("")
    full = Content.assemble(*((f" ⚠ {line.text} ", _device_style(line)) for line in lines))
    if room is None or full.cell_length <= room:
        return full
    more = f"+{len(lines) - 1} " if len(lines) > 1 else ""
    text = f" ⚠ {lines[0].text}"
    keep = max(4, room - len(more) - 1)
    if len(text) > keep:
        text = text[: keep - 1] + "…"
    return Content.assemble((f"{text} ", _device_style(lines[0])), (more, "bold"))


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; width: 1fr; background: $panel; }
    """

    def show(self, state: StationState, status: StationStatus, now: datetime) -> None:
        local = now
        width = max(20, self.size.width or 80)
        name = f" {status.station_name}" if status.station_name else ""
        left = Content.assemble((f" {status.station_id} ", "bold reverse"), name)
        op = state.operator
        who = Content(f"{op.name} · {role_name(op.role)}" if op else "nobody logged in")
        link = Content.assemble(link_content(status, local), (f" {local:%H:%M} ", "bold"))
        devices = devices_content(status.devices)

        def gap() -> int:
            used = left.cell_length + who.cell_length + devices.cell_length + link.cell_length
            return width - used

        if gap() < 2:  # too narrow: drop the station name first
            left = Content.assemble((f" {status.station_id} ", "bold reverse"))
        if gap() < 2 and op is not None:  # then the operator's role
            who = Content(op.name)
        if gap() < 2 and status.devices:  # then shorten the device trouble
            room = width - left.cell_length - who.cell_length - link.cell_length - 2
            devices = devices_content(status.devices, room)
        right = Content.assemble(devices, link)
        space = gap()
        line = Content.assemble(
            left, " " * max(1, space // 2), who, " " * max(1, space - space // 2), right
        )
        self.update(line.truncate(width))
