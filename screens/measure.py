"""Measure: the characteristic to measure, and the verdict, big, PASS or FAIL.

With frozen control limits for the characteristic, the verdict shares the top
with its control chart (the last points, the current one marked) and the
latest point in words; an open SPC signal at this station shows as a banner
until someone acknowledges it (the ``AcknowledgeSpcSignal`` prompt also shows
here, with the chart of the signalling characteristic).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from core.flow import ConfirmMeasurement, EnterMeasurement
from core.flow.spc import AcknowledgeSpcSignal, ChartView
from screens import render
from screens.base import KioskScreen
from screens.view import KioskView
from screens.widgets import VerdictPanel
from screens.widgets.control_chart import ChartSource, ControlChart, SpcBanner, chart_words


class MeasureScreen(KioskScreen):
    screen_name = "measure"
    DEFAULT_CSS = """
    MeasureScreen #measure-top { height: auto; }
    MeasureScreen #measure-left { width: 1fr; height: auto; }
    MeasureScreen #measure-top.-chart VerdictPanel { height: 6; }
    MeasureScreen #measure-top.-chart VerdictPanel #verdict-detail { height: 3; }
    MeasureScreen ControlChart { margin: 0 0 0 1; display: none; }
    MeasureScreen #measure-spc { display: none; padding: 0 1; text-style: bold; }
    MeasureScreen #measure-spc.-violation { color: $error; }
    MeasureScreen SpcBanner { display: none; }
    """

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="measure-top"):
            with Vertical(id="measure-left"):
                yield VerdictPanel()
                yield Static(id="measure-spc")
            yield ControlChart()
        yield SpcBanner()
        yield Static(id="measure-header")
        yield Static(id="measure-characteristics", classes="panel")

    def show_body(self, view: KioskView) -> None:
        self.query_one(VerdictPanel).show(view.verdict)
        chart = self._chart(view)
        self.query_one("#measure-top").set_class(chart is not None, "-chart")
        self.query_one(ControlChart).show(chart)
        words = self.query_one("#measure-spc", Static)
        words.display = chart is not None
        prompt = view.state.prompt
        if isinstance(prompt, AcknowledgeSpcSignal):  # what the note is about, not the last point
            words.set_class(True, "-violation")
            words.update(Content(f"SPC signal: {prompt.words}."))
        elif chart is not None:
            latest = chart.latest
            words.set_class(latest is not None and not latest.in_control, "-violation")
            words.update(Content(chart_words(chart)))
        source = view.reference
        signals = source.open_spc_signals() if isinstance(source, ChartSource) else []
        self.query_one(SpcBanner).show(signals)
        job = view.state.job
        header = self.query_one("#measure-header", Static)
        characteristics = self.query_one("#measure-characteristics", Static)
        header.display = job is not None
        # At 80×24 the chart takes the room of the list; the prompt says what is next.
        characteristics.display = job is not None and chart is None
        if job is None:
            return
        current = (
            prompt.characteristic
            if isinstance(prompt, EnterMeasurement | ConfirmMeasurement)
            else None
        )
        header.update(render.job_header(job))
        characteristics.update(render.characteristics(job, current))

    def _chart(self, view: KioskView) -> ChartView | None:
        """The chart of the characteristic just measured (or whose signal is being acknowledged)."""
        source = view.reference
        if not isinstance(source, ChartSource):
            return None
        prompt = view.state.prompt
        if isinstance(prompt, AcknowledgeSpcSignal):
            characteristic = prompt.characteristic
        elif view.verdict is not None:
            characteristic = view.verdict.characteristic
        else:
            return None
        job = view.state.job
        return source.spc_chart(characteristic, job.work_order if job is not None else None)
