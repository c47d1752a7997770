"""``PromptPanel``: the one next thing to scan, big, with a sentence under it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from core.flow import PromptText
from screens.widgets.big_text import BigText


class PromptPanel(Vertical):
    DEFAULT_CSS = """
    PromptPanel { height: auto; width: 1fr; padding: 0 1; }
    PromptPanel > #prompt-detail { height: auto; max-height: 2; }
    """

    def compose(self) -> ComposeResult:
        yield BigText(id="prompt-headline")
        yield Static(id="prompt-detail")

    def show(self, prompt: PromptText) -> None:
        self.query_one(BigText).set_text(prompt.headline)
        self.query_one("#prompt-detail", Static).update(Content(prompt.detail))
