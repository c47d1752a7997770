"""``ScanInput``: where scans and typing land. Keeps GS (``\\x1d``) for GS1 codes.

A keyboard-wedge scanner types its code and presses Enter; a person does the
same, slower. Both end up as one ``ScanInput.Submitted`` message. The stock
``Input`` drops GS (FNC1), which Textual delivers as
``Key(key="ctrl+right_square_bracket", character="\\x1d")``, so GS1 scans
would lose their separators.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

GS = "\x1d"
GS_KEYS = frozenset({"ctrl+right_square_bracket", "ctrl+]"})
MAX_LENGTH = 400


class ScanInput(Widget, can_focus=True):
    """A one-line entry with a fixed (non-blinking) cursor, always focused."""

    DEFAULT_CSS = """
    ScanInput { height: 1; width: 1fr; }
    """

    @dataclass
    class Submitted(Message):
        """A complete scan or typed line (Enter pressed)."""

        input: ScanInput
        value: str

    def __init__(self, label: str = "SCAN ▶ ", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.label = label
        self.value = ""

    def clear(self) -> None:
        self.value = ""
        self.refresh()

    def render(self) -> Text:
        shown = self.value.replace(GS, "␝")
        room = max(1, self.content_size.width - len(self.label) - 1)
        if len(shown) > room:
            shown = "…" + shown[-(room - 1) :]
        text = Text(self.label, style="bold")
        text.append(shown)
        text.append(" ", style="reverse")
        return text

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key in ("enter", "ctrl+m", "ctrl+j"):
            value, self.value = self.value, ""
            self.refresh()
            self.post_message(self.Submitted(self, value))
        elif key in GS_KEYS or event.character == GS:
            self._insert(GS)
        elif key in ("backspace", "ctrl+h"):
            self.value = self.value[:-1]
            self.refresh()
        elif key in ("escape", "ctrl+u"):
            self.clear()
        elif event.is_printable and event.character:
            self._insert(event.character)
        else:
            return  # let screen bindings (F2, ...) see it
        event.stop()
        event.prevent_default()

    def _insert(self, text: str) -> None:
        if len(self.value) < MAX_LENGTH:
            self.value += text
            self.refresh()

    def _on_paste(self, event: events.Paste) -> None:
        # A pasted block counts as lines typed one after the other.
        lines = event.text.splitlines()
        for line in lines[:-1]:
            self.post_message(self.Submitted(self, self.value + line))
            self.value = ""
        if lines:
            self._insert(lines[-1])
        event.stop()
