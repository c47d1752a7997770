"""Traces equal a plain graph search on random genealogies; enriched, bounded; SQLite + PG."""

from __future__ import annotations

import uuid
from collections import defaultdict, deque
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core import events as ev
from core.events import material as me
from server.app import create_app
from server.services.stations import enroll
from server.settings import Settings
from server.trace import query as tr
from tests.support import event, finish, ingest_one

Edge = tuple[str, str, float]  # parent, child, qty
PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# --- random genealogies, inserted straight into the tables ------------------


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[str], list[Edge]]:
    """Lots in a hidden order; every edge runs from an earlier lot to a later one."""
    n = draw(st.integers(min_value=1, max_value=12))
    names = draw(st.permutations([f"L{i:02d}" for i in range(n)]))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=30))
    edges = [
        (names[min(a, b)], names[max(a, b)], float(1 + (a * 7 + b) % 5)) for a, b in pairs if a != b
    ]
    return list(names), edges


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[str], list[Edge]]:
    """Any directed graph, cycles allowed (bad data)."""
    n = draw(st.integers(min_value=1, max_value=8))
    names = [f"L{i:02d}" for i in range(n)]
    pairs = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=16)
    )
    return names, [(names[a], names[b], 1.0) for a, b in pairs]


def load(engine: Engine, lots: list[str], edges: list[Edge]) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM genealogy_edge"))
        conn.execute(text("DELETE FROM lot"))
        if conn.execute(text("SELECT COUNT(*) FROM part WHERE id = 'P'")).scalar_one() == 0:
            conn.execute(
                text(
                    "INSERT INTO part (id, description, kind, unit, rev) "
                    "VALUES ('P', '', 'made', 'pcs', 0)"
                )
            )
        now = "2026-11-25 10:00:00"
        for lot in lots:
            conn.execute(
                text(
                    "INSERT INTO lot (id, part, qty, initial_qty, status, created_at, rev) "
                    "VALUES (:id, 'P', 1, 1, 'available', :now, 0)"
                ),
                {"id": lot, "now": now},
            )
        for parent, child, qty in edges:
            conn.execute(
                text(
                    "INSERT INTO genealogy_edge (parent_lot, child_lot, qty, kind) "
                    "VALUES (:p, :c, :q, 'consume')"
                ),
                {"p": parent, "c": child, "q": qty},
            )


def adjacency(edges: list[Edge], direction: str) -> dict[str, list[tuple[str, float]]]:
    out: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for parent, child, qty in edges:
        if direction == "forward":
            out[parent].append((child, qty))
        else:
            out[child].append((parent, qty))
    return out


def bfs(edges: list[Edge], root: str, direction: str, depth: int | None) -> dict[str, int]:
    """Shortest distance from ``root`` to every lot within ``depth`` edges: the reference answer."""
    adj = adjacency(edges, direction)
    seen = {root: 0}
    queue = deque([root])
    while queue:
        lot = queue.popleft()
        if depth is not None and seen[lot] >= depth:
            continue
        for nxt, _ in adj[lot]:
            if nxt not in seen:
                seen[nxt] = seen[lot] + 1
                queue.append(nxt)
    return seen


def has_reachable_cycle(edges: list[Edge], root: str, direction: str) -> bool:
    adj = adjacency(edges, direction)
    reach = bfs(edges, root, direction, None)
    # Kahn's algorithm on the reachable part: leftovers sit on or behind a cycle.
    indegree = {lot: 0 for lot in reach}
    for lot in reach:
        for nxt, _ in adj[lot]:
            indegree[nxt] += 1
    queue = deque(lot for lot, d in indegree.items() if d == 0)
    done = 0
    while queue:
        lot = queue.popleft()
        done += 1
        for nxt, _ in adj[lot]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                queue.append(nxt)
    return done < len(reach)


# --- properties -------------------------------------------------------------


@PROPERTY
@given(
    data=dags(),
    pick=st.integers(min_value=0),
    direction=st.sampled_from(["backward", "forward"]),
    depth=st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
)
def test_trace_equals_graph_search(
    empty_engine: Engine,
    data: tuple[list[str], list[Edge]],
    pick: int,
    direction: str,
    depth: int | None,
) -> None:
    lots, edges = data
    load(empty_engine, lots, edges)
    root = lots[pick % len(lots)]
    expected = bfs(edges, root, direction, depth)
    result = tr.trace(empty_engine, root, direction, depth)  # type: ignore[arg-type]
    assert {n.lot: n.depth for n in result.lots} == expected
    assert result.total == len(expected) and not result.truncated and result.complete
    assert [(n.depth, n.lot) for n in result.lots] == sorted(
        (d, lot) for lot, d in expected.items()
    )
    adj = adjacency(edges, direction)
    for node in result.lots:
        assert sorted((link.lot, link.qty) for link in node.links) == sorted(adj[node.lot])
        assert node.links_total == len(adj[node.lot])
        assert node.cut == (depth is not None and node.depth == depth and bool(adj[node.lot]))
    if depth is not None:
        frontier = [lot for lot, d in expected.items() if d == depth]
        assert result.cut_links == sum(len(adj[lot]) for lot in frontier)
    # The depth-free set queries agree too.
    everything = set(bfs(edges, root, direction, None))
    assert tr.reachable(empty_engine, [root], direction) == everything  # type: ignore[arg-type]


