"""Server code changes a lot's, hold's, NCR's, disposition's or work order's status only
through ``core.status``.

Every assignment to an attribute named ``status`` under ``server/`` (and every
``setattr(x, "status", ...)``) is found by reading the source; it must sit in
one of the writer modules, inside a function that asks ``core.status.check``
first. Records whose status the table does not govern (a job, a serial unit)
are listed with the name the code gives them.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

from core import status as st

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server"

#: The modules that change governed statuses, each after ``core.status.check``.
WRITERS: dict[str, str] = {
    "server/quality/lots.py": "lot status (set_status)",
    "server/quality/holds.py": "hold released, work order held and freed (set_work_order)",
    "server/quality/dispositions.py": "disposition executed, its NCR closed",
    "server/apply/ncr.py": "NCR awaiting its second signature",
}

#: Statuses the transition table does not govern: (module, the variable the code names).
NOT_IN_THE_TABLE: dict[tuple[str, str], str] = {
    ("server/apply/jobs.py", "job"): "a job runs, completes or is cancelled",
    ("server/apply/material.py", "unit"): "a serial unit in stock is shipped",
    # setattr with a computed name: plant-file columns copied onto parts, stations, people,
    # defect codes and operations (no status column); lots and work orders are only created.
    ("server/services/plant_import.py", "row"): "plant-file rows updated column by column",
}


def _targets(node: ast.AST) -> Iterator[ast.expr]:
    if isinstance(node, ast.Assign):
        todo = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        todo = [node.target]
    else:
        return
    while todo:
        t = todo.pop()
        if isinstance(t, (ast.Tuple, ast.List)):
            todo.extend(t.elts)
        elif isinstance(t, ast.Starred):
            todo.append(t.value)
        else:
            yield t


def status_writes(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, receiver) of every ``x.status = ...`` and ``setattr(x, "status", ...)``."""
    for node in ast.walk(tree):
        for t in _targets(node):
            if isinstance(t, ast.Attribute) and t.attr == "status":
                yield t.lineno, ast.unparse(t.value)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) >= 2
        ):
            name = node.args[1]
            # A computed attribute name may be "status": only a literal other name is safe.
            if not (isinstance(name, ast.Constant) and name.value != "status"):
                yield node.lineno, ast.unparse(node.args[0])


def _module_name(rel: str) -> str:
    return rel.removesuffix(".py").replace("/", ".")


def _checks_status(module: object, func: ast.AST) -> bool:
    """True when ``func`` calls ``core.status.check`` (as ``st.check`` or an imported ``check``)."""
    for node in ast.walk(func):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "check" and isinstance(f.value, ast.Name):
            if getattr(module, f.value.id, None) is st:
                return True
        if isinstance(f, ast.Name) and getattr(module, f.id, None) is st.check:
            return True
    return False


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SERVER.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)


def test_status_changes_happen_only_in_the_writer_modules() -> None:
    outside = []
    for rel, tree in _sources():
        if rel in WRITERS:
            continue
        for line, receiver in status_writes(tree):
            if (rel, receiver) not in NOT_IN_THE_TABLE:
                outside.append(f"{rel}:{line}: {receiver}.status = ...")
    assert not outside, (
        "status changed outside the writers of server/quality (go through lots.set_status, "
        "holds.release/set_work_order or core.status.check):\n" + "\n".join(outside)
    )


def test_every_writer_asks_the_table_before_it_writes() -> None:
    unchecked = []
    for rel, tree in _sources():
        if rel not in WRITERS:
            continue
        module = importlib.import_module(_module_name(rel))
        lines = {line for line, _ in status_writes(tree)}
        assert lines, f"{rel} is listed as a status writer but writes no status"
        for func in _functions(tree):
            inner = {line for line, _ in status_writes(func)}
            if inner & lines and not _checks_status(module, func):
                unchecked.append(
                    f"{rel}:{min(inner & lines)}: {func.name} does not call core.status.check"
                )
            lines -= inner
        unchecked += [
            f"{rel}:{line}: status written outside any function" for line in sorted(lines)
        ]
    assert not unchecked, "\n".join(unchecked)


def test_the_records_outside_the_table_are_still_written_where_listed() -> None:
    # An entry nobody needs any more is removed, so the list cannot hide a new writer.
    found = {(rel, receiver) for rel, tree in _sources() for _, receiver in status_writes(tree)}
    stale = sorted(set(NOT_IN_THE_TABLE) - found)
    assert not stale, f"no longer written, remove from NOT_IN_THE_TABLE: {stale}"


def test_the_scanner_finds_every_way_of_writing_a_status() -> None:
    tree = ast.parse(
        "lot.status = 'x'\n"
        "a, row.status = 1, 2\n"
        "wo.status: str = 'y'\n"
        "d.status += ''\n"
        "setattr(ncr, 'status', 'closed')\n"
        "setattr(row, name, value)\n"
        "setattr(row, 'qty', 1)\n"
        "x = lot.status\n"
        "f(status='z')\n"
    )
    assert sorted(status_writes(tree)) == [
        (1, "lot"),
        (2, "row"),
        (3, "wo"),
        (4, "d"),
        (5, "ncr"),
        (6, "row"),
    ]
