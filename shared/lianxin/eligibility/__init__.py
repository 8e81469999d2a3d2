"""The pure minimum-living-allowance (低保) eligibility engine of RULES.md: no I/O, no clock."""

from lianxin.eligibility.facts import (
    ENGINE_VERSION,
    MINOR_AGE,
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
    "MINOR_AGE",
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
