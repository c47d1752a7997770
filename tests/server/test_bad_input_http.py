"""Bad requests to the real server: bodies over the size limit, query values out of range,
JSON nested beyond reason, text no database stores in a free-form field. Answered with a
4xx a person can read, never a 500."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from server.settings import Settings
from tests.conftest import LiveServer
from tests.server.test_bad_input import STATION, _ok, post
from tests.server.test_quality_loop import failing_saw_job

LIMIT = Settings().max_body_bytes


def _raw_request(live: LiveServer, head: str, body: bytes) -> tuple[int, bytes]:
    """Send ``head`` and only ``body`` (less than its Content-Length says); the status and body
    of the answer, which must come without the server waiting for the rest."""
    parts = urlsplit(live.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(head.encode("ascii") + body)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1]


def _length(answer: bytes) -> int:
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def test_body_over_the_limit_is_413_before_it_is_read(live_server: LiveServer) -> None:
    token = live_server.headers(STATION)["Authorization"]
    head = (
        "POST /api/v1/events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Authorization: {token}\r\nContent-Length: {LIMIT + 1}\r\n\r\n"
    )
    status, body = _raw_request(live_server, head, b'{"events": [')
    assert status == 413, body
    text = body.decode()
    assert "8 MiB" in text and "smaller batches" in text, text
    assert post(live_server, [_ok()]).json()["results"][0]["status"] == "applied"


def test_streamed_body_over_the_limit_is_413(live_server: LiveServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"events": [' + b" " * 1024 * 1024
        for _ in range(LIMIT // (1024 * 1024) + 2):
            yield b" " * 1024 * 1024

    try:
        r = httpx.post(
            f"{live_server.url}/api/v1/events", content=chunks(), timeout=30,
            headers={**live_server.headers(STATION), "Content-Type": "application/json"},
        )  # fmt: skip
    except httpx.WriteError:
        pytest.fail("the server closed the connection without an answer")
    assert r.status_code == 413, r.text
    assert "8 MiB" in r.json()["detail"]
    assert post(live_server, [_ok()]).json()["results"][0]["status"] == "applied"


def test_body_under_the_limit_is_read(live_server: LiveServer) -> None:
    padding = " " * (LIMIT // 2)
    body = b'{"events": [' + padding.encode() + b"]}"
    r = httpx.post(
        f"{live_server.url}/api/v1/events", content=body, timeout=30,
        headers={**live_server.headers(STATION), "Content-Type": "application/json"},
    )  # fmt: skip
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "params",
    [
        {"limit": -1},
        {"limit": 0},
        {"limit": 2**63},
        {"limit": 10**30},
        {"limit": "lots"},
        {"station": "L1\x00"},
    ],
)
def test_rejected_list_refuses_limits_out_of_range(
    live_server: LiveServer, params: dict[str, Any]
) -> None:
    r = httpx.get(
        f"{live_server.url}/api/v1/events/rejected",
        params=params,
        headers=live_server.headers(),
        timeout=10,
    )
    assert r.status_code == 422, r.text
    assert next(iter(params)) in r.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"since": -1}, {"since": 2**31}, {"since": 2**64}, {"since": 10**30},
        {"limit": -5}, {"limit": 0}, {"limit": 2**63}, {"wait": -1}, {"wait": 1e308},
    ],
)  # fmt: skip
def test_feed_refuses_values_out_of_range(live_server: LiveServer, params: dict[str, Any]) -> None:
    url = f"{live_server.url}/api/v1/stations/{STATION}/feed"
    r = httpx.get(url, params=params, headers=live_server.headers(STATION), timeout=10)
    assert r.status_code == 422, r.text
    assert next(iter(params)) in r.json()["detail"]


@pytest.mark.parametrize("station", ["L1\x00", "S" * 41])
def test_feed_of_a_station_no_database_has_is_422(live_server: LiveServer, station: str) -> None:
    url = f"{live_server.url}/api/v1/stations/{quote(station)}/feed"
    r = httpx.get(url, headers=live_server.headers(), timeout=10)
    assert r.status_code == 422, r.text
    assert "station_id" in r.json()["detail"]


def test_feed_at_the_last_cursor_is_answered(live_server: LiveServer) -> None:
    url = f"{live_server.url}/api/v1/stations/{STATION}/feed"
    r = httpx.get(
        url, params={"since": 2**31 - 1}, headers=live_server.headers(STATION), timeout=10
    )
    assert r.status_code == 200, r.text


def test_json_nested_beyond_reason_is_not_a_500(live_server: LiveServer) -> None:
    depth = 200_000
    body = b'{"events": [' + b"[" * depth + b"]" * depth + b"]}"
    r = httpx.post(
        f"{live_server.url}/api/v1/events", content=body, timeout=30,
        headers={**live_server.headers(STATION), "Content-Type": "application/json"},
    )  # fmt: skip
    assert 400 <= r.status_code < 500, r.text
    assert post(live_server, [_ok()]).json()["results"][0]["status"] == "applied"


@pytest.mark.parametrize(
    "details", [{"note": "a\u0000b"}, {"a\u0000": 1}], ids=["nul in a value", "nul in a name"]
)
def test_disposition_details_no_database_stores_are_refused(
    live_server: LiveServer, details: dict[str, Any]
) -> None:
    _, measured = failing_saw_job(live_server.engine)
    url = f"{live_server.url}/api/v1/ncrs/{measured.outcome['ncr']}/disposition"
    body = {"kind": "scrap", "badge": "EMP1010", "pin": "1010", "details": details}
    r = httpx.post(url, json=body, headers=live_server.headers(), timeout=10)
    assert r.status_code == 422, r.text
    assert "NUL" in r.json()["detail"], r.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"events": "\\ud800"}',
        b'{"events": ["\\ud800", 1, null, []]}',
        b'{"\\ud800": [], "events": []}',
        b'{"events": [{"\\ud800": "\\u0000"}]}',
        b'{"events": [',
        b"\xff\xfe",
        b'{"events": [{"id": 1e999, "seq": NaN, "payload": {"a": -Infinity}}]}',
    ],
    ids=["surrogate list", "odd items", "surrogate key", "odd event", "cut", "not utf-8", "inf"],
)
def test_odd_bodies_are_never_a_500(live_server: LiveServer, body: bytes) -> None:
    r = httpx.post(
        f"{live_server.url}/api/v1/events",
        content=body,
        timeout=30,
        headers={**live_server.headers(STATION), "Content-Type": "application/json"},
    )
    assert r.status_code < 500, r.text
    if r.status_code == 200:
        assert all(x["status"] == "rejected" for x in r.json()["results"]), r.text
        assert all(x["reason"] for x in r.json()["results"]), r.text
        assert (
            httpx.get(
                f"{live_server.url}/api/v1/events/rejected",
                headers=live_server.headers(),
                timeout=10,
            ).status_code
            == 200
        )
    assert post(live_server, [_ok()]).json()["results"][0]["status"] == "applied"
