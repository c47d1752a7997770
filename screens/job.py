"""Job: the running job's material, measurements and defects; scan lots, then #DONE."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens import render
from screens.base import KioskScreen
from screens.view import KioskView


class JobScreen(KioskScreen):
    screen_name = "job"

    def compose_body(self) -> ComposeResult:
        yield Static(id="job-header")
        yield Static(id="job-materials", classes="panel")
        yield Static(id="job-characteristics", classes="panel")
        yield Static(id="job-defects")

    def show_body(self, view: KioskView) -> None:
        job = view.state.job
        for widget in self.query("#body > Static"):
            widget.display = job is not None
        if job is None:
            return
        self.query_one("#job-header", Static).update(render.job_header(job))
        self.query_one("#job-materials", Static).update(render.materials(job))
        self.query_one("#job-characteristics", Static).update(render.characteristics(job))
        self.query_one("#job-defects", Static).update(render.defects(job))
