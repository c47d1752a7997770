"""What every payload is made of: the base class and field types sized to the server's columns.

A field's limits here are the database column's: a value that fits the
event fits the table, so nothing a terminal sends can fail at the database.
Text is also checked for what no database stores (NUL, lone surrogates).
"""

from __future__ import annotations

from typing import Annotated

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
