"""Bad input from a station, through the real HTTP API: each bad event is answered rejected
with a reason a person can read and kept for supervisors, the good events around it are
applied, and the station's next batch goes through. Never a 500.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from core import events as ev
from tests.conftest import LiveServer
from tests.support import badge_in, event

STATION = "L1-TURN"
BADGE = "EMP1001"
SURROGATE = "@@SURROGATE@@"  # replaced by the JSON escape \ud800 in the raw body


def _ok() -> dict[str, Any]:
    return badge_in(STATION, BADGE)


def _with(raw: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**raw, **changes}


def _with_payload(raw: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**raw, "payload": {**raw["payload"], **changes}}


def _job_started(**changes: Any) -> dict[str, Any]:
    raw = event(
        ev.JobStarted(job_id=uuid.uuid4(), work_order="WO-1001", operation=20),
        station=STATION, operator=BADGE,
    )  # fmt: skip
    return _with_payload(raw, **changes)


def _lot_consumed(lot: str) -> dict[str, Any]:
    raw = event(
        ev.LotConsumed(job_id=uuid.uuid4(), lot="LOT-BAR-261101", part="BAR-C45-16", qty=1.0),
        station=STATION, operator=BADGE,
    )  # fmt: skip
    return _with_payload(raw, lot=lot)


def _disposition(details: dict[str, Any]) -> dict[str, Any]:
    raw = event(
        ev.DispositionSigned(
            disposition_id=uuid.uuid4(), ncr="NCR-1", kind="scrap", signer=BADGE, meaning="approved"
        ),
        station=STATION, operator=BADGE,
    )  # fmt: skip
    return _with_payload(raw, details=details)


#: name -> (a bad event, words its reason must hold)
BAD: dict[str, tuple[Callable[[], dict[str, Any]], tuple[str, ...]]] = {
    "nul in id": (lambda: _with(_ok(), id=str(uuid.uuid4()) + "\x00"), ("id", "UUID")),
    "nul in station": (lambda: _with(_ok(), station_id=STATION + "\x00"), ("station_id", "NUL")),
    "nul in operator": (lambda: _with(_ok(), operator_id="EMP\x001001"), ("operator_id", "NUL")),
    "nul in lot": (lambda: _lot_consumed("LOT-\x00BAR"), ("lot", "NUL")),
    "nul in badge": (lambda: _with_payload(_ok(), badge="EMP\x001001"), ("badge", "NUL")),
    "seq beyond 64 bits": (lambda: _with(_ok(), seq=2**64 + 5), ("seq",)),
    "seq beyond the column": (lambda: _with(_ok(), seq=2**31), ("seq",)),
    "seq negative": (lambda: _with(_ok(), seq=-(2**63)), ("seq",)),
    "operation beyond 64 bits": (lambda: _job_started(operation=2**64 + 10), ("operation",)),
    "operation beyond the column": (lambda: _job_started(operation=2**31), ("operation",)),
    "time overflows in UTC": (
        lambda: _with(_ok(), occurred_at="9999-12-31T23:59:59-05:00"),
        ("occurred_at", "out of range"),
    ),
    "operator longer than its column": (
        lambda: _with(_ok(), operator_id="E" * 60),
        ("operator_id", "40"),
    ),
    "lone surrogate in operator": (lambda: _with(_ok(), operator_id=SURROGATE), ("operator_id",)),
    "lone surrogate in payload": (lambda: _with_payload(_ok(), badge=SURROGATE), ("badge",)),
    "before the plant's records": (
        lambda: _with(_ok(), occurred_at="1999-12-31T23:59:59+00:00"),
        ("before the plant's records begin", "terminal clock"),
    ),
    "nul in a free-form field": (lambda: _disposition({"note": "a\x00b"}), ("details.note", "NUL")),
    "lone surrogate in a field name": (
        lambda: _disposition({SURROGATE: 1}),
        ("field name", "surrogate"),
    ),
    "not a number in a free-form field": (
        lambda: _disposition({"qty": float("nan")}),
        ("details.qty",),
    ),
    "far future": (
        lambda: _with(_ok(), occurred_at="2300-01-01T00:00:00+00:00"),
        ("in the future", "terminal clock"),
    ),
}


def _body(raws: list[Any]) -> bytes:
    text = json.dumps({"events": raws}, ensure_ascii=True)
    return text.replace(SURROGATE, "\\ud800").encode("ascii")


def post(live: LiveServer, raws: list[Any], station: str = STATION) -> httpx.Response:
    headers = {**live.headers(station), "Content-Type": "application/json"}
    return httpx.post(f"{live.url}/api/v1/events", content=_body(raws), headers=headers, timeout=30)


def rejected(live: LiveServer, station: str = STATION) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{live.url}/api/v1/events/rejected",
        params={"station": station},
        headers=live.headers(),
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return list(r.json())


def assert_rejected_between_applied(
    live: LiveServer, bad: dict[str, Any], words: tuple[str, ...]
) -> str:
    """Post [ok, bad, ok]; the bad one is rejected and kept, the rest applied; its reason."""
    r = post(live, [_ok(), bad, _ok()])
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["applied", "rejected", "applied"], results
    reason = results[1]["reason"]
    assert reason and len(reason) < 600 and "Traceback" not in reason
    assert "\x00" not in reason and reason.isprintable(), reason
    for word in words:
        assert word in reason, reason
    assert any(row["reason"] == reason for row in rejected(live)), reason
    after = post(live, [_ok()])
    assert after.status_code == 200, after.text
    assert [x["status"] for x in after.json()["results"]] == ["applied"], after.text
    return str(reason)


@pytest.mark.parametrize("case", list(BAD))
def test_bad_event_is_rejected_between_good_ones(live_server: LiveServer, case: str) -> None:
    make, words = BAD[case]
    assert_rejected_between_applied(live_server, make(), words)


def test_reused_id_with_another_payload_is_a_conflict(live_server: LiveServer) -> None:
    first = _ok()
    assert post(live_server, [first]).json()["results"][0]["status"] == "applied"
    other = _with_payload(_ok(), badge="EMP1002")
    reason = assert_rejected_between_applied(
        live_server, _with(other, id=first["id"]), ("conflict: ",)
    )
    assert reason.startswith("conflict: ") and first["id"] in reason


def test_reused_id_with_another_type_is_a_conflict(live_server: LiveServer) -> None:
    first = _ok()
    assert post(live_server, [first]).json()["results"][0]["status"] == "applied"
    other = event(ev.OperatorLoggedOut(badge=BADGE), station=STATION, operator=BADGE)
    reason = assert_rejected_between_applied(
        live_server, _with(other, id=first["id"]), ("conflict: ",)
    )
    assert reason.startswith("conflict: ")


def test_reused_id_within_one_batch_is_a_conflict(live_server: LiveServer) -> None:
    first = _ok()
    twin = _with(_with_payload(_ok(), badge="EMP1002"), id=first["id"])
    r = post(live_server, [first, twin, _ok()])
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["applied", "rejected", "applied"], results
    assert results[1]["reason"].startswith("conflict: ")


def test_replay_is_still_a_duplicate(live_server: LiveServer) -> None:
    first = _ok()
    assert post(live_server, [first]).json()["results"][0]["status"] == "applied"
    again = post(live_server, [first]).json()["results"][0]
    assert again["status"] == "duplicate" and again["original_status"] == "applied"
