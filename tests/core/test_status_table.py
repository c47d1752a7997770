"""The status transition table: allowed exactly where it says, refused in words everywhere else.

Every (from, to, cause) over a kind's statuses and every ``Cause`` that
``core.status`` defines is tried, legal or not.
"""

from __future__ import annotations

import itertools

import pytest

from core import status as st
from core.permissions import roles_for

CAUSES: list[st.Cause] = [v for v in vars(st).values() if isinstance(v, st.Cause)]
KINDS = sorted(st.TRANSITIONS)
IDENT = {
    "lot": "LOT-42",
    "hold": "0a1b2c3d",
    "ncr": "NCR-2026-0007",
    "disposition": "9f8e7d6c",
    "work_order": "WO-1001",
}


def _combinations(kind: str) -> list[tuple[str, str, st.Cause]]:
    statuses = st.STATUSES[kind]
    return list(itertools.product(statuses, statuses, CAUSES))


def test_every_kind_has_its_statuses_and_a_name() -> None:
    assert set(st.TRANSITIONS) == set(st.STATUSES) == set(IDENT)


def test_causes_have_distinct_names_and_someone_may_cause_each() -> None:
    # The table stores cause names: two causes sharing a name would share their rights.
    names = [c.name for c in CAUSES]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    nobody = [c.name for c in CAUSES if c.action is not None and not roles_for(c.action)]
    assert not nobody, f"causes no role may bring about: {nobody}"


@pytest.mark.parametrize("kind", KINDS)
def test_the_table_names_only_known_statuses_and_causes(kind: str) -> None:
    statuses = set(st.STATUSES[kind])
    names = {c.name for c in CAUSES}
    for (frm, to), causes in st.TRANSITIONS[kind].items():
        assert frm in statuses and to in statuses, (
            f"{kind}: {frm} -> {to} is not between its statuses"
        )
        assert causes, f"{kind}: {frm} -> {to} lists no cause"
        assert causes <= names, (
            f"{kind}: {frm} -> {to} names unknown causes {sorted(causes - names)}"
        )


@pytest.mark.parametrize("kind", KINDS)
def test_allowed_exactly_when_the_table_says_so(kind: str) -> None:
    table = st.TRANSITIONS[kind]
    wrong = []
    for frm, to, cause in _combinations(kind):
        listed = cause.name in table.get((frm, to), frozenset())
        if (
            st.allowed(kind, frm, to, cause) != listed
            or st.allowed(kind, frm, to, cause.name) != listed
        ):
            wrong.append((frm, to, cause.name, listed))
    assert not wrong, f"{kind}: allowed() disagrees with the table for {wrong[:10]}"


@pytest.mark.parametrize("kind", KINDS)
def test_check_passes_legal_changes_and_refuses_the_rest_in_words(kind: str) -> None:
    table = st.TRANSITIONS[kind]
    ident = IDENT[kind]
    legal = illegal = 0
    for frm, to, cause in _combinations(kind):
        if cause.name in table.get((frm, to), frozenset()):
            st.check(kind, frm, to, cause, ident)
            legal += 1
            continue
        with pytest.raises(st.TransitionError) as raised:
            st.check(kind, frm, to, cause, ident)
        message = str(raised.value)
        illegal += 1
        for part in (ident, frm.replace("_", " "), to.replace("_", " ")):
            assert part in message, (
                f"{kind} {frm} -> {to} ({cause.name}): {message!r} lacks {part!r}"
            )
        assert "_" not in message.replace(ident, ""), message
    assert legal == sum(len(c) for c in table.values())
    assert illegal > 0


def test_a_refusal_reads_as_a_sentence() -> None:
    with pytest.raises(st.TransitionError) as raised:
        st.check("work_order", "closed", "in_progress", st.START, "WO-1001")
    assert str(raised.value) == "work order WO-1001 is closed: it cannot become in progress (start)"
    with pytest.raises(st.TransitionError) as raised:
        st.check("lot", "on_hold", "shipped", st.SHIP, "LOT-42")
    assert str(raised.value) == "lot LOT-42 is on hold: it cannot become shipped (ship)"


@pytest.mark.parametrize("kind", KINDS)
def test_a_status_the_kind_does_not_have_is_refused(kind: str) -> None:
    with pytest.raises(st.TransitionError, match="is not a"):
        st.check(kind, st.STATUSES[kind][0], "teleported", CAUSES[0], IDENT[kind])


def test_final_lot_statuses_are_never_left() -> None:
    leaving = [(f, t) for (f, t) in st.TRANSITIONS["lot"] if f in st.LOT_FINAL]
    assert not leaving, f"final lot statuses with a way out: {leaving}"
    assert st.LOT_FINAL | st.LOT_IN_PLANT == set(st.LOT_STATUSES)
    assert not st.LOT_FINAL & st.LOT_IN_PLANT


@pytest.mark.parametrize("kind", ["hold", "ncr", "disposition"])
def test_closed_records_stay_closed(kind: str) -> None:
    final = st.STATUSES[kind][-1]
    assert not [k for k in st.TRANSITIONS[kind] if k[0] == final], f"a {kind} leaves {final}"


def test_a_closed_or_cancelled_work_order_stays_so() -> None:
    leaving = [k for k in st.TRANSITIONS["work_order"] if k[0] in ("closed", "cancelled")]
    assert not leaving, leaving
