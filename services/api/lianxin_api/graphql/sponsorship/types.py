"""GraphQL types for sponsorship pairings (结对帮扶)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from lianxin.access.fields import Shown
from lianxin.access.kinds import shown
from lianxin.organization.models import Organization
from lianxin.sponsorship.models import Sponsorship
from lianxin_api.context import Info
from lianxin_api.executor.plan import PLAIN_GETTER
from lianxin_api.graphql.common import ContextOnly, Node, UserError, errors_field, lazy_global_id, made
from lianxin_api.graphql.organization.types import OrganizationType
from lianxin_api.graphql.visibility import visible

if TYPE_CHECKING:
    from lianxin_api.graphql.household.types import HouseholdType


def _sponsor_getter(context: Any) -> Callable[[SponsorshipType], Any]:
    """`SponsorshipType.sponsor` for every pairing of a request (PLAIN_GETTER; the resolver calls the
    same): the object made with its page, or made of the model prefetched with it, else loaded."""
    info = cast(Info, ContextOnly(context))

    def sponsor(source: SponsorshipType) -> Any:
        if source.sponsor_type is not None:  # made with its page
            return source.sponsor_type
        if source.sponsor_model is not None:  # prefetched with its page
            return OrganizationType.from_model(source.sponsor_model)
        return source._sponsor_later(info)

    return sponsor


@lazy_global_id
@strawberry.type(name="Sponsorship", description="A household paired with a sponsor organization (结对帮扶).")
class SponsorshipType(Node):
    model: strawberry.Private[Sponsorship]
    started_on: date = strawberry.field(description="The day the pairing began.")
    ended_on: date | None = strawberry.field(description="The day it ended; null while active.")
    active: bool = strawberry.field(description="True until the pairing is ended (endSponsorship).")
    sponsor_model: strawberry.Private[Organization | None] = None
    # `sponsor_model`'s GraphQL object, when a page made it already (shared by the sponsor's pairings)
    sponsor_type: strawberry.Private[OrganizationType | None] = None

    @classmethod
    def from_model(
        cls, s: Sponsorship, sponsor: Organization | None = None, sponsor_type: OrganizationType | None = None
    ) -> SponsorshipType:
        return made(
            cls,
            {
                "model": s,  # (its `id` encoded when read: `lazy_global_id`)
                "started_on": s.started_on,
                "ended_on": s.ended_on,
                "active": s.active,
                "sponsor_model": sponsor,
                "sponsor_type": sponsor_type,
            },
        )

    @strawberry.field(
        description="Why the pairing ended, as the caseworker wrote it; null while active, and for sponsors "
        "(case notes)."
    )
    def end_reason(self, info: Info) -> str | None:
        if shown(info.context.principal, "Sponsorship", "endReason") is Shown.HIDDEN:
            return None
        return self.model.end_reason

    @strawberry.field(
        description="The paired household; null when the caller does not see it (a sponsor's ended pairing)."
    )
    async def household(
        self, info: Info
    ) -> Annotated[HouseholdType, strawberry.lazy("lianxin_api.graphql.household.types")] | None:
        from lianxin_api.graphql.household.types import HouseholdType

        household = await info.context.loaders.household_by_id.load(self.model.household_id)
        if household is None or not await visible(info, "Household", household):
            return None
        return HouseholdType.from_model(household)

    @strawberry.field(
        description="The sponsor organization (爱心单位).", metadata={PLAIN_GETTER: _sponsor_getter}
    )
    def sponsor(self, info: Info) -> OrganizationType:
        return cast(OrganizationType, _sponsor_getter(info.context)(self))

    async def _sponsor_later(self, info: Info) -> OrganizationType:
        org = await info.context.loaders.organization_by_id.load(self.model.sponsor_id)
        assert org is not None
        return OrganizationType.from_model(org)


@strawberry.type(name="SponsorshipPayload", description="Result of createSponsorship or endSponsorship.")
class SponsorshipPayload:
    sponsorship: SponsorshipType | None = strawberry.field(
        description="The pairing as stored after the change; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(
    name="CreateSponsorshipInput", description="A pairing (结对) of an ACTIVE household and a sponsor."
)
class CreateSponsorshipInput:
    household_id: strawberry.ID = strawberry.field(description="The Household to pair; must be ACTIVE.")
    sponsor_id: strawberry.ID = strawberry.field(description="An Organization of kind SPONSOR.")
    started_on: date = strawberry.field(description="The day the pairing begins; not after today.")


@strawberry.input(name="EndSponsorshipInput", description="Ends an active pairing.")
class EndSponsorshipInput:
    id: strawberry.ID = strawberry.field(description="The Sponsorship to end.")
    ended_on: date = strawberry.field(description="The day it ended.")
    reason: str = strawberry.field(description="Why, e.g. 户主病故 (hidden from sponsors as endReason).")
