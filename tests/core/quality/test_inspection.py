from datetime import UTC, datetime, timedelta

import pytest

from core.quality.inspection import (
    CheckRecord,
    InspectionRule,
    JobProgress,
    due_checks,
    first_article_status,
    may_start_unit,
    missing_before_complete,
)
from core.quality.reactions import hold_id, plan_reactions, reaction_id
from core.quality.signing import locked_until, signatures_required, signer_problem

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def chars(due: list) -> list[str]:  # type: ignore[type-arg]
    return [d.characteristic for d in due]


def test_every_unit_and_every_nth() -> None:
    rules = [InspectionRule("DIA"), InspectionRule("LEN", trigger="every_nth", every=5)]
    p = JobProgress(started_at=T0)
    assert chars(due_checks(rules, p, T0)) == ["DIA", "LEN"]  # unit 1: both
    p = JobProgress(
        started_at=T0,
        units_done=1,
        checks=(CheckRecord("DIA", 0, T0, "pass"), CheckRecord("LEN", 0, T0, "pass")),
    )
    assert chars(due_checks(rules, p, T0)) == ["DIA"]  # unit 2: only every-unit
    p = JobProgress(started_at=T0, units_done=5)
    assert chars(due_checks(rules, p, T0)) == ["DIA", "LEN"]  # unit 6 = 1 + 5


def test_per_lot_once() -> None:
    rules = [InspectionRule("HARD", trigger="per_lot")]
    assert chars(due_checks(rules, JobProgress(T0), T0)) == ["HARD"]
    done = JobProgress(T0, units_done=3, checks=(CheckRecord("HARD", 0, T0, "pass"),))
    assert due_checks(rules, done, T0) == []


def test_interval_patrol() -> None:
    rules = [InspectionRule("RA", trigger="interval", interval_minutes=30)]
    assert due_checks(rules, JobProgress(T0), T0 + timedelta(minutes=29)) == []
    assert chars(due_checks(rules, JobProgress(T0), T0 + timedelta(minutes=30))) == ["RA"]
    checked = JobProgress(T0, checks=(CheckRecord("RA", 0, T0 + timedelta(minutes=31), "pass"),))
    assert due_checks(rules, checked, T0 + timedelta(minutes=60)) == []
    assert chars(due_checks(rules, checked, T0 + timedelta(minutes=61))) == ["RA"]


def test_first_article_gate() -> None:
    rules = [InspectionRule("DIA", first_article=True, role="inspector")]
    fresh = JobProgress(T0)
    [fa] = due_checks(rules, fresh, T0)
    assert fa.first_article and fa.role == "inspector"
    assert may_start_unit(rules, fresh) == (True, "")  # the first unit may be made
    after_one = JobProgress(T0, units_done=1)
    ok, why = may_start_unit(rules, after_one)
    assert not ok and "first-article" in why
    failed = JobProgress(
        T0, units_done=1, checks=(CheckRecord("DIA", 0, T0, "fail", first_article=True),)
    )
    assert first_article_status(rules, failed) == "failed" and not may_start_unit(rules, failed)[0]
    passed = JobProgress(
        T0,
        units_done=1,
        checks=(CheckRecord("DIA", 0, T0, "fail", True), CheckRecord("DIA", 0, T0, "pass", True)),
    )
    assert first_article_status(rules, passed) == "passed" and may_start_unit(rules, passed)[0]


def test_required_before_complete() -> None:
    rules = [
        InspectionRule("LEAK", trigger="per_lot", required_before_complete=True),
        InspectionRule("DIA"),
    ]
    [missing] = missing_before_complete(rules, JobProgress(T0, units_done=4), T0)
    assert missing.characteristic == "LEAK"
    done = JobProgress(T0, units_done=4, checks=(CheckRecord("LEAK", 2, T0, "pass"),))
    assert missing_before_complete(rules, done, T0) == []


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        InspectionRule("X", trigger="interval")
    with pytest.raises(ValueError, match="trigger"):
        InspectionRule("X", trigger="hourly")  # type: ignore[arg-type]


def test_reactions_are_deterministic_and_skip_missing_targets() -> None:
    cause = "0b7f6a52-0000-4000-8000-000000000001"
    a = plan_reactions(
        cause, ["hold_unit", "hold_lot", "line_stop", "notify"], reason="r", station="S", lots=["L"]
    )
    b = plan_reactions(
        cause, ["notify", "line_stop", "hold_lot"], reason="r", station="S", lots=["L"]
    )
    assert [r.kind for r in a] == [
        "hold_lot",
        "line_stop",
        "notify",
    ]  # no unit serial: no unit hold
    assert a == b and a[0].id == hold_id(cause, "lot", "L") == reaction_id(cause, "hold:lot:L")
    assert (
        plan_reactions("other", ["hold_lot"], reason="r", station="S", lots=["L"])[0].id != a[0].id
    )
    spc = plan_reactions(
        cause,
        ["hold_lot", "hold_station"],
        reason="r",
        station="S",
        lots=["A"],
        downstream=["B", "A"],
    )
    assert [(r.target, r.reason) for r in spc] == [
        ("A", "r"),
        ("B", "r (made from a suspect lot)"),
        ("S", "r"),
    ]


def test_signing_rules() -> None:
    assert signatures_required("use_as_is", critical=True) == 2
    assert signatures_required("use_as_is", critical=False) == 1
    assert signatures_required("scrap", critical=True) == 1
    assert signer_problem("operator", "EMP1", []) == (
        "EMP1 is an operator; a disposition needs a quality engineer or MRB member"
    )
    assert signer_problem("supervisor", "EMP9", []) == (
        "EMP9 is a supervisor; a disposition needs a quality engineer or MRB member"
    )
    assert "already signed" in (signer_problem("mrb", "EMP1", ["EMP1"]) or "")
    assert signer_problem("quality_engineer", "EMP1", ["EMP2"]) is None
    fails = [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    assert locked_until(fails[:2], T0 + timedelta(minutes=3)) is None
    assert locked_until(fails, T0 + timedelta(minutes=3)) == T0 + timedelta(minutes=17)
    assert locked_until(fails, T0 + timedelta(minutes=18)) is None
