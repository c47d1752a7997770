"""Defect list: pick a code from the plant's defect sheet instead of scanning it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.reference import DefectCodeRef


class DefectPicker(ModalScreen[str | None]):
    """Up/Down and Enter pick a code; Escape closes without picking."""

    BINDINGS = [Binding("escape", "close", "Close", show=False)]

    def __init__(self, codes: list[DefectCodeRef]) -> None:
        super().__init__()
        self.codes = codes

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static("DEFECT SHEET  ↑↓ choose · Enter pick · Esc close", id="picker-title")
            yield OptionList(
                *[
                    Option(f"{c.code:<18} {c.severity:<8} {c.description}", id=c.code)
                    for c in self.codes
                ],
                id="picker-list",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)
