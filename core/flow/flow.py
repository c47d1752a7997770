"""The station flow: ``step(state, entry, ctx) -> StepResult``, and how to extend it.

A ``Flow`` is a table of handlers, so other features add behaviour without
editing this one:

- ``prompt_handlers[PromptType]`` sees every entry while that prompt is
  pending; it returns a ``StepResult`` (handled), ``None`` (not mine: carry on)
  or a new ``Turn`` (carry on with this state, e.g. after dropping the prompt);
- ``commands["DONE"]`` handles a command barcode, ``scans["lot"]`` a scan kind;
- ``prompt_rules`` may claim the next prompt before the default order
  (a due inspection, a first-article check);
- ``completion_guards`` may refuse ``#DONE`` with a reason;
- ``after`` hooks see every result and may add actions or change the state
  (place a hold when a critical characteristic fails, stop the line).

``DEFAULT_FLOW`` holds the standard behaviour; ``DEFAULT_FLOW.extend(...)``
returns a new flow with more handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from core.barcodes import Scan, classify
from core.events import Payload
from core.flow.actions import Action, OperatorMessage, RecordEvent, StepResult
from core.flow.context import Entry, FlowContext, Input, Reading
from core.flow.state import (
    EnterMeasurement,
    Prompt,
    ReadyToComplete,
    ScanBadge,
    ScanLot,
    ScanWorkOrder,
    StationState,
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One entry being handled: the flow, the state (activity time already updated), the input."""

    flow: Flow
    state: StationState
    input: Input
    ctx: FlowContext
    now: datetime
    note: str = ""  # said before the result's message (e.g. "Value 1550 discarded.")

    @property
    def text(self) -> str:
        return self.input.text.strip() if isinstance(self.input, Entry) else ""

    @property
    def source(self) -> str:
        return self.input.source

    def scan(self) -> Scan:
        return classify(self.text, self.ctx.reference.grammar())

    def with_state(self, state: StationState, note: str = "") -> Turn:
        return replace(self, state=state, note=note or self.note)

    def event(self, payload: Payload, operator_id: str | None = None) -> RecordEvent:
        """An event made now by the logged-in operator (or ``operator_id``)."""
        who = (
            operator_id
            if operator_id is not None
            else (self.state.operator.badge if self.state.operator else None)
        )
        return RecordEvent(payload=payload, operator_id=who, occurred_at=self.now)

    def settle(self, state: StationState) -> StationState:
        """``state`` with the prompt the flow would ask next."""
        return replace(state, prompt=self.flow.next_prompt(state, self.ctx))

    def done(self, state: StationState, message: OperatorMessage, *actions: Action) -> StepResult:
        return StepResult(state=state, message=message, actions=tuple(actions))

    def refuse(self, text: str) -> StepResult:
        """Nothing recorded; the state stays (only the activity time moves)."""
        return StepResult(state=self.state, message=OperatorMessage.error(text))

    def say(self, text: str, level: str = "info") -> StepResult:
        return StepResult(state=self.state, message=OperatorMessage(level, text))  # type: ignore[arg-type]


PromptHandler = Callable[[Turn], "StepResult | Turn | None"]
CommandHandler = Callable[[Turn], StepResult]
ScanHandler = Callable[[Turn, Any], StepResult]
PromptRule = Callable[[StationState, FlowContext], "Prompt | None"]
CompletionGuard = Callable[[StationState, FlowContext], "str | None"]
AfterHook = Callable[[Turn, StepResult], StepResult]
GeneralHandler = Callable[[Turn], StepResult]


def _frozen(mapping: Mapping[Any, Any] | None) -> Mapping[Any, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Flow:
    """A station flow: handler tables plus the general entry dispatcher."""

    general: GeneralHandler
    prompt_handlers: Mapping[type[Prompt], PromptHandler] = field(default_factory=dict)
    commands: Mapping[str, CommandHandler] = field(default_factory=dict)
    scans: Mapping[str, ScanHandler] = field(default_factory=dict)
    prompt_rules: tuple[PromptRule, ...] = ()
    completion_guards: tuple[CompletionGuard, ...] = ()
    after: tuple[AfterHook, ...] = ()
    reading: Callable[[Turn, Reading], StepResult] | None = None

    def extend(
        self,
        *,
        prompt_handlers: Mapping[type[Prompt], PromptHandler] | None = None,
        commands: Mapping[str, CommandHandler] | None = None,
        scans: Mapping[str, ScanHandler] | None = None,
        prompt_rules: tuple[PromptRule, ...] = (),
        completion_guards: tuple[CompletionGuard, ...] = (),
        after: tuple[AfterHook, ...] = (),
    ) -> Flow:
        """A new flow with these handlers added (same keys replace the old ones)."""
        return replace(
            self,
            prompt_handlers=_frozen({**self.prompt_handlers, **(prompt_handlers or {})}),
            commands=_frozen({**self.commands, **(commands or {})}),
            scans=_frozen({**self.scans, **(scans or {})}),
            prompt_rules=self.prompt_rules + prompt_rules,
            completion_guards=self.completion_guards + completion_guards,
            after=self.after + after,
        )

    # --- the entry points ----------------------------------------------------------

    def step(self, state: StationState, entry: Input | str, ctx: FlowContext) -> StepResult:
        """Handle one scan, typed line or device reading."""
        if isinstance(entry, str):
            entry = Entry(entry)
        now = ctx.clock()
        turn = Turn(self, replace(state, last_activity=now), entry, ctx, now)
        result = self._dispatch(turn)
        for hook in self.after:
            result = hook(turn, result)
        return result

    def _dispatch(self, turn: Turn) -> StepResult:
        handler = self.prompt_handlers.get(type(turn.state.prompt))
        if handler is not None:
            answer = handler(turn)
            if isinstance(answer, StepResult):
                return answer
            if isinstance(answer, Turn):
                turn = answer
        if isinstance(turn.input, Reading) and self.reading is not None:
            result = self.reading(turn, turn.input)
        else:
            result = self.general(turn)
        if turn.note:
            result = replace(
                result, message=replace(result.message, text=f"{turn.note} {result.message.text}")
            )
        return result

    def next_prompt(self, state: StationState, ctx: FlowContext) -> Prompt:
        """What the station asks for when nothing half-done is pending."""
        if state.operator is None:
            return ScanBadge()
        for rule in self.prompt_rules:
            prompt = rule(state, ctx)
            if prompt is not None:
                return prompt
        job = state.job
        if job is None:
            return ScanWorkOrder()
        for line in job.materials:
            if line.remaining > 0:
                return ScanLot(part=line.part)
        for plan in job.characteristics:
            if not plan.done:
                return EnterMeasurement(characteristic=plan.id)
        return ReadyToComplete()

    def completion_refusal(self, state: StationState, ctx: FlowContext) -> str | None:
        for guard in self.completion_guards:
            reason = guard(state, ctx)
            if reason:
                return reason
        return None
