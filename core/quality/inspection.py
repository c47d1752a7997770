"""Inspection plans: when a check is due, who does it, and what it blocks.

A plan is a set of rules, one per characteristic of an operation. Given what a
job has done so far (units made, checks recorded) and the time, the functions
here say which checks are due now, whether the job may make another unit
(first-article gate), and which checks still block completion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

Trigger = Literal["every_unit", "every_nth", "per_lot", "interval"]
TRIGGERS: tuple[str, ...] = ("every_unit", "every_nth", "per_lot", "interval")
CheckRole = Literal["operator", "inspector"]


@dataclass(frozen=True, slots=True)
class InspectionRule:
    characteristic: str
    trigger: Trigger = "every_unit"
    every: int = 1  # every_nth: a check on unit 1, 1+N, 1+2N, ...
    interval_minutes: float | None = None  # interval: patrol check period
    first_article: bool = False
    required_before_complete: bool = False
    role: CheckRole = "operator"
    sample_size: int = 1
    method: str = ""

    def __post_init__(self) -> None:
        if self.trigger not in TRIGGERS:
            raise ValueError(
                f"unknown inspection trigger {self.trigger!r}; use one of {', '.join(TRIGGERS)}"
            )
        if self.trigger == "every_nth" and self.every < 1:
            raise ValueError("every_nth needs every >= 1")
        if self.trigger == "interval" and not (self.interval_minutes and self.interval_minutes > 0):
            raise ValueError("an interval check needs interval_minutes > 0")
        if self.sample_size < 1:
            raise ValueError("sample_size must be at least 1")


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """A check recorded for this job: which unit (0-based), when, and its verdict."""

    characteristic: str
    unit_index: int
    at: datetime
    verdict: Literal["pass", "fail"]
    first_article: bool = False


@dataclass(frozen=True, slots=True)
class JobProgress:
    started_at: datetime
    units_done: int = 0  # units finished; the unit in work has index units_done
    checks: tuple[CheckRecord, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class DueCheck:
    characteristic: str
    reason: str
    role: CheckRole
    sample_size: int
    method: str
    first_article: bool = False
    required_before_complete: bool = False


def _records(progress: JobProgress, char: str) -> list[CheckRecord]:
    return [c for c in progress.checks if c.characteristic == char]


def first_article_status(
    rules: list[InspectionRule], progress: JobProgress
) -> Literal["none", "pending", "passed", "failed"]:
    """The first-article gate: the newest first-article check of each rule decides."""
    fa_rules = [r for r in rules if r.first_article]
    if not fa_rules:
        return "none"
    states = []
    for rule in fa_rules:
        fa = [c for c in _records(progress, rule.characteristic) if c.first_article]
        states.append("pending" if not fa else ("passed" if fa[-1].verdict == "pass" else "failed"))
    if "failed" in states:
        return "failed"
    if "pending" in states:
        return "pending"
    return "passed"


def may_start_unit(rules: list[InspectionRule], progress: JobProgress) -> tuple[bool, str]:
    """Whether the job may go beyond its first unit; the reason when it may not."""
    status = first_article_status(rules, progress)
    if progress.units_done >= 1 and status == "pending":
        return False, "first-article check not done: the job waits after the first unit"
    if status == "failed":
        return False, "first-article check failed: correct the set-up and re-inspect a first piece"
    return True, ""


def due_checks(rules: list[InspectionRule], progress: JobProgress, now: datetime) -> list[DueCheck]:
    """Checks due now, first-article checks first."""
    due: list[DueCheck] = []
    unit = progress.units_done
    for rule in rules:
        records = _records(progress, rule.characteristic)
        base = dict(
            characteristic=rule.characteristic,
            role=rule.role,
            sample_size=rule.sample_size,
            method=rule.method,
            required_before_complete=rule.required_before_complete,
        )
        if rule.first_article and not any(c.first_article and c.verdict == "pass" for c in records):
            due.append(DueCheck(reason="first article", first_article=True, **base))  # type: ignore[arg-type]
            continue
        done_this_unit = any(c.unit_index == unit for c in records)
        if rule.trigger == "every_unit" and not done_this_unit:
            due.append(DueCheck(reason=f"unit {unit + 1}", **base))  # type: ignore[arg-type]
        elif rule.trigger == "every_nth" and unit % rule.every == 0 and not done_this_unit:
            due.append(DueCheck(reason=f"unit {unit + 1} (every {rule.every})", **base))  # type: ignore[arg-type]
        elif rule.trigger == "per_lot" and not records:
            due.append(DueCheck(reason="once per lot", **base))  # type: ignore[arg-type]
        elif rule.trigger == "interval":
            last = max((c.at for c in records), default=progress.started_at)
            assert rule.interval_minutes is not None
            if now - last >= timedelta(minutes=rule.interval_minutes):
                due.append(DueCheck(reason=f"patrol every {rule.interval_minutes:g} min", **base))  # type: ignore[arg-type]
    due.sort(key=lambda d: not d.first_article)
    return due


def unit_checks_complete(rules: list[InspectionRule], progress: JobProgress) -> bool:
    """True when no unit-bound check (every unit / every Nth / first article) is still due for the unit in work."""
    for check in due_checks(rules, progress, progress.started_at):
        if check.first_article or check.reason.startswith("unit "):
            return False
    return True


def missing_before_complete(
    rules: list[InspectionRule], progress: JobProgress, now: datetime
) -> list[DueCheck]:
    """Checks that block ``#DONE``: required-before-complete rules never satisfied for this job,
    and a first article that has not passed."""
    missing: list[DueCheck] = []
    for rule in rules:
        records = _records(progress, rule.characteristic)
        if rule.first_article and not any(c.first_article and c.verdict == "pass" for c in records):
            missing.append(
                DueCheck(
                    rule.characteristic,
                    "first article",
                    rule.role,
                    rule.sample_size,
                    rule.method,
                    True,
                    rule.required_before_complete,
                )
            )
        elif rule.required_before_complete and not records:
            missing.append(
                DueCheck(
                    rule.characteristic,
                    "required before complete",
                    rule.role,
                    rule.sample_size,
                    rule.method,
                    False,
                    True,
                )
            )
    return missing
