"""Server settings: one class, read from ``LINESIDE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ADMIN_TOKEN = "change-me"


def default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "lineside"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINESIDE_", extra="ignore")

    database_url: str = ""
    admin_token: str = DEFAULT_ADMIN_TOKEN
    demo: bool = False
    host: str = "127.0.0.1"
    port: int = 8470
    timezone: str = "UTC"
    feed_page_size: int = 2000
    #: Largest request body read, in bytes; a bigger one is refused (413) before it is read.
    max_body_bytes: int = 8 * 1024 * 1024
    #: Folder for the nightly daily report (Markdown + JSON); empty: no nightly report.
    reports_dir: str = ""
    #: When the nightly report is written, plant local time (HH:MM); it covers the day before.
    report_at: str = "02:00"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{default_data_dir() / 'lineside.db'}"

    def check_secrets(self) -> None:
        """Refuse the default admin secret outside demo mode."""
        if not self.demo and self.admin_token in ("", DEFAULT_ADMIN_TOKEN):
            raise SystemExit(
                "lineside server: set LINESIDE_ADMIN_TOKEN to a long random secret "
                "(the default is only accepted with --demo)."
            )
