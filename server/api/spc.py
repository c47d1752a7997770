"""SPC: control limits (phase I, standards, freezing), live charts, stored-data analysis, signals.

The maths is core.spc; streaming and containment are server.spc.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from core.events.spc import SpcSignalRef
from core.spc import ChartType, ControlLimits, PhaseOne, SpcError, parse_rules
from server.api.deps import AdminDep, Caller, CallerDep, EngineDep, SessionDep
from server.apply.pipeline import EventResult
from server.schemas import EventResultOut
from server.spc import service as spc

router = APIRouter(prefix="/api/v1", tags=["spc"])


class LimitsIn(BaseModel):
    """Compute limits for a characteristic and (unless ``dry_run``) freeze them as its next version.

    method "baseline": phase I from stored measurements (``station``, ``from``,
    ``to``) or from ``values`` typed in (consecutive values form the plan's
    subgroups), optionally excluding points beyond the limits and recomputing
    (``iterate``). method "standard": known ``center`` (mean) and ``sigma``.
    """

    badge: str = Field(
        min_length=1, max_length=40, description="who freezes the limits (QE, MRB, admin)"
    )
    reason: str = Field(min_length=1, max_length=500, description="why, e.g. 'initial study'")
    method: Literal["baseline", "standard"] = "baseline"
    chart: ChartType | None = Field(
        default=None, description="default: imr for single values, else xbar-r"
    )
    station: str | None = Field(default=None, max_length=40)
    from_: datetime | None = Field(default=None, alias="from")
    to: datetime | None = None
    values: list[float] | None = Field(default=None, max_length=100_000)
    iterate: bool = True
    center: float | None = Field(default=None, allow_inf_nan=False)
    sigma: float | None = Field(default=None, allow_inf_nan=False)
    rules: str = Field(
        default=spc.DEFAULT_RULES, max_length=200, description="we, nelson or we-1,nelson-2,..."
    )
    run_length: int | None = Field(default=None, ge=2, le=50)
    dry_run: bool = False

    model_config = {"populate_by_name": True}


class LimitLineOut(BaseModel):
    part: str
    center: float
    lcl: float
    ucl: float
    sigma: float


class LimitsOut(BaseModel):
    characteristic: str
    version: int
    chart: str
    active: bool
    center: float
    sigma: float | None
    subgroup_size: int | None
    source: str
    baseline_points: int
    excluded: list[int]
    lines: list[LimitLineOut]
    rules: list[str]
    frozen_by: str
    frozen_at: datetime
    reason: str


class PhaseOneOut(BaseModel):
    iterations: list[dict[str, Any]]
    excluded: list[int]
    converged: bool


class LimitsResult(BaseModel):
    frozen: LimitsOut | None
    draft: dict[str, Any]
    phase_one: PhaseOneOut | None


class PartPointOut(BaseModel):
    part: str
    value: float | None
    center: float
    lcl: float
    ucl: float
    sigma: float
    z: float | None


class PointOut(BaseModel):
    index: int
    at: datetime
    work_order: str
    limits_version: int
    values: list[float]
    parts: list[PartPointOut]
    in_control: bool
    violations: list[dict[str, Any]]
    signal: str | None


class ChartOut(BaseModel):
    characteristic: str
    station: str
    limits: LimitsOut | None
    points: list[PointOut]
    pending: dict[str, int]
    open_signal: SpcSignalRef | None


class AckIn(BaseModel):
    badge: str = Field(min_length=1, max_length=40)
    note: str = Field(
        min_length=1, max_length=1000, description="assignable cause found and action taken"
    )


def _unprocessable(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message)


def _result(r: EventResult) -> EventResultOut:
    if r.status == "rejected":
        raise _unprocessable(r.reason or "refused")
    return EventResultOut(
        id=r.id,
        status=r.status,
        reason=r.reason,
        outcome=r.outcome,
        original_status=r.original_status,
    )


def _station_for(caller: Caller, station: str | None) -> str:
    if station is None:
        if caller.station_id is None:
            raise _unprocessable("give station: whose chart to show")
        return caller.station_id
    if not caller.may_read_station(station):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"station {caller.station_id} may not read {station}"
        )
    return station


def _phase_one_out(result: PhaseOne | None) -> PhaseOneOut | None:
    if result is None:
        return None
    return PhaseOneOut(
        iterations=[{"number": it.number, "beyond": list(it.beyond)} for it in result.iterations],
        excluded=list(result.excluded),
        converged=result.converged,
    )


@router.post(
    "/spc/{characteristic}/limits", response_model=LimitsResult, status_code=status.HTTP_201_CREATED
)
def compute_limits(
    characteristic: str, body: LimitsIn, _admin: AdminDep, engine: EngineDep, session: SessionDep
) -> LimitsResult:
    """Phase I limits (or limits from standards), frozen as the next version with who and why."""
    result: PhaseOne | None = None
    try:
        rules = parse_rules(body.rules, run_length=body.run_length)
        if body.method == "standard":
            if body.center is None or body.sigma is None:
                raise spc.SpcInputError("standard limits need center (the known mean) and sigma")
            draft: ControlLimits = spc.standard(
                session, characteristic, center=body.center, sigma=body.sigma, chart=body.chart
            )
        else:
            result = spc.compute_limits(
                session,
                characteristic,
                chart=body.chart,
                station=body.station,
                start=body.from_,
                end=body.to,
                values=body.values,
                iterate=body.iterate,
            )
            draft = result.limits
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc.args[0])) from None
    except (SpcError, spc.SpcInputError) as exc:
        raise _unprocessable(str(exc)) from None
    session.close()  # freezing runs in its own transaction
    frozen: LimitsOut | None = None
    if not body.dry_run:
        outcome = _result(
            spc.freeze_limits(
                engine, characteristic, draft, badge=body.badge, reason=body.reason, rules=rules
            )
        )
        version = int(outcome.outcome["version"])
        frozen = next(
            LimitsOut(**v) for v in _history(session, characteristic) if v["version"] == version
        )
    return LimitsResult(frozen=frozen, draft=draft.to_dict(), phase_one=_phase_one_out(result))


def _history(session: Any, characteristic: str) -> list[dict[str, Any]]:
    try:
        return spc.limits_history(session, characteristic)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc.args[0])) from None


@router.get("/spc/{characteristic}/limits", response_model=list[LimitsOut])
def get_limits(characteristic: str, _caller: CallerDep, session: SessionDep) -> list[LimitsOut]:
    """Every frozen version of the characteristic's limits, newest first (``active``: in use)."""
    return [LimitsOut(**v) for v in _history(session, characteristic)]


