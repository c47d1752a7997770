"""Applying events: the pipeline, its composition root (``registry``) and one handler module
per family of events."""
