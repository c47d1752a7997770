"""What every payload is made of: the base class and field types sized to the server's columns.

A field's limits here are the database column's: a value that fits the
event fits the table, so nothing a terminal sends can fail at the database.
Text is also checked for what no database stores (NUL, lone surrogates).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_INT = 2**31 - 1  # the database's INTEGER


def clean_text(value: str) -> str:
    """Text a database can store: no NUL character, valid Unicode."""
    if "\x00" in value:
        raise ValueError("text contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (a lone surrogate)") from None
    return value


Text = Annotated[str, AfterValidator(clean_text)]


def readable(text: str) -> str:
    """``text`` with what cannot be shown or stored (NUL, control characters, lone
    surrogates) written as escapes: error messages echo what was sent."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def unstorable(tree: Any, limit: int = 100_000) -> str | None:
    """What in a JSON tree no database stores, said with where it is (free-form fields such
    as a disposition's details included); None when all of it can be kept."""
    if _plainly_storable(tree, limit):
        return None
    stack: list[tuple[str, Any]] = [("", tree)]
    seen = 0
    while stack:
        where, value = stack.pop()
        seen += 1
        if seen > limit:
            return f"more than {limit} values"
        if isinstance(value, dict):
            for key, item in value.items():
                name = readable(str(key))[:40]
                path = f"{where}.{name}" if where else name
                if isinstance(key, str) and (problem := _text_problem(key)):
                    return f"a field name {problem} (at {path})"
                stack.append((path, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{n}]", item) for n, item in enumerate(value))
        elif isinstance(value, str) and (problem := _text_problem(value)):
            return f"text {problem} (at {where})" if where else f"text {problem}"
        elif isinstance(value, float) and not math.isfinite(value):
            return f"{value} is not a number a database keeps (at {where})"
    return None


def _plainly_storable(tree: Any, limit: int) -> bool:
    """The quick pass over a tree (every event takes it): True when nothing needs a closer look."""
    stack = [tree]
    seen = 0
    while stack:
        value = stack.pop()
        seen += 1
        if seen > limit:
            return False
        if isinstance(value, str):
            if "\x00" in value or not (value.isascii() or _text_problem(value) is None):
                return False
        elif isinstance(value, dict):
            for key in value:
                if not isinstance(key, str) or "\x00" in key or not key.isascii():
                    return False
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, float) and not math.isfinite(value):
            return False
    return True


def _text_problem(value: str) -> str | None:
    try:
        clean_text(value)
    except ValueError as exc:
        return str(exc).removeprefix("text ")
    return None


def storable_tree(value: Any) -> Any:
    """A free-form JSON value a database can keep whole; raises ``ValueError`` saying what not."""
    problem = unstorable(value)
    if problem is not None:
        raise ValueError(problem)
    return value


#: A free-form JSON object (a disposition's details): any shape, but storable.
JsonObject = Annotated[dict[str, Any], AfterValidator(storable_tree)]


Code = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(clean_text)]
Id40 = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(clean_text)]
Id60 = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(clean_text)]
Note = Annotated[str, Field(max_length=500), AfterValidator(clean_text)]
Reason = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(clean_text)]
Int32 = Annotated[int, Field(ge=0, le=MAX_INT)]
Qty = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
PositiveQty = Annotated[float, Field(gt=0, le=1e12, allow_inf_nan=False)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
