"""GraphQL types of casework: survey visits and their plans, overdue visits, leaving hardship."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from lianxin.casework.models import LeavingSuggestion, OverdueVisit, PlanAction, Visit
from lianxin.core.ids import to_global_id
from lianxin.core.money import fen_to_yuan
from lianxin_api.context import Info
from lianxin_api.graphql.common import Node, UserError, errors_field

if TYPE_CHECKING:
    from lianxin_api.graphql.household.types import HouseholdType

_HOUSEHOLD = "lianxin_api.graphql.household.types"


async def _household(info: Info, household_id: int) -> HouseholdType:
    from lianxin_api.graphql.household.types import HouseholdType

    household = await info.context.loaders.household_by_id.load(household_id)
    assert household is not None  # a foreign key
    return HouseholdType.from_model(household)


@strawberry.type(name="PlanAction", description="One action of a household's plan (因户施策).")
class PlanActionType:
    action: str = strawberry.field(description="What will be done, e.g. 申请医疗救助.")
    owner: str = strawberry.field(description="Who answers for the action.")
    due_on: date = strawberry.field(description="When it should be done.")

    @classmethod
    def from_model(cls, a: PlanAction) -> PlanActionType:
        return cls(action=a.action, owner=a.owner, due_on=a.due_on)


@strawberry.type(name="VisitFindings", description="What the visitors found.")
class VisitFindingsType:
    family_situation: str = strawberry.field(description="The family's situation (家庭情况), free text.")
    hardship_causes: str | None = strawberry.field(
        description="Causes of hardship as found (致困原因); null: not noted."
    )
    skills: str | None = strawberry.field(
        description="Skills of working-age members (技能); null: not noted."
    )
    employment_wishes: str | None = strawberry.field(
        description="Wishes for work or training (就业意愿); null: not noted."
    )
    state_of_mind: str | None = strawberry.field(
        description="How the family is coping (思想状况); null: not noted."
    )


@strawberry.type(name="Visit", description="A survey visit (入户调研): findings and the plan agreed.")
class VisitType(Node):
    model: strawberry.Private[Visit]
    visited_on: date = strawberry.field(description="The day of the visit.")
    year: int = strawberry.field(description="Calendar year of visitedOn, which the round counts in.")
    round: int = strawberry.field(description="1, 2, 3 … within the calendar year, in recording order.")
    visitors: list[str] = strawberry.field(description="Names of the visitors.")
    findings: VisitFindingsType = strawberry.field(description="What the visitors found.")
    plan: list[PlanActionType] = strawberry.field(
        description="The actions agreed (因户施策), in the order given."
    )
    recorded_at: datetime = strawberry.field(description="When the visit was recorded.")

    @classmethod
    def from_model(cls, v: Visit) -> VisitType:
        f = v.findings
        return cls(
            id=strawberry.ID(to_global_id("Visit", v.id)),
            model=v,
            visited_on=v.visited_on,
            year=v.year,
            round=v.round,
            visitors=list(v.visitors),
            findings=VisitFindingsType(
                family_situation=f.family_situation,
                hardship_causes=f.hardship_causes,
                skills=f.skills,
                employment_wishes=f.employment_wishes,
                state_of_mind=f.state_of_mind,
            ),
            plan=[PlanActionType.from_model(a) for a in v.plan],
            recorded_at=v.created_at,
        )

    @strawberry.field(description="The household visited.")
    async def household(self, info: Info) -> Annotated[HouseholdType, strawberry.lazy(_HOUSEHOLD)]:
        return await _household(info, self.model.household_id)


@strawberry.type(name="OverdueVisit", description="A household with fewer visits this year than are due.")
class OverdueVisitType:
    model: strawberry.Private[OverdueVisit]
    rounds_due: int = strawberry.field(description="Rounds whose span of the year has ended.")
    rounds_done: int = strawberry.field(description="Visits recorded this year.")
    last_visited_on: date | None = strawberry.field(
        description="The latest visit on or before asOf; null: none."
    )

    @classmethod
    def from_model(cls, o: OverdueVisit) -> OverdueVisitType:
        return cls(
            model=o, rounds_due=o.rounds_due, rounds_done=o.rounds_done, last_visited_on=o.last_visited_on
        )

    @strawberry.field(description="The household behind on visits.")
    async def household(self, info: Info) -> Annotated[HouseholdType, strawberry.lazy(_HOUSEHOLD)]:
        return await _household(info, self.model.household_id)


@strawberry.type(
    name="LeavingHardshipSuggestion",
    description="An ACTIVE household at or above the RELATIVE threshold for the configured months (脱困).",
)
class LeavingSuggestionType:
    model: strawberry.Private[LeavingSuggestion]
    above_since: date = strawberry.field(
        description="Evaluation date of the first decision of the streak without a suggested category."
    )
    per_capita_income: Decimal = strawberry.field(description="Of the latest decision, yuan per month.")
    threshold: Decimal = strawberry.field(description="relative_hardship_multiple × standard, yuan.")
    category_income: Decimal | None = strawberry.field(
        description="RULES.md v2 q of the latest decision, yuan per person per month (null before v2)."
    )
    decision_id: strawberry.ID = strawberry.field(description="The latest EligibilityDecision.")

    @classmethod
    def from_model(cls, s: LeavingSuggestion) -> LeavingSuggestionType:
        return cls(
            model=s,
            above_since=s.above_since,
            per_capita_income=fen_to_yuan(s.per_capita_income_fen),
            threshold=fen_to_yuan(s.threshold_fen),
            category_income=None if s.category_income_fen is None else fen_to_yuan(s.category_income_fen),
            decision_id=strawberry.ID(to_global_id("EligibilityDecision", s.decision_id)),
        )

    @strawberry.field(description="The household that may leave hardship.")
    async def household(self, info: Info) -> Annotated[HouseholdType, strawberry.lazy(_HOUSEHOLD)]:
        return await _household(info, self.model.household_id)


@strawberry.type(name="VisitPayload", description="Result of recordVisit.")
class VisitPayload:
    visit: VisitType | None = strawberry.field(
        description="The visit as recorded; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(name="VisitFindingsInput", description="What the visitors found; free text.")
class VisitFindingsInput:
    family_situation: str = strawberry.field(description="Required: the family's situation.")
    hardship_causes: str | None = strawberry.field(
        default=None, description="Causes of hardship as found (致困原因)."
    )
    skills: str | None = strawberry.field(default=None, description="Skills of working-age members (技能).")
    employment_wishes: str | None = strawberry.field(
        default=None, description="Wishes for work or training (就业意愿)."
    )
    state_of_mind: str | None = strawberry.field(
        default=None, description="How the family is coping (思想状况)."
    )


@strawberry.input(name="PlanActionInput", description="One action of the plan agreed at a visit (因户施策).")
class PlanActionInput:
    action: str = strawberry.field(description="What will be done.")
    owner: str = strawberry.field(description="Who answers for it.")
    due_on: date = strawberry.field(description="Not before the visit.")


@strawberry.input(name="RecordVisitInput", description="A survey visit (入户调研) to record.")
class RecordVisitInput:
    household_id: strawberry.ID = strawberry.field(description="The Household visited.")
    visited_on: date = strawberry.field(description="The day of the visit; its year counts the round.")
    visitors: list[str] = strawberry.field(description="Names of the visitors; at least one.")
    findings: VisitFindingsInput = strawberry.field(description="What the visitors found.")
    plan: list[PlanActionInput] = strawberry.field(
        default_factory=list, description="The actions agreed; empty: none."
    )
