"""Login: scan a badge."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from screens.base import KioskScreen
from screens.render import open_job_note
from screens.view import KioskView


class LoginScreen(KioskScreen):
    screen_name = "login"

    def compose_body(self) -> ComposeResult:
        yield Static(id="login-station", classes="panel")

    def show_body(self, view: KioskView) -> None:
        station = view.reference.station()
        lines: list[str | tuple[str, str]] = [
            ("Station ", "dim"),
            (view.status.station_id, "bold"),
        ]
        if station is not None:
            lines.append(f"  {station.name}" + (f" · line {station.line}" if station.line else ""))
        note = open_job_note(view.state)
        if note:
            lines += ["\n\n", (note, "bold"), " Log in to carry on."]
        if not view.status.reference_ready:
            lines += [
                "\n\n",
                ("No data from the server yet: check the network cable.", "bold $warning"),
            ]
        self.query_one("#login-station", Static).update(Content.assemble(*lines))
