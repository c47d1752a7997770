"""Hold notice: full screen, impossible to miss, when the job's lot, material, work order
or the station itself is on hold; also the first-article block and the inspector's check."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from core.flow.quality import AwaitInspector, HoldNotice, JobBlocked, StationHeld
from screens.base import KioskScreen
from screens.view import KioskView
from screens.widgets import BigText


class HoldScreen(KioskScreen):
    screen_name = "hold"

    def compose_body(self) -> ComposeResult:
        yield BigText("HOLD", id="hold-title")
        yield Static(id="hold-detail", classes="panel")

    def show_body(self, view: KioskView) -> None:
        prompt = view.state.prompt
        title = self.query_one("#hold-title", BigText)
        detail = self.query_one("#hold-detail", Static)
        if isinstance(prompt, StationHeld):
            title.set_text("STATION HELD")
            detail.update(
                Content.assemble(
                    ("STATION ON HOLD: ", "bold"),
                    prompt.reason,
                    "\n",
                    "Stop work. Quality releases the station through the NCR.",
                )
            )
        elif isinstance(prompt, HoldNotice):
            title.set_text("HOLD")
            detail.update(
                Content.assemble(
                    (f"{prompt.target} ", "bold reverse"),
                    "is ON HOLD — DO NOT USE\n",
                    prompt.reason,
                )
            )
        elif isinstance(prompt, JobBlocked):
            title.set_text("BLOCKED")
            detail.update(Content.assemble(("First article: ", "bold"), prompt.reason))
        elif isinstance(prompt, AwaitInspector):
            title.set_text("INSPECT")
            detail.update(
                Content.assemble(
                    ("Inspector check due: ", "bold"), f"{prompt.characteristic} ({prompt.reason})"
                )
            )
