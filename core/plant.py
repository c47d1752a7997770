"""The plant file: a versioned TOML description of a plant.

Products and purchased parts, routings with their operations, the BOM and the
characteristics of each operation, stations and their devices, operators and
roles, suppliers, defect codes, and optionally opening stock and work orders.
``load_plant`` validates a file and names the file, line and field of every
problem; it performs no database work.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.quality.inspection import InspectionRule
from core.security import hash_pin

Role = Literal["operator", "inspector", "supervisor", "quality_engineer", "mrb", "admin"]
ROLES: tuple[str, ...] = ("operator", "inspector", "supervisor", "quality_engineer", "mrb", "admin")

Ident = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlantInfo(_Strict):
    id: Ident = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    version: str = Field(min_length=1, max_length=40)
    timezone: str = "UTC"


class Supplier(_Strict):
    id: Ident = Field(min_length=1, max_length=40)
    name: str


class Part(_Strict):
    id: Ident = Field(min_length=1, max_length=60)
    description: str = ""
    kind: Literal["purchased", "made"] = "made"
    unit: str = "pcs"
    supplier: str | None = None


class BomLine(_Strict):
    part: Ident
    qty_per: float = Field(gt=0, allow_inf_nan=False)
    #: A made component may be used once this operation of its own routing is done
    #: (default: only when its whole routing is finished).
    after_operation: int | None = Field(default=None, ge=0)


ReactionName = Literal["hold_unit", "hold_lot", "hold_station", "line_stop", "notify"]


class InspectionSpec(_Strict):
    """When a check of a characteristic is due and who does it."""

    trigger: Literal["every_unit", "every_nth", "per_lot", "interval"] = "every_unit"
    every: int = Field(default=1, ge=1)
    interval_minutes: float | None = Field(default=None, gt=0)
    first_article: bool = False
    required_before_complete: bool = False
    role: Literal["operator", "inspector"] = "operator"
    sample_size: int = Field(default=1, ge=1)
    method: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> InspectionSpec:
        if self.trigger == "interval" and self.interval_minutes is None:
            raise ValueError("an interval check needs interval_minutes")
        return self

    def rule(self, characteristic: str) -> InspectionRule:
        return InspectionRule(characteristic=characteristic, **self.model_dump())


class Characteristic(_Strict):
    id: Ident = Field(min_length=1, max_length=60)
    name: str
    nominal: float | None = Field(default=None, allow_inf_nan=False)
    lsl: float | None = Field(default=None, allow_inf_nan=False)
    usl: float | None = Field(default=None, allow_inf_nan=False)
    unit: str = ""
    critical: bool = False
    kind: Literal["variable", "attribute"] = "variable"
    subgroup_size: int = Field(default=1, ge=1, le=25)
    inspection: InspectionSpec | None = None
    reaction: list[ReactionName] | None = None

    @model_validator(mode="after")
    def _limits(self) -> Characteristic:
        if self.kind == "variable" and self.lsl is None and self.usl is None:
            raise ValueError("a variable characteristic needs lsl, usl or both")
        if self.lsl is not None and self.usl is not None and self.lsl >= self.usl:
            raise ValueError(f"lsl {self.lsl} must be below usl {self.usl}")
        return self


class Operation(_Strict):
    seq: int = Field(ge=0)
    name: str
    stations: list[Ident] = Field(min_length=1)
    bom: list[BomLine] = []
    characteristics: list[Characteristic] = []
    #: Need not be done; the lot may go on without it.
    optional: bool = False
    #: Runs in any order with the parallel operations next to it in the routing.
    parallel: bool = False
    #: Makes a new lot (with a genealogy edge from the lot it took) instead of carrying
    #: the lot's identity on.
    new_lot: bool = False


class Routing(_Strict):
    product: Ident
    operations: list[Operation] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Routing:
        seqs = [op.seq for op in self.operations]
        if len(set(seqs)) != len(seqs):
            raise ValueError(f"operation numbers repeat in the routing of {self.product}: {seqs}")
        return self


class Station(_Strict):
    id: Ident = Field(min_length=1, max_length=40)
    name: str
    line: str = ""
    devices: list[dict[str, Any]] = []


class Operator(_Strict):
    badge: str = Field(pattern=r"^[A-Z0-9\-]{1,40}$")
    name: str
    role: Role = "operator"
    pin: str | None = Field(default=None, pattern=r"^\d{4,8}$")
    pin_hash: str | None = None

    def resolved_pin_hash(self) -> str | None:
        if self.pin_hash:
            return self.pin_hash
        if self.pin:
            return hash_pin(self.pin, salt=hashlib.sha256(self.badge.encode()).hexdigest()[:16])
        return None


class DefectCode(_Strict):
    code: str = Field(min_length=1, max_length=60)
    description: str
    severity: Literal["minor", "major", "critical"] = "minor"
    reaction: list[ReactionName] | None = None


class QualitySettings(_Strict):
    """Plant-wide reaction defaults; a characteristic or defect code may override them."""

    on_fail: list[ReactionName] = ["hold_lot", "notify"]
    on_critical_defect: list[ReactionName] = ["hold_lot", "hold_station", "line_stop", "notify"]


class ProductionSettings(_Strict):
    """How far a work order may run over its quantity before a supervisor must confirm."""

    #: Fraction of the work order quantity (0.02 = 2 %) that may be made without confirmation.
    overrun_tolerance: float = Field(default=0.0, ge=0, le=10, allow_inf_nan=False)


class Lot(_Strict):
    id: str = Field(min_length=1, max_length=80)
    part: Ident
    qty: float = Field(ge=0, allow_inf_nan=False)
    supplier: str | None = None
    supplier_lot: str | None = None
    status: Literal["wip", "available", "on_hold", "consumed", "scrapped", "shipped"] = "available"
    #: Opening work in process: the work order whose routing the lot is in, and the
    #: operations already done on it (status ``wip`` until its routing is finished).
    #: Operations done before lineside are not counted in the order's over-run check.
    work_order: str | None = None
    ops_done: list[int] = []


class WorkOrder(_Strict):
    number: str = Field(min_length=1, max_length=40)
    product: Ident
    qty: float = Field(gt=0, allow_inf_nan=False)
    status: Literal["released", "in_progress", "closed", "on_hold"] = "released"
    due: str | None = None


class BarcodePatterns(_Strict):
    badge: str | None = None
    work_order: str | None = None
    lot: str | None = None
    serial: str | None = None
    defect: str | None = None


class Plant(_Strict):
    plant: PlantInfo
    barcodes: BarcodePatterns = BarcodePatterns()
    quality: QualitySettings = QualitySettings()
    production: ProductionSettings = ProductionSettings()
    suppliers: list[Supplier] = []
    parts: list[Part] = []
    routings: list[Routing] = []
    stations: list[Station] = []
    operators: list[Operator] = []
    defect_codes: list[DefectCode] = []
    lots: list[Lot] = []
    work_orders: list[WorkOrder] = []

    @model_validator(mode="after")
    def _references(self) -> Plant:
        problems: list[str] = []
        _unique(problems, "suppliers", [s.id for s in self.suppliers])
        _unique(problems, "parts", [p.id for p in self.parts])
        _unique(problems, "stations", [s.id for s in self.stations])
        _unique(problems, "operators", [o.badge for o in self.operators])
        _unique(problems, "defect_codes", [d.code for d in self.defect_codes])
        _unique(problems, "lots", [lot.id for lot in self.lots])
        _unique(problems, "work_orders", [w.number for w in self.work_orders])
        _unique(problems, "routings", [r.product for r in self.routings])
        chars = [c.id for r in self.routings for op in r.operations for c in op.characteristics]
        _unique(problems, "characteristics", chars)
        parts = {p.id: p for p in self.parts}
        stations = {s.id for s in self.stations}
        suppliers = {s.id for s in self.suppliers}
        routed = {r.product for r in self.routings}
        for p in self.parts:
            if p.supplier and p.supplier not in suppliers:
                problems.append(f"part {p.id}: unknown supplier {p.supplier!r}")
        for r in self.routings:
            if r.product not in parts:
                problems.append(f"routing for unknown part {r.product!r}")
            for op in r.operations:
                for st in op.stations:
                    if st not in stations:
                        problems.append(f"routing {r.product} op {op.seq}: unknown station {st!r}")
                for line in op.bom:
                    if line.part not in parts:
                        problems.append(
                            f"routing {r.product} op {op.seq}: BOM part {line.part!r} unknown"
                        )
                    elif line.after_operation is not None:
                        own = next((x for x in self.routings if x.product == line.part), None)
                        if own is None or line.after_operation not in {
                            o.seq for o in own.operations
                        }:
                            problems.append(
                                f"routing {r.product} op {op.seq}: BOM part {line.part} has no "
                                f"operation {line.after_operation} to be used after"
                            )
        orders = {w.number: w for w in self.work_orders}
        routings = {r.product: r for r in self.routings}
        for lot in self.lots:
            if lot.part not in parts:
                problems.append(f"lot {lot.id}: unknown part {lot.part!r}")
            if lot.work_order is not None:
                wo = orders.get(lot.work_order)
                if wo is None or wo.product != lot.part:
                    problems.append(
                        f"lot {lot.id}: work order {lot.work_order!r} does not make {lot.part}"
                    )
                else:
                    seqs = (
                        {o.seq for o in routings[wo.product].operations}
                        if wo.product in routings
                        else set()
                    )
                    unknown = sorted(set(lot.ops_done) - seqs)
                    if unknown:
                        problems.append(f"lot {lot.id}: {wo.product} has no operation {unknown[0]}")
            elif lot.ops_done or lot.status == "wip":
                problems.append(f"lot {lot.id}: work in process names its work order")
            if lot.supplier and lot.supplier not in suppliers:
                problems.append(f"lot {lot.id}: unknown supplier {lot.supplier!r}")
        for wo in self.work_orders:
            if wo.product not in routed:
                problems.append(f"work order {wo.number}: product {wo.product!r} has no routing")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def grammar_overrides(self) -> dict[str, str]:
        return {k: v for k, v in self.barcodes.model_dump().items() if v}


def _unique(problems: list[str], what: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            problems.append(f"{what}: {key!r} appears more than once")
        seen.add(key)


class PlantFileError(ValueError):
    """A plant file that cannot be loaded; each problem names file, line and field."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


