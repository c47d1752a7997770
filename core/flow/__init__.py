"""The station flow, free of any UI: a step takes the state and a scan, returns the
new state, the actions to take and the message for the operator.

Entry points: ``step``, ``tick`` (idle logout), ``resume`` (after a restart),
``server_rejected`` (undo what the server refused). Extend with
``DEFAULT_FLOW.extend(...)`` (see ``core.flow.flow``).
"""

from core.flow.actions import (
    Action,
    OperatorMessage,
    RecordEvent,
    ShowOutputLot,
    ShowVerdict,
    StepResult,
)
from core.flow.approvals import AwaitApproval
from core.flow.context import Entry, FlowContext, Reading, ReferenceData
from core.flow.flow import Flow, Turn
from core.flow.state import (
    CharacteristicPlan,
    CompletedJob,
    ConfirmCancelJob,
    ConfirmMeasurement,
    DefectLine,
    EnterDefectQty,
    EnterGoodQty,
    EnterMeasurement,
    EnterScrapQty,
    Job,
    MaterialLine,
    OperatorSession,
    Prompt,
    PromptText,
    ReadyToComplete,
    ScanBadge,
    ScanLot,
    ScanWorkOrder,
    StationState,
    initial_state,
    register_prompt,
)
from core.flow.step import DEFAULT_FLOW, resume, server_rejected, step, tick

__all__ = [
    "DEFAULT_FLOW",
    "Action",
    "AwaitApproval",
    "CharacteristicPlan",
    "CompletedJob",
    "ConfirmCancelJob",
    "ConfirmMeasurement",
    "DefectLine",
    "EnterDefectQty",
    "EnterGoodQty",
    "EnterMeasurement",
    "EnterScrapQty",
    "Entry",
    "Flow",
    "FlowContext",
    "Job",
    "MaterialLine",
    "OperatorMessage",
    "OperatorSession",
    "Prompt",
    "PromptText",
    "ReadyToComplete",
    "Reading",
    "RecordEvent",
    "ReferenceData",
    "ScanBadge",
    "ScanLot",
    "ScanWorkOrder",
    "ShowOutputLot",
    "ShowVerdict",
    "StationState",
    "StepResult",
    "Turn",
    "initial_state",
    "register_prompt",
    "resume",
    "server_rejected",
    "step",
    "tick",
]