@PROPERTY
@given(
    data=graphs(),
    pick=st.integers(min_value=0),
    direction=st.sampled_from(["backward", "forward"]),
    depth=st.one_of(st.none(), st.integers(min_value=0, max_value=6)),
)
def test_cycles_end_with_a_clear_error(
    empty_engine: Engine,
    data: tuple[list[str], list[Edge]],
    pick: int,
    direction: str,
    depth: int | None,
) -> None:
    lots, edges = data
    load(empty_engine, lots, edges)
    root = lots[pick % len(lots)]
    # Collecting lots ends on any graph.
    assert tr.reachable(empty_engine, [root], direction) == set(bfs(edges, root, direction, None))  # type: ignore[arg-type]
    cyclic = has_reachable_cycle(edges, root, direction)
    try:
        result = tr.trace(empty_engine, root, direction, depth)  # type: ignore[arg-type]
    except tr.GenealogyCycle as exc:
        assert cyclic
        assert "contains a cycle" in str(exc) and "fix them before tracing" in str(exc)
        cycle = exc.cycle
        assert cycle[0] == cycle[-1] and len(cycle) >= 2
        steps = {(a, b) for a, nexts in adjacency(edges, direction).items() for b, _ in nexts}
        assert all((a, b) in steps for a, b in zip(cycle, cycle[1:], strict=False))
        return
    # Without a depth limit a cycle always raises; within one the answer is the plain search's.
    assert not (cyclic and depth is None)
    assert {n.lot: n.depth for n in result.lots} == bfs(edges, root, direction, depth)


@PROPERTY
@given(data=dags(), size=st.integers(min_value=1, max_value=5))
def test_pages_add_up_to_the_whole_trace(
    empty_engine: Engine, data: tuple[list[str], list[Edge]], size: int
) -> None:
    lots, edges = data
    load(empty_engine, lots, edges)
    root = lots[0]
    whole = [(n.lot, n.depth) for n in tr.trace(empty_engine, root, "forward").lots]
    pages: list[tuple[str, int]] = []
    for offset in range(0, len(whole), size):
        page = tr.trace(empty_engine, root, "forward", limit=size, offset=offset)
        assert page.total == len(whole)
        pages += [(n.lot, n.depth) for n in page.lots]
    assert pages == whole


# --- bounds and bad input ---------------------------------------------------


def test_bulk_fan_out_is_bounded(empty_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    children = [f"C{i:03d}" for i in range(60)]
    grandchildren = [f"G{i:03d}" for i in range(60)]
    load(
        empty_engine,
        ["BULK", *children, *grandchildren],
        [("BULK", c, 0.5) for c in children]
        + list(zip(children, grandchildren, [1.0] * 60, strict=True)),
    )
    monkeypatch.setattr(tr, "LINKS_PER_NODE", 10)
    page = tr.trace(empty_engine, "BULK", "forward", limit=25)
    assert page.total == 121 and len(page.lots) == 25 and page.truncated
    root = page.lots[0]
    assert root.lot == "BULK" and root.links_total == 60 and len(root.links) == 10
    assert [link.lot for link in root.links] == children[:10]
    shallow = tr.trace(empty_engine, "BULK", "forward", depth=1)
    assert shallow.total == 61 and shallow.cut_links == 60 and shallow.deepest == 1
    assert all(n.cut for n in shallow.lots if n.depth == 1)
    assert tr.downstream_lots(empty_engine, ["C001", "C002"], include_self=False) == {
        "G001",
        "G002",
    }
    # A walk that meets too many lots stops breadth first and says so.
    stopped = tr.trace(empty_engine, "BULK", "forward", walk_limit=30)
    assert not stopped.complete and stopped.total == 31  # the one lot too many tells it to stop
    assert {n.depth for n in stopped.lots} == {0, 1}
    assert tr.trace(empty_engine, "BULK", "forward", walk_limit=121).complete


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"direction": "sideways"}, "direction must be 'backward' or 'forward'"),
        ({"depth": -1}, "depth must be between 0 and 100"),
        ({"depth": 101}, "depth must be between 0 and 100"),
        ({"limit": 0}, "limit must be between 1 and 10000"),
        ({"offset": -5}, "offset must be 0 or more"),
        ({"walk_limit": 0}, "walk_limit must be 1 or more"),
    ],
)
def test_bad_arguments_are_refused_clearly(
    engine: Engine, kwargs: dict[str, Any], needle: str
) -> None:
    with pytest.raises(tr.TraceError, match=needle):
        tr.trace(engine, "LOT-BAR-261101", **kwargs)