def _locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number (1-based) for a validation error location."""
    lines = text.splitlines()
    start, header, found_any = 0, "", False

    def block_end(begin: int) -> int:
        # In TOML a table's own keys come before any later header.
        for n in range(begin + 1, len(lines)):
            if lines[n].lstrip().startswith("["):
                return n
        return len(lines)

    def find_key(key: str) -> int | None:
        pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        begin = start if found_any else 0
        for n in range(begin, block_end(begin) if found_any else len(lines)):
            if pattern.match(lines[n]):
                return n
        return None

    i = 0
    while i < len(loc):
        part = loc[i]
        if not isinstance(part, str):
            i += 1
            continue
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        path = f"{header}.{part}" if header else part
        if nxt is None:
            key_line = find_key(part)
            return (key_line if key_line is not None else start) + 1
        if isinstance(nxt, int):
            pattern = re.compile(r"^\s*\[\[\s*" + re.escape(path) + r"\s*\]\]")
            count, hit = -1, None
            for n in range(start, len(lines)):
                if pattern.match(lines[n]):
                    count += 1
                    if count == nxt:
                        hit = n
                        break
            if hit is None:  # an inline array: point at its key
                key_line = find_key(part)
                return (key_line if key_line is not None else start) + 1
            start, header, found_any = hit, path, True
            i += 2
            continue
        pattern = re.compile(r"^\s*\[\s*" + re.escape(path) + r"\s*\]")
        hit = next((n for n in range(start, len(lines)) if pattern.match(lines[n])), None)
        if hit is None:
            key_line = find_key(part)
            return (key_line if key_line is not None else start) + 1
        start, header, found_any = hit, path, True
        i += 1
    return start + 1


def parse_plant(text: str, path: str = "<plant>") -> Plant:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlantFileError(path, [f"{path}: not valid TOML: {exc}"]) from None
    try:
        return Plant.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = _locate(text, loc)
            field = ".".join(str(p) for p in loc) or "plant"
            where = f"{path}:{line}" if line else path
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {field}: {msg}")
        raise PlantFileError(path, problems) from None


def load_plant(path: str | Path) -> Plant:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlantFileError(str(p), [f"{p}: cannot read plant file: {exc.strerror}"]) from None
    return parse_plant(text, str(p))
