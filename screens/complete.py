"""Complete: good and scrap quantities, then the output lot made, big."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from core.flow import EnterScrapQty
from screens import render
from screens.base import KioskScreen
from screens.numbers import plain
from screens.view import KioskView
from screens.widgets import BigText


class CompleteScreen(KioskScreen):
    screen_name = "complete"

    def compose_body(self) -> ComposeResult:
        yield Static(id="complete-title")
        yield BigText(id="complete-lot")
        yield Static(id="complete-summary", classes="panel")

    def show_body(self, view: KioskView) -> None:
        made = view.output_lot
        title = self.query_one("#complete-title", Static)
        lot = self.query_one("#complete-lot", BigText)
        summary = self.query_one("#complete-summary", Static)
        lot.display = made is not None
        if made is not None:
            title.update(
                Content.assemble(("JOB COMPLETE · LOT HELD: TO THE HOLD AREA", "bold $error"))
                if made.held
                else Content.assemble(("JOB COMPLETE · OUTPUT LOT", "bold $success"))
            )
            lot.set_text(made.output_lot)
            made_from = (
                [("made from ", "dim"), ", ".join(made.parents)]
                if made.parents
                else [(f"the same lot, through op {made.operation}", "dim")]
                if made.operation is not None
                else [("no input lot recorded", "dim")]
            )
            summary.update(
                Content.assemble(
                    (made.output_lot, "bold reverse"),
                    f"  {made.product}: {plain(made.good_qty)} good, {plain(made.scrap_qty)} scrap",
                    "\n",
                    *made_from,
                )
            )
            return
        job = view.state.job
        if job is None:
            return
        title.update(render.job_header(job))
        prompt = view.state.prompt
        good = f"good {plain(prompt.good_qty)}" if isinstance(prompt, EnterScrapQty) else "good ?"
        summary.update(
            Content.assemble(
                ("COMPLETING ", "bold"),
                f"{good} · defects flagged {plain(job.defect_qty)}",
                "\n",
                render.materials(job),
                "\n",
                render.defects(job),
            )
        )
