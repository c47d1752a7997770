"""Switching rules of ISO 2859-1:1999 clause 9, as sequences of lot results.

Rules under test, by clause of ISO 2859-1:1999: 9.3.1 normal -> tightened
when 2 of 5 or fewer consecutive lots are not accepted; 9.3.2 tightened ->
normal after 5 consecutive accepted lots; 9.3.3 normal -> reduced at a
switching score of 30 with steady production and the responsible authority's
approval; 9.3.4 reduced -> normal on a rejected lot, irregular production or
other conditions; 9.4 discontinue when 5 lots in all are not accepted while on
tightened inspection, resumed only by a person.

A sequence is a string, one mark per lot: ``A`` accepted with no nonconforming
item, ``a`` accepted with exactly Ac nonconforming, ``R`` rejected (Re found).
Lots are labelled L1, L2, ... in order.
"""

from __future__ import annotations

import json

import pytest

from core.sampling import (
    SamplingError,
    SamplingPlan,
    SwitchingState,
    Transition,
    lot_result,
    next_state,
    plan,
    reinstate_normal,
    resume,
)


def plans(aql: float) -> dict[str, SamplingPlan]:
    """The plans of a lot of 1000 at level II (code letter J) per severity."""
    return {
        severity: plan(1000, "II", aql, severity)  # type: ignore[arg-type]
        for severity in ("normal", "tightened", "reduced")
    }


# AQL 1.0, letter J: normal 80 / 2 3 (one step tighter, 0.65: 1 2), tightened 80 / 1 2,
# reduced 32 / 1 2 (ISO 2859-1:1999 Tables 2-A, 2-B, 2-C).
AQL_1 = plans(1.0)
# AQL 0.65, letter J: normal 80 / 1 2, so the Ac 0-or-1 rule of the score applies.
AQL_065 = plans(0.65)


def run(
    sequence: str,
    state: SwitchingState | None = None,
    *,
    by_severity: dict[str, SamplingPlan] = AQL_1,
    steady: bool = True,
    approved: bool = True,
) -> tuple[SwitchingState, list[Transition]]:
    """Apply the lots of a sequence, each on the plan of the severity then in force."""
    state = state or SwitchingState()
    moves: list[Transition] = []
    for number, mark in enumerate(sequence, start=1):
        used = by_severity[state.severity]
        found = {"A": 0, "a": used.ac, "R": used.re}[mark]
        state, step = next_state(
            state,
            lot_result(used, found, lot=f"L{number}"),
            steady_production=steady,
            reduced_approved=approved,
        )
        moves.extend(step)
    return state, moves


SEQUENCES = [
    # (start, lots, end, [(clause, lot that caused it), ...])
    ("normal", "ARAAR", "normal->tightened", [("9.3.1", "L5")]),
    ("normal", "RR", "normal->tightened", [("9.3.1", "L2")]),
    ("normal", "RAAAR", "normal->tightened", [("9.3.1", "L5")]),  # 2 of 5 consecutive
    ("normal", "RAAAAR", "normal", []),  # 6 lots apart: never 2 in any 5
    ("normal", "RAAAA" * 4 + "R", "normal", []),  # a rejection every fifth lot
    ("normal", "R", "normal", []),
    ("tightened", "AAAAA", "tightened->normal", [("9.3.2", "L5")]),
    ("tightened", "AAAA", "tightened", []),
    ("tightened", "AAAARAAAAA", "tightened->normal", [("9.3.2", "L10")]),  # run restarts
    ("tightened", "RRRRR", "tightened->discontinued", [("9.4", "L5")]),
    # cumulative, not consecutive: 5 rejections interleaved with short accepted runs
    ("tightened", "RAARAAARARAAAAR", "tightened->discontinued", [("9.4", "L15")]),
    ("tightened", "RRRRAAAAA", "tightened->normal", [("9.3.2", "L9")]),
    ("normal", "RRAAAAA", "normal", [("9.3.1", "L2"), ("9.3.2", "L7")]),
    ("normal", "RRRRRRR", "discontinued", [("9.3.1", "L2"), ("9.4", "L7")]),
    # back on normal at L7 the 2-of-5 count starts again: L8 and L10 are its two rejections
    ("normal", "RRAAAAARAR", "tightened", [("9.3.1", "L2"), ("9.3.2", "L7"), ("9.3.1", "L10")]),
    ("reduced", "AAAR", "reduced->normal", [("9.3.4", "L4")]),
    ("reduced", "AAAAAAAAAA", "reduced", []),
    ("reduced", "a", "reduced", []),  # Re = Ac + 1 in Table 2-C: Ac found is an acceptance
]


