"""Applying material-flow events (receiving, split, merge, rework, serials, shipping)."""

from __future__ import annotations

from server.services.apply import register_handlers

register_handlers({})