def test_unknown_lot(engine: Engine) -> None:
    with pytest.raises(tr.UnknownLot, match="lot or serial LOT-NOPE does not exist"):
        tr.trace(engine, "LOT-NOPE")


def test_a_lot_named_only_by_an_edge_is_shown_as_unknown(empty_engine: Engine) -> None:
    load(empty_engine, ["A"], [("GHOST", "A", 2.0)])
    result = tr.trace(empty_engine, "A", "backward")
    assert [(n.lot, n.kind) for n in result.lots] == [("A", "lot"), ("GHOST", "unknown")]


# --- enrichment on a real history -------------------------------------------


def _post(
    engine: Engine, payload: ev.Payload, station: str, operator: str = "EMP1002"
) -> dict[str, Any]:
    result = ingest_one(engine, event(payload, station=station, operator=operator), station)
    assert result.status == "applied", result.reason
    return result.outcome


def _history(engine: Engine) -> None:
    """Bar -> saw job (measured, a burr) -> shafts (turned, ground, inspected); shafts split;
    half shipped."""
    job = uuid.uuid4()
    for payload in (
        ev.JobStarted(job_id=job, work_order="WO-1001", operation=10),
        ev.LotConsumed(job_id=job, lot="LOT-BAR-261101", part="BAR-C45-16", qty=8.0),
        ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-CUT-LEN", value=155.1, unit="mm"),
        ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-CUT-LEN", value=154.9, unit="mm"),
        ev.DefectFlagged(job_id=job, code="DEF-BURR", qty=2),
        ev.JobCompleted(job_id=job, output_lot="LOT-SHAFT-T1", good_qty=48, scrap_qty=2),
    ):
        _post(engine, payload, "L1-SAW")
    finish(engine, "LOT-SHAFT-T1", operator="EMP1002")  # only finished shafts can ship
    _post(
        engine,
        me.LotSplit(lot="LOT-SHAFT-T1", new_lots=[me.LotQty(lot="LOT-SHAFT-T1A", qty=24)]),
        "L2-PACK",
    )
    _post(
        engine,
        me.LotShipped(lot="LOT-SHAFT-T1A", qty=24, customer="ACME", customer_order="SO-1"),
        "L2-PACK",
    )
    _post(
        engine,
        ev.HoldPlaced(
            hold_id=uuid.uuid4(), target_type="lot", target="LOT-SHAFT-T1", reason="burr complaint"
        ),
        "L2-PACK",
        operator="EMP1009",
    )


def test_nodes_carry_what_an_investigation_needs(engine: Engine) -> None:
    _history(engine)
    back = tr.trace(engine, "LOT-SHAFT-T1A", "backward")
    assert [(n.lot, n.depth) for n in back.lots] == [
        ("LOT-SHAFT-T1A", 0),
        ("LOT-SHAFT-T1", 1),
        ("LOT-BAR-261101", 2),
    ]
    shipped, shafts, bar = back.lots
    assert shipped.status == "shipped" and shipped.origin == "split" and shipped.qty == 0
    assert [(s.customer, s.customer_order, s.qty) for s in shipped.shipments] == [
        ("ACME", "SO-1", 24)
    ]
    assert [(link.lot, link.qty, link.kind) for link in shipped.links] == [
        ("LOT-SHAFT-T1", 24, "split")
    ]
    assert (shafts.part, shafts.work_order, shafts.operation, shafts.station, shafts.operator) == (
        "SHAFT-12",
        "WO-1001",
        10,
        "L1-SAW",
        "EMP1002",
    )
    assert shafts.operation_name == "Saw bar to length" and shafts.operator_name == "Ben Okafor"
    assert shafts.started_at is not None and shafts.ended_at is not None
    [cut_len] = shafts.measurements
    assert (
        cut_len.characteristic,
        cut_len.n,
        cut_len.fails,
        cut_len.min,
        cut_len.max,
        cut_len.verdict,
    ) == ("SHAFT-CUT-LEN", 2, 0, 154.9, 155.1, "pass")
    assert [(d.code, d.qty) for d in shafts.defects] == [("DEF-BURR", 2)]
    assert shafts.on_hold and [h.reason for h in shafts.holds if h.status == "open"] == [
        "burr complaint"
    ]
    assert [(link.lot, link.qty) for link in shafts.links] == [("LOT-BAR-261101", 8)]
    assert (bar.supplier, bar.supplier_name, bar.supplier_lot) == (
        "SUP-STEEL",
        "Nordstahl Bar Stock GmbH",
        "H58821",
    )
    assert bar.origin == "opening stock" and bar.links == []
    forward = tr.trace(engine, "LOT-BAR-261101", "forward")
    assert [n.lot for n in forward.lots] == ["LOT-BAR-261101", "LOT-SHAFT-T1", "LOT-SHAFT-T1A"]
    assert [(c.customer, c.customer_order, c.lots, c.qty) for c in forward.customers] == [
        ("ACME", "SO-1", 1, 24)
    ]


