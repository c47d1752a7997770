"""The composition root is complete: each event type has its one handler, each server fact a maker.

``server.apply.registry.HANDLERS`` is the whole list of what the server
applies; ``DERIVED_BY`` names the module that derives each fact only the
server records. Both are checked against ``core.events`` and against the
source of the modules they name, never against a copy of the list here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import typing
from collections import Counter
from types import ModuleType

from core import events as ev
from server.apply import registry


def _handlers_literal() -> ast.Dict:
    """The ``HANDLERS = {...}`` literal as written in registry.py."""
    tree = ast.parse(inspect.getsource(registry))
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "HANDLERS":
            assert isinstance(node.value, ast.Dict), "HANDLERS is not written as one dict literal"  # type: ignore[union-attr]
            return node.value  # type: ignore[union-attr]
    raise AssertionError("registry.py has no HANDLERS assignment")


def test_every_event_type_has_a_handler_and_every_handler_an_event_type() -> None:
    missing = sorted(set(ev.PAYLOADS) - set(registry.HANDLERS))
    unknown = sorted(set(registry.HANDLERS) - set(ev.PAYLOADS))
    assert not missing, f"event types with no handler in HANDLERS: {missing}"
    assert not unknown, f"HANDLERS names types that are not events: {unknown}"


def test_no_event_type_is_listed_twice_in_the_composition_root() -> None:
    # A dict literal keeps the last of two equal keys without a word: read the source.
    keys = []
    for key in _handlers_literal().keys:
        assert isinstance(key, ast.Constant) and isinstance(key.value, str), (
            f"HANDLERS key at line {getattr(key, 'lineno', '?')} is not a plain event type name"
        )
        keys.append(key.value)
    twice = sorted(k for k, n in Counter(keys).items() if n > 1)
    assert not twice, f"event types listed more than once in HANDLERS: {twice}"
    assert sorted(keys) == sorted(registry.HANDLERS)


def test_each_handler_takes_the_payload_of_its_event_type() -> None:
    wrong = []
    for name, handler in registry.HANDLERS.items():
        hints = typing.get_type_hints(handler)
        params = [p for p in inspect.signature(handler).parameters.values()]
        assert len(params) == 2, f"{name}: handler {handler.__qualname__} must take (ctx, payload)"
        payload_type = hints.get(params[1].name)
        if payload_type is not ev.PAYLOADS[name]:
            wrong.append(f"{name} -> {handler.__module__}.{handler.__qualname__}({payload_type})")
    assert not wrong, f"handlers whose payload annotation is not their event's payload: {wrong}"


def _resolve(module: ModuleType, node: ast.expr) -> object:
    """What a name or dotted name in ``module``'s source refers to (None if unknown)."""
    if isinstance(node, ast.Name):
        return getattr(module, node.id, None)
    if isinstance(node, ast.Attribute):
        owner = _resolve(module, node.value)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def _emitted_payload_types(module: ModuleType) -> set[type]:
    """Payload classes ``module`` builds and hands to ``ctx.emit(...)`` (as its first argument)."""
    found: set[type] = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "emit" or not node.args or not isinstance(node.args[0], ast.Call):
            continue
        built = _resolve(module, node.args[0].func)
        if isinstance(built, type):
            found.add(built)
    return found


def test_every_server_only_fact_names_the_module_that_derives_it() -> None:
    assert ev.SERVER_ONLY, "no server-only facts: AUTHORITY lost its server entries"
    assert set(registry.DERIVED_BY) == set(ev.SERVER_ONLY), (
        f"DERIVED_BY lacks {sorted(ev.SERVER_ONLY - set(registry.DERIVED_BY))}, "
        f"names non-server facts {sorted(set(registry.DERIVED_BY) - ev.SERVER_ONLY)}"
    )


def test_every_server_only_fact_is_really_emitted_by_its_module() -> None:
    not_made = []
    for name, module_name in sorted(registry.DERIVED_BY.items()):
        module = importlib.import_module(module_name)
        if ev.PAYLOADS[name] not in _emitted_payload_types(module):
            not_made.append(f"{name}: {module_name} never calls ctx.emit({name}(...))")
    assert not not_made, "server-only facts nobody derives:\n" + "\n".join(not_made)


def test_the_emit_finder_sees_through_both_import_styles() -> None:
    # reactions writes ev.LineStopRequested(...), containment imports SpcSignal by name.
    reactions = importlib.import_module("server.quality.reactions")
    containment = importlib.import_module("server.spc.containment")
    assert ev.LineStopRequested in _emitted_payload_types(reactions)
    assert ev.PAYLOADS["SpcSignal"] in _emitted_payload_types(containment)
    assert ev.PAYLOADS["SpcSignal"] not in _emitted_payload_types(reactions)
