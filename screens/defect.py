"""Defect: a defect code was scanned; type the quantity. Shows the plant's defect sheet."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from core.flow import EnterDefectQty
from screens import render
from screens.base import KioskScreen
from screens.view import KioskView

_SEVERITY = {"critical": "bold reverse $error", "major": "bold $warning", "minor": ""}


class DefectScreen(KioskScreen):
    screen_name = "defect"

    def compose_body(self) -> ComposeResult:
        yield Static(id="defect-chosen", classes="panel")
        yield Static(id="defect-job")

    def show_body(self, view: KioskView) -> None:
        prompt = view.state.prompt
        if isinstance(prompt, EnterDefectQty):
            self.query_one("#defect-chosen", Static).update(
                Content.assemble(
                    (f" {prompt.code} ", "bold reverse"),
                    f"  {prompt.description}  ",
                    (prompt.severity.upper(), _SEVERITY.get(prompt.severity, "")),
                )
            )
        job = view.state.job
        if job is not None:
            self.query_one("#defect-job", Static).update(render.defects(job))
