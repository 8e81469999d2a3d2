"""The pure engine of RULES.md (version 2): no I/O, no clock.

`decide(facts, params, as_of) -> Decision` gives the 低保 outcome (with v2's MARGINAL and
RIGID_EXPENDITURE tiers) and the union's classification (`suggested_category`, q as
`category_income_fen`) with a bilingual trace; `fingerprint(facts, params, as_of=...)` says whether two
decisions would agree and includes `RULES_VERSION`; `parse_parameters` validates a policy's JSON
(v2 keys optional, defaulting to `V2_DEFAULTS`) and `parameters_to_json` writes its canonical form.
"""

from lianxin.eligibility.facts import (
    ENGINE_VERSION,
    HARDSHIP_COST_KINDS,
    MINOR_AGE,
    RIGID_KINDS,
    RULES_VERSION,
    AssetFacts,
    ExpenditureFacts,
    Figures,
    HouseholdFacts,
    IncomeFacts,
    MemberFacts,
    figures,
    fingerprint,
    supplement_share,
)
from lianxin.eligibility.params import (
    DEMO_PARAMETERS,
    V2_DEFAULTS,
    DibaoParameters,
    IssueCode,
    ParameterError,
    ParameterIssue,
    SupplementCategory,
    parameters_to_json,
    parse_parameters,
)
from lianxin.eligibility.rules import Decision, decide
from lianxin.eligibility.trace import RuleId, TraceStep

__all__ = [
    "DEMO_PARAMETERS",
    "ENGINE_VERSION",
    "HARDSHIP_COST_KINDS",
    "MINOR_AGE",
    "RIGID_KINDS",
    "RULES_VERSION",
    "V2_DEFAULTS",
    "AssetFacts",
    "Decision",
    "DibaoParameters",
    "ExpenditureFacts",
    "Figures",
    "HouseholdFacts",
    "IncomeFacts",
    "IssueCode",
    "MemberFacts",
    "ParameterError",
    "ParameterIssue",
    "RuleId",
    "SupplementCategory",
    "TraceStep",
    "decide",
    "figures",
    "fingerprint",
    "parameters_to_json",
    "parse_parameters",
    "supplement_share",
]
