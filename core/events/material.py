"""Events for material flow beyond a job: receiving, splits, merges, rework, serials, shipping.

Each one adds edges to the genealogy (or facts on its nodes) so a trace can
follow material from the supplier lot to the customer order and back.
"""

from __future__ import annotations

from collections import Counter

from pydantic import Field, model_validator

from core.events.base import Code, Id40, Id60, Payload, PositiveQty, Reason


def _no_repeats(values: list[str], what: str) -> None:
    repeated = sorted(v for v, n in Counter(values).items() if n > 1)
    if repeated:
        raise ValueError(f"{what} listed more than once: {', '.join(repeated[:5])}")


class LotQty(Payload):
    """A quantity of one lot (a source or a result of a split, merge or rework)."""

    lot: Code
    qty: PositiveQty


class LotReceived(Payload):
    """A purchased lot arrives from a supplier; its supplier lot is what a recall names."""

    lot: Code
    part: Id60
    qty: PositiveQty
    supplier: Id40
    supplier_lot: Code
    purchase_order: Code | None = None


class LotSplit(Payload):
    """Part of ``lot`` is moved into new lots (each edge carries the quantity moved)."""

    lot: Code
    new_lots: list[LotQty] = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _distinct(self) -> LotSplit:
        ids = [n.lot for n in self.new_lots]
        _no_repeats(ids, "new lot")
        if self.lot in ids:
            raise ValueError(f"lot {self.lot} cannot be split into itself")
        return self


class LotMerged(Payload):
    """Several lots of one part are combined into a new lot."""

    sources: list[LotQty] = Field(min_length=2, max_length=1000)
    new_lot: Code

    @model_validator(mode="after")
    def _distinct(self) -> LotMerged:
        ids = [s.lot for s in self.sources]
        _no_repeats(ids, "source lot")
        if self.new_lot in ids:
            raise ValueError(f"lot {self.new_lot} cannot be merged into itself")
        return self


class ReworkRecorded(Payload):
    """``qty`` of ``lot`` was reworked into ``new_lot``, which keeps the history of ``lot``.

    ``components`` is material added during the rework (a replacement seal),
    recorded as consumption into the new lot.
    """

    lot: Code
    new_lot: Code
    qty: PositiveQty
    reason: Reason
    components: list[LotQty] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _distinct(self) -> ReworkRecorded:
        ids = [c.lot for c in self.components]
        _no_repeats(ids, "component lot")
        if self.new_lot == self.lot or self.new_lot in ids:
            raise ValueError(
                f"rework must create a new lot id, {self.new_lot} is one of its inputs"
            )
        if self.lot in ids:
            raise ValueError(f"lot {self.lot} is both the reworked lot and a component")
        return self


class SerialsAssigned(Payload):
    """Serial numbers given to units inside ``lot``; a serial can then be traced like a lot."""

    lot: Code
    serials: list[Code] = Field(min_length=1, max_length=10000)

    @model_validator(mode="after")
    def _distinct(self) -> SerialsAssigned:
        _no_repeats(self.serials, "serial")
        if self.lot in self.serials:
            raise ValueError(f"serial {self.lot} has the id of its own lot")
        return self


class LotShipped(Payload):
    """``qty`` of ``lot`` (or the listed serials of it) left the plant for a customer order."""

    lot: Code
    qty: PositiveQty
    customer: Code
    customer_order: Code
    serials: list[Code] = Field(default_factory=list, max_length=10000)
    delivery_note: Code | None = None

    @model_validator(mode="after")
    def _serials_match(self) -> LotShipped:
        _no_repeats(self.serials, "serial")
        if self.serials and len(self.serials) != self.qty:
            raise ValueError(
                f"{len(self.serials)} serials listed but qty is {self.qty:g}: they must agree"
            )
        return self
