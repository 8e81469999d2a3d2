"""What-if simulation: counts and costs by outcome under candidate parameters; no decision changes."""

from __future__ import annotations

from typing import Any

from lianxin.core.config import Settings
from lianxin.eligibility import DEMO_PARAMETERS

from factories import row_counts
from test_eligibility import CREATE, drain, poor_household, scene  # noqa: F401 - fixture re-used

SIMULATE = """mutation($input: SimulateDibaoPolicyInput!) {
  simulateDibaoPolicy(input: $input) { simulation { id status } errors { code field } } }"""
RESULT = """query($id: ID!) { node(id: $id) { ... on DibaoSimulation {
  status total done totalMonthlyBenefit changedOutcome newlyEligible noLongerEligible
  outcomes { outcome households monthlyBenefit } } } }"""


async def test_raising_the_standard_shows_who_would_become_eligible(
    gql: Any,
    pool: Any,
    settings: Settings,
    scene: dict[str, str],  # noqa: F811
) -> None:
    # I = 1500 − 200 + 300 = 1600, p = 800: DIBAO under 850 (now).
    await gql(CREATE, {"input": poor_household(scene["union"], "WH0001", wage="1500.00")})
    # I = 2000 − 200 + 300 = 2100, p = 1050, healthy, no rigid expenditure: not eligible under 850.
    healthy = poor_household(scene["union"], "WH0002", wage="2000.00")
    healthy["members"][0]["health"] = "HEALTHY"
    healthy["expenditures"] = []
    await gql(CREATE, {"input": healthy})
    await drain(settings)
    before = await row_counts(pool, "eligibility_decision", "household_eligibility", "referral")
    raised = {**DEMO_PARAMETERS, "standard_monthly": "1100.00"}
    sim = (await gql(SIMULATE, {"input": {"regionCode": "371000", "parameters": raised}}))[
        "simulateDibaoPolicy"
    ]
    assert sim["errors"] == []
    assert sim["simulation"]["status"] == "QUEUED"
    await drain(settings)
    result = (await gql(RESULT, {"id": sim["simulation"]["id"]}))["node"]
    assert (result["status"], result["total"], result["done"]) == ("DONE", 2, 2)
    assert result["outcomes"] == [
        {"outcome": "DIBAO", "households": 2, "monthlyBenefit": result["totalMonthlyBenefit"]}
    ]
    # (1100 − 800) × 2 + (0.3 + 0.1) × 1100 = 1040; (1100 − 1050) × 2 + 0.1 × 1100 = 210
    assert result["totalMonthlyBenefit"] == "1250.00"
    assert (result["changedOutcome"], result["newlyEligible"], result["noLongerEligible"]) == (1, 1, 0)
    assert await row_counts(pool, "eligibility_decision", "household_eligibility", "referral") == before


async def test_bad_candidate_parameters_are_refused(gql: Any, pool: Any, scene: dict[str, str]) -> None:  # noqa: F811
    bad = {**DEMO_PARAMETERS, "standard_monthly": "-1"}
    data = (await gql(SIMULATE, {"input": {"regionCode": "371000", "parameters": bad}}))[
        "simulateDibaoPolicy"
    ]
    assert data["simulation"] is None
    assert data["errors"][0]["field"] == ["parameters", "standard_monthly"]
    assert (await row_counts(pool, "policy_simulation"))["policy_simulation"] == 0