def test_trace_works_inside_a_session(engine: Engine) -> None:
    from sqlmodel import Session

    _history(engine)
    with Session(engine) as session:
        assert [n.lot for n in tr.trace(session, "LOT-SHAFT-T1A").lots][-1] == "LOT-BAR-261101"
        assert tr.downstream_lots(session, ["LOT-BAR-261101"]) == {
            "LOT-BAR-261101",
            "LOT-SHAFT-T1",
            "LOT-SHAFT-T1A",
        }


# --- the API ----------------------------------------------------------------


def test_trace_api(engine: Engine) -> None:
    _history(engine)
    client = TestClient(
        create_app(Settings(database_url=str(engine.url), admin_token="admin-x"), engine)
    )
    headers = {"Authorization": f"Bearer {enroll(engine, 'L1-TURN')}"}
    r = client.get("/api/v1/trace/LOT-BAR-261101", params={"direction": "forward"}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["root"] == "LOT-BAR-261101" and body["direction"] == "forward" and body["total"] == 3
    )
    assert [(x["lot"], x["part"], x["depth"]) for x in body["lots"]] == [
        ("LOT-BAR-261101", "BAR-C45-16", 0),
        ("LOT-SHAFT-T1", "SHAFT-12", 1),
        ("LOT-SHAFT-T1A", "SHAFT-12", 2),
    ]
    assert body["lots"][0]["links"] == [{"lot": "LOT-SHAFT-T1", "qty": 8.0, "kind": "consume"}]
    assert body == tr.trace(engine, "LOT-BAR-261101", "forward").model_dump(mode="json")
    assert (
        client.get("/api/v1/trace/LOT-SHAFT-T1A", params={"depth": 1}, headers=headers).json()[
            "total"
        ]
        == 2
    )
    missing = client.get("/api/v1/trace/LOT-NOPE", headers=headers)
    assert missing.status_code == 404 and "does not exist" in missing.json()["detail"]
    bad = client.get("/api/v1/trace/LOT-BAR-261101", params={"direction": "up"}, headers=headers)
    assert bad.status_code == 422 and "direction" in bad.json()["detail"]
    assert client.get("/api/v1/trace/LOT-BAR-261101").status_code == 401


def test_a_cycle_behind_the_root_is_named(empty_engine: Engine) -> None:
    load(
        empty_engine,
        ["R", "A", "B", "C"],
        [("R", "A", 1.0), ("A", "B", 1.0), ("B", "C", 1.0), ("C", "A", 1.0)],
    )
    with pytest.raises(tr.GenealogyCycle) as caught:
        tr.trace(empty_engine, "R", "forward")
    assert caught.value.cycle in (["A", "B", "C", "A"], ["B", "C", "A", "B"], ["C", "A", "B", "C"])
    assert "contains a cycle (" in str(caught.value)
    # Within a depth the cycle does not reach, the trace is still given; set queries always end.
    assert [n.lot for n in tr.trace(empty_engine, "R", "forward", depth=1).lots] == ["R", "A"]
    assert tr.downstream_lots(empty_engine, ["R"]) == {"R", "A", "B", "C"}
    assert tr.upstream_lots(empty_engine, ["A"], include_self=False) == {"R", "B", "C"}


def test_trace_api_reports_a_cycle_as_conflict(empty_engine: Engine) -> None:
    load(empty_engine, ["A", "B"], [("A", "B", 1.0), ("B", "A", 1.0)])
    client = TestClient(
        create_app(
            Settings(database_url=str(empty_engine.url), admin_token="admin-x"), empty_engine
        )
    )
    r = client.get("/api/v1/trace/A", headers={"Authorization": "Bearer admin-x"})
    assert r.status_code == 409 and "contains a cycle" in r.json()["detail"]
