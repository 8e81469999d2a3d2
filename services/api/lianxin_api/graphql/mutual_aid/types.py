"""GraphQL types of medical mutual aid (医疗互助): plans, coverages, enrollments, claims, totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from lianxin.core.ids import to_global_id
from lianxin.core.money import fen_to_yuan
from lianxin.mutual_aid.models import Claim, ClaimStatus, ClaimTotals, Coverage, Enrollment, MutualAidPlan
from lianxin_api.context import Info
from lianxin_api.graphql.common import Node, UserError, describe_values, errors_field

strawberry.enum(
    Coverage,
    name="MutualAidCoverage",
    description="ACCIDENT 意外伤害, HOSPITAL_ALLOWANCE 住院津贴, CRITICAL_ILLNESS 重大疾病, "
    "HOSPITAL_COST 住院医疗.",
)
strawberry.enum(
    ClaimStatus, name="ClaimStatus", description="SUBMITTED → APPROVED → PAID, or REJECTED with a reason."
)
describe_values(
    Coverage,
    {
        Coverage.ACCIDENT: "意外伤害: accidental injury.",
        Coverage.HOSPITAL_ALLOWANCE: "住院津贴: a daily allowance while in hospital.",
        Coverage.CRITICAL_ILLNESS: "重大疾病: a critical illness diagnosed.",
        Coverage.HOSPITAL_COST: "住院医疗: hospital costs not reimbursed elsewhere.",
    },
)
describe_values(
    ClaimStatus,
    {
        ClaimStatus.SUBMITTED: "Filed, waiting for review.",
        ClaimStatus.APPROVED: "Accepted, not yet paid.",
        ClaimStatus.PAID: "Paid out.",
        ClaimStatus.REJECTED: "Refused; the claim's reason says why.",
    },
)


@strawberry.type(name="CoverageCap", description="A covered risk and its cap per member per plan year.")
class CoverageCapType:
    coverage: Coverage = strawberry.field(description="The covered risk.")
    cap: Decimal = strawberry.field(description="Yuan per member per plan year.")


@strawberry.type(name="MutualAidPlan", description="A year's medical mutual-aid plan (医疗互助).")
class MutualAidPlanType(Node):
    model: strawberry.Private[MutualAidPlan]
    year: int = strawberry.field(description="The plan year.")
    name: str = strawberry.field(description="The plan's name.")
    women_only: bool = strawberry.field(
        description="The women workers' special plan (女职工专项): only FEMALE members are enrolled."
    )

    @classmethod
    def from_model(cls, p: MutualAidPlan) -> MutualAidPlanType:
        return cls(
            id=strawberry.ID(to_global_id("MutualAidPlan", p.id)),
            model=p,
            year=p.year,
            name=p.name,
            women_only=p.women_only,
        )

    @strawberry.field(description="The risks covered, each with its cap.")
    async def coverages(self, info: Info) -> list[CoverageCapType]:
        caps = await info.context.loaders.coverages_by_plan.load(self.model.id)
        return [CoverageCapType(coverage=c.coverage, cap=fen_to_yuan(c.cap_fen)) for c in caps]


@strawberry.type(name="MutualAidEnrollment", description="A member enrolled in a plan, free of charge.")
class EnrollmentType:
    id: strawberry.ID = strawberry.field(description="Global id of the enrollment; not resolvable by `node`.")
    member_id: strawberry.ID = strawberry.field(description="The Member enrolled (Member.id).")
    household_id: strawberry.ID = strawberry.field(description="The member's Household.")
    enrolled_on: date = strawberry.field(description="The day of enrollment.")

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
    coverage: Coverage = strawberry.field(description="The coverage claimed under.")
    amount: Decimal = strawberry.field(description="Yuan claimed.")
    incurred_on: date = strawberry.field(description="When the loss or treatment happened.")
    status: ClaimStatus = strawberry.field(description="Where the claim is in review.")
    reason: str | None = strawberry.field(description="Why it was rejected; null unless REJECTED.")
    plan_id: strawberry.ID = strawberry.field(description="The MutualAidPlan.")

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
    claims: int = strawberry.field(description="Claims filed, in every status.")
    paid_claims: int = strawberry.field(description="Claims PAID.")
    amount_claimed: Decimal = strawberry.field(description="Yuan of every claim not rejected.")
    amount_paid: Decimal = strawberry.field(description="Yuan of the PAID claims.")

    @classmethod
    def from_model(cls, t: ClaimTotals) -> ClaimTotalsType:
        return cls(
            claims=t.claims,
            paid_claims=t.paid_claims,
            amount_claimed=fen_to_yuan(t.amount_claimed_fen),
            amount_paid=fen_to_yuan(t.amount_paid_fen),
        )


@strawberry.type(name="MutualAidPlanPayload", description="Result of createMutualAidPlan.")
class MutualAidPlanPayload:
    plan: MutualAidPlanType | None = strawberry.field(
        description="The plan as published; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(name="EnrollHouseholdPayload", description="Result of enrollHousehold.")
class EnrollHouseholdPayload:
    enrollments: list[EnrollmentType] | None = strawberry.field(description="The household's, after.")
    errors: list[UserError] = errors_field()


@strawberry.type(name="MutualAidClaimPayload", description="Result of fileClaim or reviewClaim.")
class ClaimPayload:
    claim: ClaimType | None = strawberry.field(
        description="The claim as stored after the change; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(name="CoverageCapInput", description="A covered risk of a new plan and its cap.")
class CoverageCapInput:
    coverage: Coverage = strawberry.field(description="The covered risk; each at most once per plan.")
    cap: Decimal = strawberry.field(description="Yuan per member per plan year, > 0.")


@strawberry.input(name="CreateMutualAidPlanInput", description="A year's mutual-aid plan to publish.")
class CreateMutualAidPlanInput:
    year: int = strawberry.field(description="The plan year.")
    name: str = strawberry.field(description="The plan's name.")
    women_only: bool = strawberry.field(
        default=False,
        description="The women workers' special plan (女职工专项): enrolls FEMALE members only.",
    )
    coverages: list[CoverageCapInput] = strawberry.field(description="The risks covered and their caps.")


@strawberry.input(name="EnrollHouseholdInput", description="Enroll a household's members in a plan.")
class EnrollHouseholdInput:
    plan_id: strawberry.ID = strawberry.field(description="The MutualAidPlan.")
    household_id: strawberry.ID = strawberry.field(
        description="The Household; its members not yet enrolled are (a women-only plan: FEMALE ones)."
    )


@strawberry.input(name="FileClaimInput", description="A claim of an enrolled member under one coverage.")
class FileClaimInput:
    plan_id: strawberry.ID = strawberry.field(description="The MutualAidPlan the member is enrolled in.")
    member_id: strawberry.ID = strawberry.field(description="The Member (Member.id) claiming.")
    coverage: Coverage = strawberry.field(description="A coverage of the plan.")
    amount: Decimal = strawberry.field(description="Yuan claimed, > 0; with earlier claims within the cap.")
    incurred_on: date = strawberry.field(description="When the loss or treatment happened.")


@strawberry.input(name="ReviewClaimInput", description="A review step of a claim.")
class ReviewClaimInput:
    id: strawberry.ID = strawberry.field(description="The MutualAidClaim.")
    status: ClaimStatus = strawberry.field(description="APPROVED, PAID (after APPROVED) or REJECTED.")
    reason: str | None = strawberry.field(default=None, description="Required for REJECTED.")
