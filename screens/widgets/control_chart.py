"""A control chart in text: the last points, centre line and limits, for an 80×24 console.

``draw_chart`` is pure (values and limits in, lines of text out) so it is
tested without Textual. Only box-drawing and characters every Linux console
font has are used; meaning never depends on colour alone:

- ``UCL``/``CL``/``LCL`` rows are labelled and drawn with ``─``;
- ``•`` a point within the limits, ``X`` a point beyond them;
- the current (latest) point is ``■``, or ``▲``/``▼`` when it is above the UCL
  / below the LCL.

``ControlChart`` and ``SpcBanner`` are the widgets the measure screen shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from textual.content import Content
from textual.widget import Widget

from core.events.spc import SpcSignalRef
from core.flow.spc import PART_LABEL, ChartView, signal_banner, violation_words

POINT, BEYOND, NOW, NOW_ABOVE, NOW_BELOW, LINE = "•", "X", "■", "▲", "▼", "─"


def decimals_for(sigma: float) -> int:
    """Enough decimals to tell the lines apart (two significant digits of sigma), at most 6."""
    if not sigma > 0 or not math.isfinite(sigma):
        return 3
    return max(0, min(6, 1 - math.floor(math.log10(sigma))))


def _row(value: float, top: float, bottom: float, rows: int) -> int:
    if top <= bottom:
        return rows // 2
    at = (top - value) / (top - bottom) * (rows - 1)
    return max(0, min(rows - 1, math.floor(at + 0.5)))


def draw_chart(
    values: Sequence[float],
    *,
    center: float,
    lcl: float,
    ucl: float,
    width: int = 34,
    height: int = 8,
    title: str = "",
    decimals: int | None = None,
) -> list[str]:
    """The chart as ``height`` lines of exactly ``width`` characters; the last value is "now".

    Row 0 is the title and a legend; the rest plot the values (oldest left),
    scaled so the limits always show. Values far outside (beyond the limits
    by more than the centre-to-limit distance) sit on the edge row.
    """
    rows = max(3, height - 1)
    upper, lower = max(ucl - center, 1e-12), max(center - lcl, 1e-12)
    shown_values = [v for v in values if v is not None and math.isfinite(v)]
    clip_hi, clip_lo = ucl + upper, lcl - lower
    top = max([ucl, *(min(v, clip_hi) for v in shown_values)])
    bottom = min([lcl, *(max(v, clip_lo) for v in shown_values)])
    places = decimals if decimals is not None else decimals_for(min(upper, lower) / 3)
    labels = {
        _row(ucl, top, bottom, rows): f"UCL {ucl:.{places}f}",
        _row(center, top, bottom, rows): f"CL {center:.{places}f}",
        _row(lcl, top, bottom, rows): f"LCL {lcl:.{places}f}",
    }
    label_width = max(len(t) for t in labels.values())
    plot_width = max(4, width - label_width - 1)
    step = 2 if 2 * len(shown_values) <= plot_width else 1
    capacity = (plot_width + step - 1) // step
    recent = shown_values[-capacity:]
    grid = [[LINE if r in labels else " " for _ in range(plot_width)] for r in range(rows)]
    for i, value in enumerate(recent):
        current = i == len(recent) - 1
        above, below = value > ucl, value < lcl
        if current:
            mark = NOW_ABOVE if above else (NOW_BELOW if below else NOW)
        else:
            mark = BEYOND if (above or below) else POINT
        grid[_row(value, top, bottom, rows)][i * step] = mark
    legend = f"{NOW} now  {BEYOND} beyond"
    head = title[: max(0, width - len(legend) - 1)]
    lines = [f"{head}{' ' * (width - len(head) - len(legend))}{legend}"[:width]]
    for r in range(rows):
        label = labels.get(r, "")
        axis = "┤" if label else "│"
        lines.append(f"{label:>{label_width}}{axis}{''.join(grid[r])}"[:width].ljust(width))
    return lines


def chart_lines(view: ChartView, *, width: int = 34, height: int = 8) -> list[str]:
    """``draw_chart`` for what the station keeps of one characteristic's chart."""
    values: list[float] = []
    for point in view.points:
        part = point.part(view.part)
        if part is not None and part.value is not None:
            values.append(part.value)
    label = PART_LABEL.get(view.part, view.part)
    title = f"{label} chart" + (f" n={view.subgroup_size}" if view.subgroup_size > 1 else "")
    return draw_chart(
        values,
        center=view.center,
        lcl=view.lcl,
        ucl=view.ucl,
        width=width,
        height=height,
        title=title,
    )


def chart_words(view: ChartView) -> str:
    """The latest point in words: the rules that fired, or that it is in control."""
    latest = view.latest
    said: list[str] = []
    if latest is not None:
        if latest.violations:
            said.append(
                "; ".join(dict.fromkeys(violation_words(v, view.part) for v in latest.violations))
            )
        else:
            said.append(f"point {latest.index + 1} in control")
        if latest.local:
            said[-1] += " (charted here)"
    if view.subgroup_size > 1 and view.pending:
        said.append(f"subgroup {view.pending} of {view.subgroup_size} collected")
    if not said:
        said.append("no points on this chart yet")
    return "SPC: " + ". ".join(said) + "."


@runtime_checkable
class ChartSource(Protocol):
    """Where the screen finds SPC (the kiosk cache)."""

    def spc_chart(self, characteristic: str, work_order: str | None = None) -> ChartView | None: ...

    def open_spc_signals(self) -> list[SpcSignalRef]: ...


def _styled(line: str) -> Content:
    parts: list[str | tuple[str, str]] = []
    for ch in line:
        if ch in (BEYOND, NOW_ABOVE, NOW_BELOW):
            parts.append((ch, "bold $error"))
        elif ch == NOW:
            parts.append((ch, "bold $accent"))
        elif ch == LINE:
            parts.append((ch, "$text-muted"))
        else:
            parts.append(ch)
    return Content.assemble(*parts)


class ControlChart(Widget):
    """The chart of one characteristic (``show(None)`` hides it)."""

    DEFAULT_CSS = """
    ControlChart { width: 34; height: 8; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._lines: list[str] = []

    def show(self, view: ChartView | None) -> None:
        self.display = view is not None
        self._lines = [] if view is None else chart_lines(view, width=34, height=8)
        self.refresh()

    def render(self) -> Content:
        if not self._lines:
            return Content("")
        title, legend = self._lines[0], f"{NOW} now  {BEYOND} beyond"
        head = Content(title[: len(title) - len(legend)]) + _styled(title[-len(legend) :])
        return Content("\n").join([head, *(_styled(line) for line in self._lines[1:])])


class SpcBanner(Widget):
    """The open SPC signal at this station, until someone acknowledges it."""

    DEFAULT_CSS = """
    SpcBanner { height: auto; max-height: 2; width: 1fr; padding: 0 1;
                background: $error; color: ansi_bright_white; text-style: bold; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._text = ""

    def show(self, signals: Sequence[SpcSignalRef]) -> None:
        self.display = bool(signals)
        text = ""
        if signals:
            text = "⚠ " + signal_banner(signals[0])
            if len(signals) > 1:
                text += f" (+{len(signals) - 1} more)"
        if text != self._text:
            self._text = text
            self.refresh(layout=True)

    def render(self) -> Content:
        return Content(self._text)
