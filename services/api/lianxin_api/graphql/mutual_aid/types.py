"""GraphQL types of medical mutual aid (医疗互助): plans, coverages, enrollments, claims, totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from lianxin.core.ids import to_global_id
from lianxin.core.money import fen_to_yuan
from lianxin.mutual_aid.models import Claim, ClaimStatus, ClaimTotals, Coverage, Enrollment, MutualAidPlan
from lianxin_api.context import Info
from lianxin_api.graphql.common import Node, UserError, errors_field

strawberry.enum(
    Coverage,
    name="MutualAidCoverage",
    description="ACCIDENT 意外伤害, HOSPITAL_ALLOWANCE 住院津贴, CRITICAL_ILLNESS 重大疾病, "
    "HOSPITAL_COST 住院医疗.",
)
strawberry.enum(
    ClaimStatus, name="ClaimStatus", description="SUBMITTED → APPROVED → PAID, or REJECTED with a reason."
)


@strawberry.type(name="CoverageCap", description="A covered risk and its cap per member per plan year.")
class CoverageCapType:
    coverage: Coverage
    cap: Decimal


@strawberry.type(name="MutualAidPlan", description="A year's medical mutual-aid plan (医疗互助).")
class MutualAidPlanType(Node):
    model: strawberry.Private[MutualAidPlan]
    year: int
    name: str
    women_only: bool = strawberry.field(description="The women workers' special plan (女职工专项).")

    @classmethod
    def from_model(cls, p: MutualAidPlan) -> MutualAidPlanType:
        return cls(
            id=strawberry.ID(to_global_id("MutualAidPlan", p.id)),
            model=p,
            year=p.year,
            name=p.name,
            women_only=p.women_only,
        )

    @strawberry.field
    async def coverages(self, info: Info) -> list[CoverageCapType]:
        caps = await info.context.loaders.coverages_by_plan.load(self.model.id)
        return [CoverageCapType(coverage=c.coverage, cap=fen_to_yuan(c.cap_fen)) for c in caps]


@strawberry.type(name="MutualAidEnrollment", description="A member enrolled in a plan, free of charge.")
class EnrollmentType:
    id: strawberry.ID
    member_id: strawberry.ID
    household_id: strawberry.ID
    enrolled_on: date

    @classmethod
    def from_model(cls, e: Enrollment) -> EnrollmentType:
        return cls(
            id=strawberry.ID(to_global_id("MutualAidEnrollment", e.id)),
            member_id=strawberry.ID(to_global_id("Member", e.member_id)),
            household_id=strawberry.ID(to_global_id("Household", e.household_id)),
            enrolled_on=e.enrolled_on,
        )


@strawberry.type(name="MutualAidClaim", description="A claim under one coverage of a member's enrollment.")
class ClaimType(Node):
    coverage: Coverage
    amount: Decimal
    incurred_on: date
    status: ClaimStatus
    reason: str | None = strawberry.field(description="Why it was rejected.")
    plan_id: strawberry.ID

    @classmethod
    def from_model(cls, c: Claim) -> ClaimType:
        return cls(
            id=strawberry.ID(to_global_id("MutualAidClaim", c.id)),
            coverage=c.coverage,
            amount=fen_to_yuan(c.amount_fen),
            incurred_on=c.incurred_on,
            status=c.status,
            reason=c.reason,
            plan_id=strawberry.ID(to_global_id("MutualAidPlan", c.plan_id)),
        )


@strawberry.type(name="MutualAidTotals", description="Claims under the plans of the years asked for.")
class ClaimTotalsType:
    claims: int
    paid_claims: int
    amount_claimed: Decimal = strawberry.field(description="Yuan of every claim not rejected.")
    amount_paid: Decimal

    @classmethod
    def from_model(cls, t: ClaimTotals) -> ClaimTotalsType:
        return cls(
            claims=t.claims,
            paid_claims=t.paid_claims,
            amount_claimed=fen_to_yuan(t.amount_claimed_fen),
            amount_paid=fen_to_yuan(t.amount_paid_fen),
        )


@strawberry.type(name="MutualAidPlanPayload")
class MutualAidPlanPayload:
    plan: MutualAidPlanType | None
    errors: list[UserError] = errors_field()


@strawberry.type(name="EnrollHouseholdPayload")
class EnrollHouseholdPayload:
    enrollments: list[EnrollmentType] | None = strawberry.field(description="The household's, after.")
    errors: list[UserError] = errors_field()


@strawberry.type(name="MutualAidClaimPayload")
class ClaimPayload:
    claim: ClaimType | None
    errors: list[UserError] = errors_field()


@strawberry.input(name="CoverageCapInput")
class CoverageCapInput:
    coverage: Coverage
    cap: Decimal = strawberry.field(description="Yuan per member per plan year, > 0.")


@strawberry.input(name="CreateMutualAidPlanInput")
class CreateMutualAidPlanInput:
    year: int
    name: str
    women_only: bool = False
    coverages: list[CoverageCapInput]


@strawberry.input(name="EnrollHouseholdInput")
class EnrollHouseholdInput:
    plan_id: strawberry.ID
    household_id: strawberry.ID


@strawberry.input(name="FileClaimInput")
class FileClaimInput:
    plan_id: strawberry.ID
    member_id: strawberry.ID
    coverage: Coverage
    amount: Decimal
    incurred_on: date


@strawberry.input(name="ReviewClaimInput")
class ReviewClaimInput:
    id: strawberry.ID
    status: ClaimStatus
    reason: str | None = strawberry.field(default=None, description="Required for REJECTED.")
