"""Traceability: traces backward and forward (``query``), recall scope (``recall``)."""
