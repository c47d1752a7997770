"""Measure: the characteristic to measure, and the verdict, big, PASS or FAIL."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from core.flow import ConfirmMeasurement, EnterMeasurement
from screens import render
from screens.base import KioskScreen
from screens.view import KioskView
from screens.widgets import VerdictPanel


class MeasureScreen(KioskScreen):
    screen_name = "measure"

    def compose_body(self) -> ComposeResult:
        yield VerdictPanel()
        yield Static(id="measure-header")
        yield Static(id="measure-characteristics", classes="panel")

    def show_body(self, view: KioskView) -> None:
        self.query_one(VerdictPanel).show(view.verdict)
        job = view.state.job
        if job is None:
            return
        prompt = view.state.prompt
        current = (
            prompt.characteristic
            if isinstance(prompt, EnterMeasurement | ConfirmMeasurement)
            else None
        )
        self.query_one("#measure-header", Static).update(render.job_header(job))
        self.query_one("#measure-characteristics", Static).update(
            render.characteristics(job, current)
        )
