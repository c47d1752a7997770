"""``BigText``: a few words drawn three rows high; plain bold text when they do not fit."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from screens.widgets import bigfont


class BigText(Static):
    """Big block letters; falls back to bold text when wider than the widget."""

    DEFAULT_CSS = """
    BigText { height: 3; width: 1fr; }
    """

    def __init__(self, text: str = "", **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self._text = text

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.refresh(layout=False)

    def render(self) -> Text:
        available = self.content_size.width or 78
        if bigfont.width(self._text) <= available:
            return Text("\n".join(bigfont.render(self._text)), no_wrap=True, overflow="crop")
        return Text(f"\n{self._text}", style="bold", no_wrap=True, overflow="ellipsis")
