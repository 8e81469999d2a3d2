"""GraphQL types of eligibility: policies, decisions with their trace, runs, agencies, referrals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from lianxin.core.ids import to_global_id
from lianxin.core.money import fen_to_yuan
from lianxin.household.enums import EligibilityOutcome, HardshipCategory
from lianxin.matching.models import EligibilityRun, RunStatus, StoredDecision
from lianxin.policy.models import DibaoPolicy
from lianxin.referral.models import Agency, Referral, ReferralStatus
from lianxin_api.context import Info
from lianxin_api.graphql.common import (
    RUN_STATES,
    Node,
    UserError,
    describe_values,
    errors_field,
    lazy_global_id,
    made,
)
from lianxin_api.graphql.household import enums as _enums  # noqa: F401 - registers EligibilityOutcome
from lianxin_api.graphql.visibility import visible

if TYPE_CHECKING:
    from lianxin_api.graphql.household.types import HouseholdType

strawberry.enum(RunStatus, description="QUEUED, RUNNING, DONE or FAILED.")
strawberry.enum(
    ReferralStatus, description="SENT → RECEIVED → INVESTIGATING → APPROVED/REJECTED, or WITHDRAWN."
)
describe_values(RunStatus, RUN_STATES)
describe_values(
    ReferralStatus,
    {
        ReferralStatus.SENT: "Handed to the region's agency; not yet acknowledged.",
        ReferralStatus.RECEIVED: "The agency acknowledged it.",
        ReferralStatus.INVESTIGATING: "The town/street checks the household's economic status (入户核查).",
        ReferralStatus.APPROVED: "The agency granted 低保.",
        ReferralStatus.REJECTED: "The agency refused; the referral's reason says why.",
        ReferralStatus.WITHDRAWN: "Withdrawn because a later decision is no longer eligible.",
    },
)


@strawberry.type(
    name="DibaoPolicy", description="A version of a region's 低保 policy; never edited in place."
)
class DibaoPolicyType(Node):
    region_code: str = strawberry.field(
        description="GB/T 2260 code it governs: a province, city or county and everything inside it."
    )
    effective_from: date = strawberry.field(
        description="First day it applies; the latest version on or before a date governs that date."
    )
    parameters: JSON = strawberry.field(
        description="The parameters as published (RULES.md table: standard_monthly, …); decimals as strings."
    )
    published_at: datetime = strawberry.field(description="When this version was published.")

    @classmethod
    def from_model(cls, p: DibaoPolicy) -> DibaoPolicyType:
        return cls(
            id=strawberry.ID(to_global_id("DibaoPolicy", p.id)),
            region_code=p.region_code,
            effective_from=p.effective_from,
            parameters=p.raw_parameters,  # type: ignore[arg-type]  # JSON is a scalar alias of Any
            published_at=p.published_at,
        )


@strawberry.type(name="TraceStep", description="One step of a decision, as RULES.md orders them.")
class TraceStepType:
    rule: str = strawberry.field(
        description="The step's id: R1_MEMBERS…R8_NOT_ELIGIBLE the numbered tests of RULES.md, C1_…C4_ "
        "the union's classification, I_, P_, R_, Y_, C_, Q_ the figures, SUGGESTED_CATEGORY the result."
    )
    passed: bool | None = strawberry.field(
        description="Whether the household meets the step's test; null for computed figures and the result."
    )
    value: str | None = strawberry.field(description="The step's figure or finding; null when it has none.")
    explanation: str = strawberry.field(description="Chinese / English, one line.")


@lazy_global_id
@strawberry.type(
    name="EligibilityDecision", description="A reproducible decision: inputs fingerprint + policy."
)
class EligibilityDecisionType(Node):
    model: strawberry.Private[StoredDecision]
    outcome: EligibilityOutcome = strawberry.field(description="What the 低保 rules decided.")
    per_capita_income: Decimal = strawberry.field(
        description="p: counted income per member, yuan per person per month."
    )
    counted_income: Decimal = strawberry.field(
        description="I: the household's counted monthly income (EXEMPT left out, wage deduction "
        "applied), yuan."
    )
    standard: Decimal = strawberry.field(
        description="S: the policy's 低保 standard, yuan per person per month."
    )
    monthly_benefit: Decimal = strawberry.field(
        description="The monthly 低保 benefit for the household, yuan; 0.00 unless eligible."
    )
    suggested_category: HardshipCategory | None = strawberry.field(
        description="The union's classification (RULES.md v2): DEEP below the standard, RELATIVE below "
        "relative_hardship_multiple × the standard (both on categoryIncome), ACCIDENT for a major-event "
        "casualty or hardship costs above accident_cost_share of the year's income; null without "
        "members or with an exclusion. A suggestion: the household's category stays the caseworker's."
    )
    category_income: Decimal | None = strawberry.field(
        description="RULES.md v2 q: (annual disposable income − the year's rigid expenditure) / 12 / "
        "members, yuan per person per month, may be negative; null without members (and on decisions "
        "made before v2)."
    )
    rules_version: int = strawberry.field(description="The RULES.md version that made the decision.")
    evaluated_at: datetime = strawberry.field(description="When the decision was made.")
    evaluated_on: date = strawberry.field(description="The date the rules were applied for (ages).")
    fingerprint: str = strawberry.field(
        description="Hash of the inputs; unchanged inputs under the same policy are not decided again."
    )
    trace: list[TraceStepType] = strawberry.field(description="Every step applied, in order.")

    @classmethod
    def from_model(cls, d: StoredDecision) -> EligibilityDecisionType:
        return made(
            cls,
            {
                "model": d,  # (its `id` encoded when read: `lazy_global_id`)
                "outcome": d.outcome,
                "per_capita_income": fen_to_yuan(d.per_capita_income_fen),
                "counted_income": fen_to_yuan(d.counted_income_fen),
                "standard": fen_to_yuan(d.standard_fen),
                "monthly_benefit": fen_to_yuan(d.monthly_benefit_fen),
                "suggested_category": d.suggested_category,
                "category_income": None
                if d.category_income_fen is None
                else fen_to_yuan(d.category_income_fen),
                "rules_version": d.rules_version,
                "evaluated_at": d.evaluated_at,
                "evaluated_on": d.evaluated_on,
                "fingerprint": d.fingerprint,
                # (a decision read without its trace answers a selection that shows none of its steps: a
                # trace asked of it is null in a non-null field, an error, never an empty list)
                "trace": [
                    TraceStepType(
                        rule=s["rule"], passed=s["passed"], value=s["value"], explanation=s["explanation"]
                    )
                    for s in d.trace
                ]
                if d.trace_read
                else None,
            },
        )

    @strawberry.field(description="The policy version applied.")
    async def policy(self, info: Info) -> DibaoPolicyType:
        policy = await info.context.loaders.policy_by_id.load(self.model.policy_id)
        assert policy is not None
        return DibaoPolicyType.from_model(policy)

    @strawberry.field(description="The household decided.")
    async def household(
        self, info: Info
    ) -> Annotated[HouseholdType, strawberry.lazy("lianxin_api.graphql.household.types")]:
        from lianxin_api.graphql.household.types import HouseholdType

        household = await info.context.loaders.household_by_id.load(self.model.household_id)
        assert household is not None
        return HouseholdType.from_model(household)


@strawberry.type(name="EligibilityRun", description="A batch re-match; `done`/`total` is its progress.")
class EligibilityRunType(Node):
    region_code: str | None = strawberry.field(
        description="The region re-matched; null when a union was named."
    )
    reason: str = strawberry.field(
        description="Why it ran: policy.published (queued by publishDibaoPolicy) or requested."
    )
    status: RunStatus = strawberry.field(description="Where the run is.")
    total: int = strawberry.field(description="Households to re-match.")
    done: int = strawberry.field(description="Households re-matched so far.")
    changed: int = strawberry.field(description="Households that got a new decision.")
    created_at: datetime = strawberry.field(description="When the run was queued.")
    finished_at: datetime | None = strawberry.field(
        description="When it ended (DONE or FAILED); null before."
    )

    @classmethod
    def from_model(cls, r: EligibilityRun) -> EligibilityRunType:
        return cls(
            id=strawberry.ID(to_global_id("EligibilityRun", r.id)),
            region_code=r.region_code,
            reason=r.reason,
            status=r.status,
            total=r.total,
            done=r.done,
            changed=r.changed,
            created_at=r.created_at,
            finished_at=r.finished_at,
        )


@strawberry.type(
    name="Agency", description="A civil-affairs agency (民政局) receiving referrals for its region."
)
class AgencyType(Node):
    name: str = strawberry.field(description="The agency's name, e.g. 某区民政局.")
    region_code: str = strawberry.field(description="GB/T 2260 code of the region it serves.")

    @classmethod
    def from_model(cls, a: Agency) -> AgencyType:
        return cls(id=strawberry.ID(to_global_id("Agency", a.id)), name=a.name, region_code=a.region_code)


@strawberry.type(name="Referral", description="A household handed to civil affairs (转介民政).")
class ReferralType(Node):
    model: strawberry.Private[Referral]
    status: ReferralStatus = strawberry.field(description="Where the referral is.")
    reason: str | None = strawberry.field(description="The agency's reason (for REJECTED); null: none given.")
    created_at: datetime = strawberry.field(description="When it was sent.")
    updated_at: datetime = strawberry.field(description="When its status last changed.")

    @classmethod
    def from_model(cls, r: Referral) -> ReferralType:
        return cls(
            id=strawberry.ID(to_global_id("Referral", r.id)),
            model=r,
            status=r.status,
            reason=r.reason,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )

    @strawberry.field(description="The civil-affairs agency it was sent to.")
    async def agency(self, info: Info) -> AgencyType:
        agency = await info.context.loaders.agency_by_id.load(self.model.agency_id)
        assert agency is not None
        return AgencyType.from_model(agency)

    @strawberry.field(
        description="The decision referred; null when the caller does not see the household (an "
        "agency's referral of a household outside its caller's region)."
    )
    async def decision(self, info: Info) -> EligibilityDecisionType | None:
        decision = await info.context.loaders.decision_by_id.load(self.model.decision_id)
        if decision is None or not await visible(info, "EligibilityDecision", decision):
            return None
        return EligibilityDecisionType.from_model(decision)

    @strawberry.field(description="The household referred; null when the caller does not see it.")
    async def household(
        self, info: Info
    ) -> Annotated[HouseholdType, strawberry.lazy("lianxin_api.graphql.household.types")] | None:
        from lianxin_api.graphql.household.types import HouseholdType

        household = await info.context.loaders.household_by_id.load(self.model.household_id)
        if household is None or not await visible(info, "Household", household):
            return None
        return HouseholdType.from_model(household)


@strawberry.type(name="DibaoPolicyPayload", description="Result of publishDibaoPolicy.")
class DibaoPolicyPayload:
    policy: DibaoPolicyType | None = strawberry.field(
        description="The new policy version; null when errors is not empty."
    )
    run: EligibilityRunType | None = strawberry.field(description="The re-match the publication queued.")
    errors: list[UserError] = errors_field()


@strawberry.type(name="EligibilityRunPayload", description="Result of requestEligibilityRun.")
class EligibilityRunPayload:
    run: EligibilityRunType | None = strawberry.field(
        description="The queued run (poll it with node); null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(name="AgencyPayload", description="Result of createAgency.")
class AgencyPayload:
    agency: AgencyType | None = strawberry.field(
        description="The agency created; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(name="ReferralPayload", description="Result of updateReferral.")
class ReferralPayload:
    referral: ReferralType | None = strawberry.field(
        description="The referral after the change; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()
