"""Events for material flow beyond a job: receiving, splits, merges, rework, serials, shipping."""

from __future__ import annotations

from core.events import register_payload  # noqa: F401  (payload types register themselves)