@pytest.mark.parametrize(("start", "lots", "path", "expected"), SEQUENCES)
def test_switching_sequences(start: str, lots: str, path: str, expected: list) -> None:
    """ISO 2859-1:1999 9.3.1, 9.3.2, 9.3.4 and 9.4 as sequences of accepted/rejected lots."""
    state, moves = run(lots, SwitchingState(severity=start), approved=False)  # type: ignore[arg-type]
    assert [(m.clause, m.lot) for m in moves] == expected
    assert state.severity == path.split("->")[-1]
    if moves:
        assert moves[0].from_severity == start
        assert [m.from_severity for m in moves[1:]] == [m.to_severity for m in moves[:-1]]
    assert state.lots_judged == len(lots)


def test_transition_says_why() -> None:
    """Each transition is a record: from, to, reason in words, clause and the lot behind it."""
    _, [move] = run("ARAAR")
    assert (move.from_severity, move.to_severity, move.clause, move.lot) == (
        "normal", "tightened", "9.3.1", "L5"
    )  # fmt: skip
    assert "2 of the last 5 lots rejected (lots L2 and L5)" in move.reason
    assert move.to_dict() == {
        "from": "normal", "to": "tightened", "reason": move.reason, "clause": "9.3.1", "lot": "L5"
    }  # fmt: skip
    _, moves = run("RRRRRRR")
    assert "5 lots rejected while on tightened inspection (lots L3, L4, L5, L6 and L7)" in (
        moves[-1].reason
    )


def test_switching_score_with_ac_two_or_more() -> None:
    """9.3.3.2 a) 1): Ac 2 (J, 80, 2 3): +3 if accepted at AQL 0.65 too (0 or 1 found), else 0."""
    scores = []
    state = SwitchingState()
    for found in (0, 1, 1, 2, 0, 0, 3):
        state, _ = next_state(
            state,
            lot_result(AQL_1["normal"], found),
            steady_production=True,
            reduced_approved=False,
        )
        scores.append(state.switching_score)
    # 2 found is accepted at AQL 1.0 but would not be at 0.65 (Ac 1): the score resets
    assert scores == [3, 6, 9, 0, 3, 6, 0]
    assert state.severity == "normal"  # one rejection only


def test_switching_score_with_ac_zero_or_one() -> None:
    """9.3.3.2 a) 2): Ac 1 (J, 80, 1 2 at AQL 0.65): +2 for each accepted lot, 0 on a rejection."""
    state, _ = run("AaAaR", by_severity=AQL_065, approved=False)
    assert state.switching_score == 0
    state, _ = run("AaAa", by_severity=AQL_065, approved=False)
    assert state.switching_score == 8


def test_score_of_30_goes_to_reduced_with_steady_production_and_approval() -> None:
    """9.3.3: 10 lots at +3 reach 30; reduced inspection starts on the tenth lot."""
    state, moves = run("A" * 9)
    assert (state.severity, state.switching_score, moves) == ("normal", 27, [])
    state, [move] = run("A" * 10)
    assert (state.severity, move.clause, move.lot) == ("reduced", "9.3.3", "L10")
    assert "switching score 30" in move.reason
    assert state.switching_score == 0  # reduced inspection keeps no score
    # Ac 0 or 1: 15 accepted lots at +2
    state, [move] = run("A" * 15, by_severity=AQL_065)
    assert (state.severity, move.lot) == ("reduced", "L15")


@pytest.mark.parametrize(("steady", "approved"), [(True, False), (False, True), (False, False)])
def test_no_reduced_inspection_without_steady_production_and_approval(
    steady: bool, approved: bool
) -> None:
    """9.3.3 b), c): a score of 30 or more alone does not switch; the score keeps counting."""
    state, moves = run("A" * 12, steady=steady, approved=approved)
    assert (state.severity, state.switching_score, moves) == ("normal", 36, [])
    assert state.reduced_allowed_by_score
    state, [move] = run("A", state, steady=True, approved=True)
    assert (state.severity, move.lot) == ("reduced", "L1")


def test_a_lot_accepted_at_ac_resets_the_score_before_30() -> None:
    state, moves = run("A" * 9 + "a")
    assert (state.severity, state.switching_score, moves) == ("normal", 0, [])


