"""``MessageBar``: the last thing the station said, coloured by what it means."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from core.flow import OperatorMessage
from screens.numbers import plain_text

_MARK = {"ok": "✔", "info": "›", "warn": "▲", "error": "✖"}


class MessageBar(Static):
    DEFAULT_CSS = """
    MessageBar { height: 2; width: 1fr; padding: 0 1; }
    MessageBar.-ok { color: $success; text-style: bold; }
    MessageBar.-warn { text-style: bold; }
    MessageBar.-error { background: $error; color: ansi_bright_white; text-style: bold; }
    """

    def show(self, message: OperatorMessage | None) -> None:
        for level in _MARK:
            self.set_class(message is not None and message.level == level, f"-{level}")
        if message is None:
            self.update("")
            return
        self.update(Content(f"{_MARK.get(message.level, '›')} {plain_text(message.text)}"))