@router.get("/spc/{characteristic}/chart", response_model=ChartOut)
def get_chart(
    characteristic: str,
    caller: CallerDep,
    session: SessionDep,
    station: str | None = None,
    last: int = Query(50, ge=1, le=1000),
) -> ChartOut:
    """The last points of a station's chart with the limits to draw them against."""
    try:
        view = spc.chart(session, characteristic, _station_for(caller, station), last)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc.args[0])) from None
    return ChartOut(**view)


@router.get("/spc/{characteristic}/analysis", response_model=dict[str, Any])
def get_analysis(
    characteristic: str,
    _caller: CallerDep,
    session: SessionDep,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    station: str | None = None,
    chart: ChartType | None = None,
    rules: str = spc.DEFAULT_RULES,
    run_length: int | None = Query(None, ge=2, le=50),
    baseline: int | None = Query(None, ge=1),
    iterate: bool = False,
    limits: Literal["phase1", "frozen"] = "phase1",
) -> dict[str, Any]:
    """What `lineside spc` reports, over the stored measurements of a time range.

    Limits per part and the run-rule violations ({rule, index}) of each part,
    phase I exclusions and capability against the specification. With
    ``limits=frozen`` the data are charted against the active frozen limits.
    """
    try:
        return spc.analysis(
            session,
            characteristic,
            start=from_,
            end=to,
            station=station,
            chart=chart,
            rules=parse_rules(rules, run_length=run_length),
            baseline=baseline,
            iterate=iterate,
            frozen=limits == "frozen",
        )
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc.args[0])) from None
    except (SpcError, spc.SpcInputError) as exc:
        raise _unprocessable(str(exc)) from None


@router.get("/spc/signals", response_model=list[SpcSignalRef])
def get_signals(
    caller: CallerDep,
    session: SessionDep,
    open: bool = True,
    station: str | None = None,
    characteristic: str | None = None,
    limit: int = Query(200, ge=1, le=2000),
) -> list[SpcSignalRef]:
    """SPC signals, newest first; a station sees its own."""
    if caller.station_id is not None:
        station = _station_for(caller, station)
    return spc.list_signals(
        session, open_only=open, station=station, characteristic_id=characteristic, limit=limit
    )


@router.post("/spc/signals/{signal_id}/acknowledge", response_model=EventResultOut)
def acknowledge(
    signal_id: str, body: AckIn, caller: CallerDep, engine: EngineDep, session: SessionDep
) -> EventResultOut:
    """Acknowledge a signal with the assignable cause and the action taken (badge of a supervisor,
    inspector or quality engineer). Holds stay until the NCR is disposed."""
    signal = spc.get_signal(session, signal_id)
    if signal is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"SPC signal {signal_id} does not exist")
    _station_for(caller, signal.station_id)
    session.close()
    return _result(spc.acknowledge(engine, signal_id, badge=body.badge, note=body.note))