def test_reduced_ends_on_irregular_production() -> None:
    """9.3.4 b): production irregular or delayed on reduced inspection -> normal."""
    state, _ = run("A" * 10)
    state, [move] = run("A", state, steady=False)
    assert (state.severity, move.clause, move.from_severity) == ("normal", "9.3.4", "reduced")
    assert "irregular" in move.reason
    assert state.switching_score == 0


def test_reinstate_normal_by_decision() -> None:
    """9.3.4 c)/d): other conditions warrant normal inspection: a person's call, with a reason."""
    state, _ = run("A" * 10)
    state, [move] = reinstate_normal(state, "  new supplier site  ")
    assert (state.severity, move.clause, move.lot) == ("normal", "9.3.4", None)
    assert move.reason == "new supplier site: normal inspection"
    with pytest.raises(SamplingError, match="only from reduced"):
        reinstate_normal(state, "again")
    reduced, _ = run("A" * 10)
    with pytest.raises(SamplingError, match="say why"):
        reinstate_normal(reduced, " ")


def test_discontinued_until_resumed_then_tightened() -> None:
    """9.4: no lot is judged while discontinued; resume is explicit and restarts on tightened."""
    stopped, _ = run("RRRRRRR")
    assert stopped.severity == "discontinued"
    with pytest.raises(SamplingError, match="discontinued"):
        next_state(
            stopped,
            lot_result(AQL_1["tightened"], 0),
            steady_production=True,
            reduced_approved=True,
        )
    with pytest.raises(SamplingError, match="say why"):
        resume(stopped, "")
    state, [move] = resume(stopped, "8D report 4711 accepted by supplier quality")
    assert (move.from_severity, move.to_severity, move.clause) == (
        "discontinued", "tightened", "9.4"
    )  # fmt: skip
    assert "8D report 4711" in move.reason
    assert state.rejected_on_tightened == ()  # the count of 5 starts again
    state, moves = run("AAAAA", state)
    assert state.severity == "normal" and [m.clause for m in moves] == ["9.3.2"]
    with pytest.raises(SamplingError, match="only discontinued"):
        resume(state, "why not")


def test_resubmitted_lots_do_not_count() -> None:
    """9.3.1: 'on original inspection (i.e. ignoring resubmitted lots)'."""
    state, _ = run("R")
    again = lot_result(AQL_1["normal"], 3, lot="L1-resubmitted", resubmitted=True)
    after, moves = next_state(state, again, steady_production=True, reduced_approved=True)
    assert (after, moves) == (state, ())


def test_the_lot_must_be_inspected_on_the_plan_in_force() -> None:
    with pytest.raises(SamplingError, match="take the tightened plan"):
        next_state(
            SwitchingState(severity="tightened"),
            lot_result(AQL_1["normal"], 0),
            steady_production=True,
            reduced_approved=True,
        )


def test_a_lot_result_must_agree_with_its_plan() -> None:
    from core.sampling import LotResult

    with pytest.raises(SamplingError, match="means it is rejected"):
        LotResult(accepted=True, plan=AQL_1["normal"], defectives=3)


def test_state_is_plain_values_and_round_trips_through_json() -> None:
    state, _ = run("RAAA")
    stored = json.loads(json.dumps(state.to_dict()))
    assert SwitchingState.from_dict(stored) == state
    tightened, _ = run("RARAAR")
    assert SwitchingState.from_dict(json.loads(json.dumps(tightened.to_dict()))) == tightened
    assert tightened.rejected_on_tightened == ("L6",)


@pytest.mark.parametrize(
    "damaged",
    [
        {"severity": "loose"},
        {"switching_score": -1},
        {"switching_score": True},
        {"recent": "AR"},
        {"recent": [["L1", "yes"]]},
        {"version": 99},
        {"severity": 3},
    ],
)
def test_a_damaged_stored_state_is_refused(damaged: dict) -> None:
    with pytest.raises(SamplingError):
        SwitchingState.from_dict(damaged)


def test_next_state_is_pure() -> None:
    """The same state and lot give the same answer; the input state is never changed."""
    state, _ = run("RAA")
    result = lot_result(AQL_1["normal"], 3, lot="X")
    first = next_state(state, result, steady_production=True, reduced_approved=True)
    second = next_state(state, result, steady_production=True, reduced_approved=True)
    assert first == second
    assert state == run("RAA")[0]
