"""``FittedText``: a few sentences in a few rows that always keeps the last one.

A prompt's detail says what is wrong and then what to do ("Lot X is ON HOLD: <reason>.
Keep it apart. Press Enter to acknowledge."). When it does not fit, the middle is
shortened with "…" so the instruction is always read whole.
"""

from __future__ import annotations

import textwrap

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, max(1, width), break_on_hyphens=False) or [""]


def _sentences(text: str) -> list[str]:
    """``text`` cut after each ". " (a decimal point is never followed by a space)."""
    parts = text.strip().split(". ")
    return [p + "." for p in parts[:-1]] + [parts[-1]]


def fit_lines(text: str, width: int, lines: int = 2) -> list[str]:
    """``text`` wrapped to ``width`` in at most ``lines`` lines, its first and last
    sentences kept: what happened, and what to do now.

    Sentences between them go first, nearest the last one first, then words from the
    end of the first sentence; "…" marks what was left out. When the last sentence
    alone does not fit, the text is cut at the end instead.
    """
    wrapped = _wrap(text, width)
    if len(wrapped) <= lines:
        return wrapped
    sentences = _sentences(text)
    if len(sentences) > 1 and len(_wrap(sentences[-1], width)) <= lines:
        first, middle, last = sentences[0], sentences[1:-1], sentences[-1]
        keeps = range(len(middle) - 1, -1, -1)
        candidates = [" ".join([first, *middle[:keep], "…", last]) for keep in keeps]
        words = first.split()
        candidates += [f"{' '.join(words[:n])}… {last}" for n in range(len(words) - 1, 0, -1)]
        candidates.append(f"… {last}")
        for candidate in candidates:
            shown = _wrap(candidate, width)
            if len(shown) <= lines:
                return shown
    kept = wrapped[:lines]
    end = kept[-1]
    kept[-1] = (end if len(end) < width else end[: max(0, width - 1)].rstrip()) + "…"
    return kept


class FittedText(Widget):
    """Up to ``max_lines`` rows of text fitted to the widget's width by ``fit_lines``."""

    DEFAULT_CSS = """
    FittedText { height: auto; width: 1fr; }
    """

    def __init__(self, text: str = "", max_lines: int = 2, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._text = text
        self.max_lines = max_lines

    @property
    def text(self) -> str:
        return self._text

    def update(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.refresh(layout=True)

    def _lines(self, width: int) -> list[str]:
        return fit_lines(self._text, width, self.max_lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        return Content("\n".join(self._lines(self.content_size.width or 78)))
