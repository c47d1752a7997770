"""Acceptance sampling by attributes: ISO 2859-1:1999 = ANSI/ASQ Z1.4-2003, single sampling.

Pure stdlib; no UI, web or database imports. Modules:

- code_letters: Table I (lot size x inspection level -> sample size code letter)
- master_tables: Tables 2-A, 2-B, 2-C (normal, tightened, reduced) as printed
- plans: SamplingPlan, plan(lot_size, level, aql, severity), judge(plan, defectives)
- switching: SwitchingState and next_state (normal / tightened / reduced /
  discontinued, with the switching score), reinstate_normal, resume
- errors: SamplingError
"""

from core.sampling.code_letters import INSPECTION_LEVELS
from core.sampling.errors import SamplingError
from core.sampling.master_tables import AQL_LABELS, AQL_VALUES, TABLES, MasterTable
from core.sampling.plans import (
    MAX_LOT_SIZE,
    SEVERITIES,
    SamplingPlan,
    code_letter,
    judge,
    one_step_tighter,
    plan,
    table_plan,
)
from core.sampling.switching import (
    STATES,
    LotResult,
    SwitchingState,
    Transition,
    lot_result,
    next_state,
    reinstate_normal,
    resume,
)

__all__ = [
    "AQL_LABELS",
    "AQL_VALUES",
    "INSPECTION_LEVELS",
    "MAX_LOT_SIZE",
    "SEVERITIES",
    "STATES",
    "TABLES",
    "LotResult",
    "MasterTable",
    "SamplingError",
    "SamplingPlan",
    "SwitchingState",
    "Transition",
    "code_letter",
    "judge",
    "lot_result",
    "next_state",
    "one_step_tighter",
    "plan",
    "reinstate_normal",
    "resume",
    "table_plan",
]
