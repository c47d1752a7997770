"""Hold notice: full screen, impossible to miss, when the job's lot, material, work order
or the station itself is on hold; also the first-article block and the inspector's check.

At 80×24 the headline says it big, a bordered panel says what is held and why (the
whole reason, wrapped), and the line under it says what to do now. The prompt's own
sentence is not repeated under the headline: it would only cut the instruction short.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from core.flow.quality import AwaitInspector, HoldNotice, JobBlocked, StationHeld
from screens.base import KioskScreen
from screens.view import KioskView

_WHAT = {"lot": "Lot", "work_order": "Work order", "unit": "Unit"}


def notice_text(prompt: object, station: str) -> tuple[Content, str]:
    """(what is held and why, what to do now) for a prompt the hold screen shows."""
    if isinstance(prompt, StationHeld):
        return (
            Content.assemble(
                (f"Station {station}", "bold reverse"),
                " is ON HOLD — stop work\n",
                ("Reason: ", "bold"),
                prompt.reason,
            ),
            "Nothing can be recorded here until quality releases the station. #LOGOUT logs out.",
        )
    if isinstance(prompt, HoldNotice):
        what = _WHAT.get(prompt.target_type, "")
        return (
            Content.assemble(
                (f"{what} {prompt.target}".strip(), "bold reverse"),
                " is ON HOLD — DO NOT USE\n",
                ("Reason: ", "bold"),
                prompt.reason,
                "\nKeep it apart: quality decides what happens to it.",
            ),
            "Press Enter to acknowledge. It stays on hold until quality disposes it.",
        )
    if isinstance(prompt, JobBlocked):
        return (
            Content.assemble(("First article failed: ", "bold"), prompt.reason),
            "An inspector scans their badge to re-inspect a new first piece. "
            "#CANCEL cancels the job.",
        )
    if isinstance(prompt, AwaitInspector):
        return (
            Content.assemble(
                ("Inspector check due: ", "bold"), f"{prompt.characteristic} ({prompt.reason})"
            ),
            "An inspector scans their badge to take the check. #CANCEL cancels the job.",
        )
    return Content(""), ""


class HoldScreen(KioskScreen):
    screen_name = "hold"

    def compose_body(self) -> ComposeResult:
        yield Static(id="hold-detail", classes="panel")
        yield Static(id="hold-action", classes="panel")

    def show_body(self, view: KioskView) -> None:
        detail, action = notice_text(view.state.prompt, view.state.station_id)
        self.query_one("#hold-detail", Static).update(detail)
        self.query_one("#hold-action", Static).update(Content.assemble(("▶ ", "bold"), action))

    def action_defect_list(self) -> None:
        """F2 does nothing here: the notice is answered first (a defect would answer it)."""
