"""``KioskScreen``: the frame every operator screen shares.

Status bar on top, the next scan big under it, the screen's own body, the
station's last message, the scan line and the hints. Screens only draw a
``KioskView`` and pass entries to the kiosk shell; they never do I/O.
"""

from __future__ import annotations

from typing import ClassVar, Protocol, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from screens.hints import key_hint
from screens.view import KioskView
from screens.widgets import MessageBar, PromptPanel, ScanInput, StatusBar


class KioskShell(Protocol):
    """What screens may ask of the app."""

    def submit_entry(self, text: str) -> None: ...

    def open_defect_list(self) -> None: ...

    def current_view(self) -> KioskView: ...


class KioskScreen(Screen[None]):
    screen_name: ClassVar[str] = ""
    BINDINGS: ClassVar = [Binding("f2", "defect_list", "Defect list", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self._composed = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield PromptPanel()
        with Vertical(id="body"):
            yield from self.compose_body()
        yield MessageBar()
        yield ScanInput(id="scan")
        yield Static(id="hints")

    def compose_body(self) -> ComposeResult:
        yield from ()

    @property
    def shell(self) -> KioskShell:
        return cast(KioskShell, self.app)

    def on_mount(self) -> None:
        self._composed = True
        self.query_one(ScanInput).focus()
        self.show(self.shell.current_view())

    @property
    def ready(self) -> bool:
        """Every widget is composed and the app is not shutting down: safe to draw.

        Once the app begins shutting down, Textual no longer waits for a screen's panels to
        compose before the screen's own on_mount, so a screen switched to at that moment (a
        hold arriving from the feed as the kiosk stops) mounts with empty panels.
        """
        return self._composed and self.app.is_running and self.is_attached

    def on_screen_resume(self) -> None:
        self.query_one(ScanInput).focus()

    def show(self, view: KioskView) -> None:
        if not self.ready:
            return  # still composing (on_mount draws the current view) or shutting down
        self.show_status(view)
        self.query_one(PromptPanel).show(view.prompt)
        self.query_one(MessageBar).show(view.message)
        hint = view.demo_hint or key_hint(view.state)
        self.query_one("#hints", Static).update(hint)
        self.show_body(view)

    def show_status(self, view: KioskView) -> None:
        """The status bar alone (the clock tick); nothing while the screen is still composing
        or being torn down (a screen switch can be half done when the tick comes)."""
        if self.ready:
            self.query_one(StatusBar).show(view.state, view.status, view.now)

    def show_body(self, view: KioskView) -> None:
        """Draw the screen's own part (subclasses)."""

    @on(ScanInput.Submitted)
    def _entered(self, event: ScanInput.Submitted) -> None:
        event.stop()
        self.shell.submit_entry(event.value)

    def action_defect_list(self) -> None:
        if self.shell.current_view().state.job is not None:
            self.shell.open_defect_list()
