"""Rejections: what the server refused, in plain words, until the operator acknowledges."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from kiosk.wording import describe_event
from screens.widgets import BigText, ScanInput


@dataclass(frozen=True, slots=True)
class Refusal:
    seq: int
    what: str
    reason: str


class RejectionScreen(ModalScreen[bool]):
    """Shown over any screen; Enter or #CONFIRM acknowledges every refusal listed."""

    BINDINGS = [Binding("f2", "nothing", show=False)]

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__()
        self.refusals = refusals

    def compose(self) -> ComposeResult:
        with Vertical(id="rejections"):
            yield BigText("REFUSED", id="rejections-title")
            yield Static(id="rejections-list")
            yield Static(id="rejections-help")
            yield ScanInput(label="ACK ▶ ")

    def on_mount(self) -> None:
        self.query_one(ScanInput).focus()
        self.show_refusals(self.refusals)

    def show_refusals(self, refusals: list[Refusal]) -> None:
        self.refusals = refusals
        parts: list[str | tuple[str, str]] = [
            ("The server did not accept what this station recorded:", "bold"),
        ]
        for r in refusals[-6:]:
            parts += ["\n", (f"#{r.seq} ", "dim"), (r.what, "bold"), f": {r.reason}"]
        if len(refusals) > 6:
            parts += ["\n", (f"… and {len(refusals) - 6} more", "dim")]
        self.query_one("#rejections-list", Static).update(Content.assemble(*parts))
        self.query_one("#rejections-help", Static).update(
            Content.assemble(
                ("Tell your supervisor. ", "bold"),
                "Press Enter or scan #CONFIRM when you have read this.",
            )
        )

    @on(ScanInput.Submitted)
    def _entered(self, event: ScanInput.Submitted) -> None:
        event.stop()
        if event.value.strip().upper() in ("", "#CONFIRM"):
            self.dismiss(True)
        else:
            self.query_one("#rejections-help", Static).update(
                Content.assemble(
                    ("Read this first: ", "bold $error"), "press Enter or scan #CONFIRM."
                )
            )

    def action_nothing(self) -> None:
        pass


def refusals_from(events: list[object]) -> list[Refusal]:
    out = []
    for e in events:
        seq = getattr(e, "seq", 0)
        out.append(
            Refusal(
                seq=seq,
                what=describe_event(getattr(e, "type", ""), getattr(e, "payload", {})),
                reason=getattr(e, "reason", "") or "no reason given",
            )
        )
    return out
