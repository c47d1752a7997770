"""``PromptPanel``: the one next thing to scan, big, with a sentence under it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical

from core.flow import PromptText
from screens.numbers import plain_text
from screens.widgets.big_text import BigText
from screens.widgets.fitted_text import FittedText


class PromptPanel(Vertical):
    DEFAULT_CSS = """
    PromptPanel { height: auto; width: 1fr; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield BigText(id="prompt-headline")
        # two rows at most; the instruction at the end always shows whole
        yield FittedText(id="prompt-detail", max_lines=2)

    def show(self, prompt: PromptText) -> None:
        self.query_one(BigText).set_text(prompt.headline)
        self.query_one("#prompt-detail", FittedText).update(plain_text(prompt.detail))
