"""Job details as text blocks the screens share (material, measurements, defects)."""

from __future__ import annotations

from textual.content import Content

from core.flow import Job, StationState
from screens.numbers import limits as limits_text
from screens.numbers import plain as _q


def job_header(job: Job) -> Content:
    desc = f" {job.product_description}" if job.product_description else ""
    return Content.assemble(
        (f"{job.work_order}", "bold reverse"),
        f" {job.product}{desc} · qty {_q(job.qty)} · op {job.operation} {job.operation_name}",
    )


def materials(job: Job) -> Content:
    if not job.materials:
        return Content.assemble(("MATERIAL ", "bold"), ("none for this operation", "dim"))
    parts: list[str | tuple[str, str]] = [("MATERIAL", "bold")]
    for line in job.materials:
        done = line.remaining <= 0
        mark = ("✔ ", "bold $success") if done else ("○ ", "bold $warning")
        lots = ", ".join(lot for lot, _ in line.lots) or "no lot yet"
        parts += [
            "\n",
            mark,
            f"{line.part:<14} {_q(line.consumed):>6} / {_q(line.required):<6} {lots}",
        ]
    return Content.assemble(*parts)


def characteristics(job: Job, current: str | None = None) -> Content:
    if not job.characteristics:
        return Content.assemble(("MEASURE ", "bold"), ("nothing to measure here", "dim"))
    parts: list[str | tuple[str, str]] = [("MEASURE", "bold")]
    for plan in job.characteristics:
        arrow = "▶ " if plan.id == current else "  "
        limits = limits_text(plan.spec())
        parts += ["\n", (arrow, "bold"), f"{plan.id:<15} {plan.name[:22]:<22} {limits:<22}"]
        if plan.last_verdict == "pass":
            parts.append((f" {_q(plan.last_value)} PASS", "bold $success"))
        elif plan.last_verdict == "fail":
            parts.append((f" {_q(plan.last_value)} FAIL", "bold reverse $error"))
        else:
            parts.append((" —", "dim"))
    return Content.assemble(*parts)


def defects(job: Job) -> Content:
    if not job.defects:
        return Content.assemble(("DEFECTS ", "bold"), ("none flagged", "dim"))
    listed = ", ".join(f"{d.code} ×{_q(d.qty)}" for d in job.defects)
    return Content.assemble(("DEFECTS ", "bold"), listed)


def open_job_note(state: StationState) -> str:
    if state.job is None:
        return ""
    return (
        f"Job {state.job.work_order} ({state.job.product}, op {state.job.operation}) is open here."
    )
