"""GraphQL types of reminders."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from lianxin.core.ids import to_global_id
from lianxin.reminder.models import Reminder, ReminderKind
from lianxin_api.context import Info
from lianxin_api.graphql.common import Node, describe_values
from lianxin_api.graphql.sponsorship.types import SponsorshipType
from lianxin_api.graphql.visibility import load_visible

if TYPE_CHECKING:
    from lianxin_api.graphql.household.types import HouseholdType

strawberry.enum(
    ReminderKind,
    name="ReminderKind",
    description="CONDOLENCE_DUE (季度慰问金 unpaid this quarter), SURVEY_VISIT_DUE (this round's 入户调研 "
    "not made), FESTIVAL_VISIT_DUE (a sponsor's visit for Spring Festival or Mid-Autumn).",
)
describe_values(
    ReminderKind,
    {
        ReminderKind.CONDOLENCE_DUE: "季度慰问金 not yet paid to the household this quarter.",
        ReminderKind.SURVEY_VISIT_DUE: "This round's survey visit (入户调研) not yet made.",
        ReminderKind.FESTIVAL_VISIT_DUE: "A sponsor's festival visit (春节 or 中秋) due.",
    },
)


@strawberry.type(
    name="Reminder",
    description="Something due for a household, raised once per period by the worker's hourly scan.",
)
class ReminderType(Node):
    model: strawberry.Private[Reminder]
    kind: ReminderKind = strawberry.field(description="What is due.")
    period: str = strawberry.field(
        description="2026Q4 (the aid period), 2026-R3 (survey-visit round), 2026-SPRING_FESTIVAL."
    )
    due_on: date = strawberry.field(description="The quarter's or round's last day, or the festival.")
    created_at: datetime = strawberry.field(description="When the worker raised it.")

    @classmethod
    def from_model(cls, r: Reminder) -> ReminderType:
        return cls(
            id=strawberry.ID(to_global_id("Reminder", r.id)),
            model=r,
            kind=r.kind,
            period=r.period,
            due_on=r.due_on,
            created_at=r.created_at,
        )

    @strawberry.field(description="Null for a SPONSOR once its pairing with the household has ended.")
    async def household(
        self, info: Info
    ) -> Annotated[HouseholdType, strawberry.lazy("lianxin_api.graphql.household.types")] | None:
        from lianxin_api.graphql.household.types import HouseholdType

        # the household as the caller may see it: a sponsor only while actively paired (DESIGN.md §7)
        household = await load_visible(info, "Household", self.model.household_id)
        return HouseholdType.from_model(household) if household is not None else None

    @strawberry.field(description="The pairing whose sponsor should visit (festival visits only).")
    async def sponsorship(self, info: Info) -> SponsorshipType | None:
        return await self._sponsorship(info)

    async def _sponsorship(self, info: Info) -> SponsorshipType | None:
        if self.model.sponsorship_id is None:
            return None
        found = await load_visible(info, "Sponsorship", self.model.sponsorship_id)
        return SponsorshipType.from_model(found) if found is not None else None
