"""Trace: ``#TRACE``, a lot, then its genealogy full screen — what went into it, where it went.

While ``TraceScanTarget`` is pending the screen asks for the lot like any other
prompt. After the scan (``TraceRequested``) it takes the whole screen: the lot
with part, quantity, status and holds on top, then both trees as
``lineside trace`` draws them, scrolled with the arrow keys and PageUp/PageDown.
Enter or ``#CANCEL`` closes it; any other scan closes it and is handled as usual.
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING, ClassVar, Protocol, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from core.flow.trace import TraceRequested, TraceScanTarget
from core.trace_text import branches
from kiosk.lookup import StationTrace
from screens.base import KioskScreen, KioskShell
from screens.numbers import plain as _q
from screens.view import KioskView
from screens.widgets import ScanInput

if TYPE_CHECKING:
    from core.trace_result import TraceNode, TraceResult

KEYS = "↑ ↓ PgUp PgDn: scroll   Enter or #CANCEL: close the trace"
_ELBOW = re.compile(r"^([│ ]*)(├─ |└─ )?")
Piece = str | tuple[str, str]


class TraceShell(KioskShell, Protocol):
    def close_trace(self) -> None: ...


def _root_node(trace: StationTrace) -> TraceNode | None:
    for result in (trace.backward, trace.forward):
        for node in result.lots:
            if node.lot == result.root:
                return node
    return None


def root_summary(trace: StationTrace) -> Content:
    """The traced lot: part, quantity, status, where it came from, its open holds."""
    node = _root_node(trace)
    if node is None or node.kind == "unknown":
        return Content.assemble(
            ("TRACE ", "bold $accent"),
            (f" {trace.lot} ", "bold reverse"),
            "  named in the genealogy, but no lot record exists",
        )
    desc = f" {node.part_description}" if node.part_description else ""
    parts: list[Piece] = [
        ("TRACE ", "bold $accent"),
        (f" {node.lot} ", "bold reverse"),
        (f"  {node.part or '?'}", "bold"),
        desc,
        "\n",
    ]
    facts: list[Piece] = []
    if node.kind == "serial":
        facts.append(f"serial in {node.in_lot}")
    elif node.qty is not None:
        of = f" of {_q(node.initial_qty)}" if node.initial_qty not in (None, node.qty) else ""
        facts.append(f"qty {_q(node.qty)}{of}")
    status = (node.status or "").replace("_", " ")
    facts.append((status.upper(), "bold $error") if node.on_hold else status)
    if node.work_order:
        facts.append(f"made by {node.work_order} op {node.operation} at {node.station or '?'}")
    elif node.supplier_lot:
        facts.append(f"supplier {node.supplier or '?'} lot {node.supplier_lot}")
    elif node.origin:
        facts.append(node.origin)
    for i, fact in enumerate(f for f in facts if f):
        parts += [(" · ", "dim")] if i else []
        parts.append(fact)
    open_holds = [h for h in node.holds if h.status == "open"]
    for hold in open_holds[:2]:
        ncr = f" ({hold.ncr})" if hold.ncr else ""
        parts += ["\n", ("ON HOLD: ", "bold reverse $error"), (f" {hold.reason}{ncr}", "bold")]
    if len(open_holds) > 2:
        parts += ["\n", (f"… and {len(open_holds) - 2} more holds", "bold $error")]
    if not open_holds:
        parts += ["\n", ("no open hold", "dim")]
    return Content.assemble(*parts)


def wrap_branch(line: str, width: int) -> list[str]:
    """A tree line cut to ``width``, continued under its own branch so the tree stays legible."""
    if len(line) <= width:
        return [line]
    match = _ELBOW.match(line)
    lead, elbow = (match.group(1), match.group(2) or "") if match else ("", "")
    carry = "│  " if elbow.startswith("├") else "   " if elbow else ""
    indent = (lead + carry + "   ")[: max(0, width // 2)]
    return textwrap.wrap(
        line, width, subsequent_indent=indent, break_on_hyphens=False, drop_whitespace=True
    ) or [line[:width]]


def _section(title: str, result: TraceResult, empty: str, width: int, lot: str) -> list[Piece]:
    others = max(0, result.total - 1)
    levels = "level" if result.deepest == 1 else "levels"
    size = f"  {others} lot{'s' if others != 1 else ''}, {result.deepest} {levels}"
    parts: list[Piece] = [(title, "bold $accent"), (size if others else "", "dim")]
    tree = branches(result)
    if not tree:
        parts += ["\n", (f"  {empty}", "dim")]
    for line in tree:
        held = "  HOLD: " in line or "  ON_HOLD" in line
        for piece in wrap_branch(line, width):
            parts += ["\n", (piece, "bold $error") if held else piece]
    shown = result.offset + len(result.lots)
    if result.truncated:
        parts += ["\n", (f"… {result.total - shown} more lots: lineside trace {lot}", "dim")]
    if not result.complete:
        parts += ["\n", (f"… it goes on beyond {result.total} lots", "dim")]
    for c in result.customers:
        parts += [
            "\n",
            f"shipped to {c.customer} order {c.customer_order}: "
            f"{c.lots} lot{'s' if c.lots != 1 else ''}, qty {_q(c.qty)}",
        ]
    return parts


def trace_body(trace: StationTrace, width: int) -> Content:
    """Both trees under each other, lines wrapped to ``width``."""
    node = _root_node(trace)
    received = node is not None and node.supplier_lot and not node.work_order
    backward_empty = (
        "nothing recorded: received from the supplier" if received else "no lot went into it"
    )
    parts = _section("WHAT WENT INTO IT", trace.backward, backward_empty, width, trace.lot)
    parts += ["\n\n"]
    parts += _section("WHERE IT WENT", trace.forward, "not used in any lot yet", width, trace.lot)
    return Content.assemble(*parts)


class TraceScreen(KioskScreen):
    screen_name = "trace"
    BINDINGS: ClassVar = [
        Binding("up", "scroll_trace('up')", "Scroll up", show=False, id="trace.up"),
        Binding("down", "scroll_trace('down')", "Scroll down", show=False, id="trace.down"),
        Binding("pageup", "scroll_trace('page_up')", "Page up", show=False, id="trace.page_up"),
        Binding(
            "pagedown", "scroll_trace('page_down')", "Page down", show=False, id="trace.page_down"
        ),
        Binding("home", "scroll_trace('home')", "Top", show=False, id="trace.home"),
        Binding("end", "scroll_trace('end')", "Bottom", show=False, id="trace.end"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._request: TraceRequested | None = None
        self._trace: StationTrace | None = None
        self._drawn: tuple[object, ...] | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="trace-ask", classes="panel")
        yield Static(id="trace-root")
        with VerticalScroll(id="trace-scroll", can_focus=False):
            yield Static(id="trace-tree")

    # --- what the app tells it -----------------------------------------------------------

    def show_trace(self, request: TraceRequested, trace: StationTrace) -> None:
        """The server answered ``request``: draw it (now, or when the screen is mounted)."""
        self._request, self._trace = request, trace
        if self.is_mounted:
            self.show(self.shell.current_view())

    def _showing(self, view: KioskView) -> TraceRequested | None:
        return next((a for a in view.actions if isinstance(a, TraceRequested)), None)

    # --- drawing ---------------------------------------------------------------------------

    def show(self, view: KioskView) -> None:
        super().show(view)
        if self.has_class("-result"):
            self.query_one("#hints", Static).update(KEYS)

    def show_body(self, view: KioskView) -> None:
        asking = isinstance(view.state.prompt, TraceScanTarget)
        request = None if asking else self._showing(view)
        self.set_class(request is not None, "-result")
        self.query_one("#trace-ask", Static).display = request is None
        self.query_one("#trace-root", Static).display = request is not None
        self.query_one("#trace-scroll").display = request is not None
        if request is None:
            self.query_one("#trace-ask", Static).update(
                Content.assemble(
                    ("Scan the lot or serial number to trace", "bold"),
                    ": what went into it, down to the supplier lots, and where it went.",
                )
            )
            return
        trace = self._trace if self._request is request else None
        width = max(20, (self.size.width or self.app.size.width) - 3)
        key = (request, trace, width)
        if key == self._drawn:
            return  # redrawn on every tick otherwise, and the scroll position would jump
        self._drawn = key
        root = self.query_one("#trace-root", Static)
        tree = self.query_one("#trace-tree", Static)
        if trace is None:
            root.update(
                Content.assemble(
                    ("TRACE ", "bold $accent"),
                    (f" {request.lot} ", "bold reverse"),
                    "\n",
                    ("Asking the server…", "dim"),
                )
            )
            tree.update("")
        else:
            root.update(root_summary(trace))
            tree.update(trace_body(trace, width))
        self.query_one("#trace-scroll", VerticalScroll).scroll_home(animate=False)

    def on_resize(self) -> None:
        if self.is_mounted and self.has_class("-result"):
            self._drawn = None
            self.show(self.shell.current_view())

    # --- keys ------------------------------------------------------------------------------

    def action_scroll_trace(self, how: str) -> None:
        scroll = self.query_one("#trace-scroll", VerticalScroll)
        {
            "up": scroll.scroll_up,
            "down": scroll.scroll_down,
            "page_up": scroll.scroll_page_up,
            "page_down": scroll.scroll_page_down,
            "home": scroll.scroll_home,
            "end": scroll.scroll_end,
        }[how](animate=False)

    @on(ScanInput.Submitted)
    def _trace_entered(self, event: ScanInput.Submitted) -> None:
        if not self.has_class("-result"):
            return  # asking for the lot: the flow takes the entry (the frame's handler)
        event.stop()
        event.prevent_default()
        if event.value.strip().upper() in ("", "#CANCEL"):
            cast(TraceShell, self.app).close_trace()
        else:
            self.shell.submit_entry(event.value)
