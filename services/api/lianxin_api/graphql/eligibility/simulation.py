"""`simulateDibaoPolicy`: what-if counts and costs under candidate parameters (nothing decided)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from lianxin.core.db import UnitOfWork
from lianxin.core.ids import to_global_id
from lianxin.household.enums import EligibilityOutcome, HardshipCategory
from lianxin.matching import repository as repo
from lianxin.matching import simulation
from lianxin.matching.models import RunStatus, Simulation
from lianxin_api.context import Info
from lianxin_api.graphql.common import MutationInput, Node, UserError, errors_field
from lianxin_api.graphql.eligibility import types as _types  # noqa: F401 - registers RunStatus first
from lianxin_api.graphql.mutation import run_in_transaction
from lianxin_api.graphql.permissions import require_operation


@strawberry.type(name="SimulatedOutcome", description="Households by outcome under the candidate parameters.")
class SimulatedOutcomeType:
    outcome: str = strawberry.field(description="An EligibilityOutcome value, e.g. DIBAO.")
    households: int = strawberry.field(description="Households with that outcome.")
    monthly_benefit: Decimal = strawberry.field(description="Their monthly benefits together, yuan.")


@strawberry.type(
    name="SimulatedCategory", description="RULES.md v2: households by the union's suggested category."
)
class SimulatedCategoryType:
    category: HardshipCategory | None = strawberry.field(description="Null: no category.")
    households: int = strawberry.field(description="Households with that suggested category.")


@strawberry.type(
    name="SimulatedOutcomeChange",
    description="Households whose current outcome (before) the candidate parameters would change (after).",
)
class SimulatedOutcomeChangeType:
    before: EligibilityOutcome = strawberry.field(description="The current outcome.")
    after: EligibilityOutcome = strawberry.field(description="The outcome under the candidate.")
    households: int = strawberry.field(description="Households changing so.")


@strawberry.type(
    name="SimulatedCategoryChange",
    description="RULES.md v2: households whose current suggested category (before) the candidate "
    "parameters would change (after); null is no category.",
)
class SimulatedCategoryChangeType:
    before: HardshipCategory | None = strawberry.field(description="The current suggested category.")
    after: HardshipCategory | None = strawberry.field(
        description="The suggested category under the candidate."
    )
    households: int = strawberry.field(description="Households changing so.")


def _category(value: str | None) -> HardshipCategory | None:
    return HardshipCategory(value) if value else None


@strawberry.type(name="DibaoSimulation", description="A what-if run; results appear when status is DONE.")
class DibaoSimulationType(Node):
    region_code: str = strawberry.field(description="The region simulated (GB/T 2260 code).")
    parameters: JSON = strawberry.field(description="The candidate parameters, as given.")
    status: RunStatus = strawberry.field(description="Where the run is; the results are null until DONE.")
    total: int = strawberry.field(description="Households to evaluate.")
    done: int = strawberry.field(description="Households evaluated so far.")
    outcomes: list[SimulatedOutcomeType] | None = strawberry.field(
        description="Households and benefits by outcome under the candidate; null until DONE."
    )
    total_monthly_benefit: Decimal | None = strawberry.field(
        description="Every household's monthly benefit under the candidate, yuan; null until DONE."
    )
    changed_outcome: int | None = strawberry.field(
        description="Households whose outcome would differ from now."
    )
    newly_eligible: int | None = strawberry.field(
        description="Households not eligible now (DIBAO, EXPENDITURE_TYPE, SINGLE_PERSON) that would be; "
        "null until DONE."
    )
    no_longer_eligible: int | None = strawberry.field(
        description="Households eligible now that would not be; null until DONE."
    )
    categories: list[SimulatedCategoryType] | None = strawberry.field(
        description="RULES.md v2: households by the union's suggested category under the candidate."
    )
    changed_category: int | None = strawberry.field(
        description="Households whose suggested category would differ from now."
    )
    outcome_changes: list[SimulatedOutcomeChangeType] | None = strawberry.field(
        description="Each change of outcome (current → candidate) with its households."
    )
    category_changes: list[SimulatedCategoryChangeType] | None = strawberry.field(
        description="Each change of suggested category (current → candidate) with its households."
    )
    created_at: datetime = strawberry.field(description="When the simulation was queued.")
    finished_at: datetime | None = strawberry.field(
        description="When it ended (DONE or FAILED); null before."
    )

    @classmethod
    def from_model(cls, s: Simulation) -> DibaoSimulationType:
        r = s.results or {}
        return cls(
            id=strawberry.ID(to_global_id("DibaoSimulation", s.id)),
            region_code=s.region_code,
            parameters=s.parameters,  # type: ignore[arg-type]  # JSON is a scalar alias of Any
            status=s.status,
            total=s.total,
            done=s.done,
            outcomes=[
                SimulatedOutcomeType(
                    outcome=o["outcome"],
                    households=o["households"],
                    monthly_benefit=Decimal(o["monthlyBenefit"]),
                )
                for o in r.get("byOutcome", [])
            ]
            if s.results is not None
            else None,
            total_monthly_benefit=Decimal(r["totalMonthlyBenefit"]) if s.results is not None else None,
            changed_outcome=r.get("changedOutcome"),
            newly_eligible=r.get("newlyEligible"),
            no_longer_eligible=r.get("noLongerEligible"),
            categories=[
                SimulatedCategoryType(category=_category(c["category"]), households=c["households"])
                for c in r.get("byCategory", [])
            ]
            if s.results is not None
            else None,
            changed_category=r.get("changedCategory"),
            outcome_changes=[
                SimulatedOutcomeChangeType(
                    before=EligibilityOutcome(c["from"]),
                    after=EligibilityOutcome(c["to"]),
                    households=c["households"],
                )
                for c in r.get("outcomeChanges", [])
            ]
            if s.results is not None
            else None,
            category_changes=[
                SimulatedCategoryChangeType(
                    before=_category(c["from"]), after=_category(c["to"]), households=c["households"]
                )
                for c in r.get("categoryChanges", [])
            ]
            if s.results is not None
            else None,
            created_at=s.created_at,
            finished_at=s.finished_at,
        )


@strawberry.input(
    name="SimulateDibaoPolicyInput", description="Candidate 低保 parameters to try on a region's households."
)
class SimulateDibaoPolicyInput:
    region_code: str = strawberry.field(description="GB/T 2260 code of the region to simulate.")
    parameters: JSON = strawberry.field(
        description="Candidate parameters, as for publishDibaoPolicy (RULES.md keys; decimals as strings)."
    )


@strawberry.type(name="DibaoSimulationPayload", description="Result of simulateDibaoPolicy.")
class DibaoSimulationPayload:
    simulation: DibaoSimulationType | None = strawberry.field(
        description="The queued simulation (poll it with node); null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.type
class SimulationMutation:
    @strawberry.mutation(
        description="Queue a what-if run of candidate parameters over a region (no decisions)."
    )
    async def simulate_dibao_policy(
        self, info: Info, input: MutationInput[SimulateDibaoPolicyInput]
    ) -> DibaoSimulationPayload:
        caller = require_operation(info, "simulateDibaoPolicy")

        async def work(uow: UnitOfWork) -> Simulation:
            sim_id = await simulation.request_simulation(
                uow, input.region_code, input.parameters, caller.subject
            )
            found = await repo.list_simulations_by_ids(uow.conn, [sim_id])
            return found[0]

        sim, errors = await run_in_transaction(info, work)
        return DibaoSimulationPayload(
            simulation=DibaoSimulationType.from_model(sim) if sim else None, errors=errors
        )
