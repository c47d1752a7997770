"""``VerdictPanel``: PASS or FAIL, big and coloured, with value, limits and unit."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from core.flow import ShowVerdict
from screens.numbers import NO_LIMITS, limits, plain
from screens.widgets.big_text import BigText


class VerdictPanel(Vertical):
    DEFAULT_CSS = """
    VerdictPanel { height: 5; width: 1fr; padding: 0 1; display: none; }
    VerdictPanel.-pass { display: block; background: $success; color: ansi_black; }
    VerdictPanel.-fail { display: block; background: $error; color: ansi_bright_white; }
    VerdictPanel > Horizontal { height: 3; }
    VerdictPanel #verdict-word { width: 19; }
    VerdictPanel #verdict-value { width: 1fr; }
    VerdictPanel #verdict-detail { height: 2; text-style: bold; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield BigText(id="verdict-word")
            yield BigText(id="verdict-value")
        yield Static(id="verdict-detail")

    def show(self, verdict: ShowVerdict | None) -> None:
        self.set_class(verdict is not None and verdict.verdict == "pass", "-pass")
        self.set_class(verdict is not None and verdict.verdict == "fail", "-fail")
        if verdict is None:
            return
        word = "PASS" if verdict.verdict == "pass" else "FAIL"
        self.query_one("#verdict-word", BigText).set_text(word)
        self.query_one("#verdict-value", BigText).set_text(plain(verdict.value))
        spec = verdict.spec
        shown = f"{plain(verdict.value)} {spec.unit}".rstrip()
        detail = f"{verdict.name} ({verdict.characteristic}) = {shown}"
        bounds = limits(spec)
        detail += f"\n{bounds}" if bounds == NO_LIMITS else f"\nlimits {bounds}"
        if verdict.verdict == "fail":
            side = "below LSL" if spec.lsl is not None and verdict.value < spec.lsl else "above USL"
            detail += f"  ·  {side}"
        if verdict.critical:
            detail += "  ·  CRITICAL characteristic"
        self.query_one("#verdict-detail", Static).update(Content(detail))
