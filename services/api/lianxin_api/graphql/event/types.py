"""The GraphQL shape of an event from the log (DESIGN.md §4), and its typed `data` (issue 15).

`payload` is the stored JSON as written (kept for existing subscribers; its keys are listed on each
`EventData` type). `data` reads the same payload into one type per event family, with the API's own
scalars: yuan as `Decimal` (the payload's integer `monthlyBenefitFen` becomes `monthlyBenefit`), dates
as `Date`, references as global ids. `data` is a pure function of the event (type and payload), so any
execution over a stored event (replay or live fan-out) gives the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Any, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

# the modules that register the domain enums used below with strawberry
import lianxin_api.graphql.aid.types
import lianxin_api.graphql.cooperative.types
import lianxin_api.graphql.eligibility.types
import lianxin_api.graphql.household.enums
import lianxin_api.graphql.mutual_aid.types
import lianxin_api.graphql.organization.types
import lianxin_api.graphql.reminder.types
import lianxin_api.graphql.trade_union.types  # noqa: F401
from lianxin.aid.models import AidProgram
from lianxin.cooperative.models import CooperativeAssetKind
from lianxin.core.ids import to_global_id
from lianxin.core.money import fen_to_yuan
from lianxin.events.reader import StoredEvent
from lianxin.household.enums import EligibilityOutcome, HardshipCategory
from lianxin.mutual_aid.models import ClaimStatus, Coverage
from lianxin.organization.models import OrganizationKind
from lianxin.referral.models import ReferralStatus
from lianxin.reminder.models import ReminderKind
from lianxin.trade_union.models import UnionKind

E = TypeVar("E", bound=Enum)
ID = strawberry.ID


def _id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(value) if isinstance(value, str) and value else None


def _ids(value: Any) -> list[strawberry.ID] | None:
    return [strawberry.ID(v) for v in value if isinstance(v, str)] if isinstance(value, list) else None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _yuan(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _fen(value: Any) -> Decimal | None:
    return fen_to_yuan(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _enum(kind: type[E], value: Any) -> E | None:
    try:
        return kind(value)
    except ValueError:
        return None


def _field(description: str) -> Any:
    return strawberry.field(description=description)


@strawberry.type(
    name="HouseholdEventData",
    description="household.created, household.updated. Payload keys: archiveNo, version, changed.",
)
class HouseholdEventData:
    archive_no: str | None = _field("The household's archive number (档案号).")
    version: int | None = _field("The household's version after the change.")
    changed: list[str] = _field('Fields changed by the update (["*"] on creation).')


@strawberry.type(
    name="EligibilityDecidedData",
    description="eligibility.decided. Payload keys: decisionId, outcome, monthlyBenefitFen (integer fen), "
    "policyId, suggestedCategory, categoryIncomeFen (integer fen; both absent from events written before "
    "RULES.md v2, read as null).",
)
class EligibilityDecidedData:
    decision_id: ID | None = _field("The EligibilityDecision.")
    outcome: EligibilityOutcome | None = _field("The outcome of the rules.")
    monthly_benefit: Decimal | None = _field("Monthly benefit in yuan (payload: monthlyBenefitFen, in fen).")
    policy_id: ID | None = _field("The DibaoPolicy applied.")
    suggested_category: HardshipCategory | None = _field(
        "The union's classification the rules suggest (EligibilityDecision.suggestedCategory); null without "
        "one or on events written before RULES.md v2."
    )
    category_income: Decimal | None = _field(
        "RULES.md v2 q in yuan per person per month, may be negative (payload: categoryIncomeFen, in fen; "
        "EligibilityDecision.categoryIncome); null without members or on events written before v2."
    )


@strawberry.type(
    name="ReferralEventData",
    description="referral.created, referral.updated. Payload keys: referralId, status, agencyId, reason.",
)
class ReferralEventData:
    referral_id: ID | None = _field("The Referral.")
    referral_status: ReferralStatus | None = _field(
        "The referral's status after the change (payload: status)."
    )
    agency_id: ID | None = _field("The Agency it is referred to.")
    reason: str | None = _field("Why it was rejected or withdrawn, if it was.")


@strawberry.type(
    name="SponsorshipEventData",
    description="sponsorship.created, sponsorship.ended. Payload keys: sponsorshipId, sponsorId, startedOn, "
    "endedOn.",
)
class SponsorshipEventData:
    sponsorship_id: ID | None = _field("The Sponsorship (结对帮扶).")
    sponsor_id: ID | None = _field("The sponsoring Organization.")
    started_on: date | None = _field("When the pairing began.")
    ended_on: date | None = _field("When it ended (null while active).")


@strawberry.type(
    name="PolicyPublishedData",
    description="policy.published. Payload keys: regionCode, effectiveFrom, parameters.",
)
class PolicyPublishedData:
    region_code: str | None = _field("The region the policy governs.")
    effective_from: date | None = _field("The day it takes effect.")
    parameters: JSON | None = _field("The policy's parameters, as DibaoPolicy.parameters.")


@strawberry.type(
    name="AidPaidData",
    description="aid.paid. Payload keys: program, period, amount (yuan string), and disbursementId (paid "
    "one by one) or batchId (paid by a batch).",
)
class AidPaidData:
    disbursement_id: ID | None = _field("The AidDisbursement (null when paid by a batch).")
    batch_id: ID | None = _field("The AidBatch that paid it (null when paid one by one).")
    program: AidProgram | None = _field("The aid program.")
    period: str | None = _field("The period paid for, e.g. 2026Q1.")
    amount: Decimal | None = _field("The amount in yuan.")


@strawberry.type(
    name="VisitRecordedData",
    description="visit.recorded. Payload keys: visitId, visitedOn, year, round, actions (count).",
)
class VisitRecordedData:
    visit_id: ID | None = _field("The Visit (入户调研).")
    visited_on: date | None = _field("The day of the visit.")
    year: int | None = _field("The survey year.")
    round: int | None = _field("The visit's round in that year.")
    actions: int | None = _field("How many help-plan actions the visit set.")


@strawberry.type(
    name="ReminderDueData",
    description="reminder.due. Payload keys: reminderId, kind, period, dueOn, householdId, unionId, "
    "unionPath, and sponsorshipId, sponsorId for a pairing's reminders.",
)
class ReminderDueData:
    reminder_id: ID | None = _field("The Reminder.")
    reminder_kind: ReminderKind | None = _field("What is due (payload: kind).")
    period: str | None = _field("The period it is due for.")
    due_on: date | None = _field("The day it is due.")
    household_id: ID | None = _field("The Household.")
    union_id: ID | None = _field("The household's TradeUnion.")
    union_path: list[ID] | None = _field("The union and its ancestors, root first.")
    sponsorship_id: ID | None = _field("The Sponsorship, for a sponsor's reminder.")
    sponsor_id: ID | None = _field("The sponsoring Organization, for a sponsor's reminder.")


@strawberry.type(
    name="CooperativeEventData",
    description="cooperative.created (name, landMu), cooperative.member_added (cooperativeId, landShareMu, "
    "joinedOn), cooperative.asset_added (kind, count, lessee, annualRent), cooperative.year_recorded "
    "(year, income, dividend); amounts are yuan strings, areas mu strings. Fields not in the event's "
    "payload are null.",
)
class CooperativeEventData:
    cooperative_id: ID | None = _field("The Cooperative (member_added; otherwise the event's subjectId).")
    name: str | None = _field("The cooperative's name (created).")
    land_mu: Decimal | None = _field("Its land in mu (created).")
    land_share_mu: Decimal | None = _field("The household's land share in mu (member_added).")
    joined_on: date | None = _field("When the household joined (member_added).")
    asset_kind: CooperativeAssetKind | None = _field("The asset's kind (asset_added; payload: kind).")
    count: int | None = _field("How many (asset_added).")
    lessee: str | None = _field("Who leases the asset (asset_added).")
    annual_rent: Decimal | None = _field("The asset's yearly rent in yuan (asset_added).")
    year: int | None = _field("The year recorded (year_recorded).")
    income: Decimal | None = _field("The year's income in yuan (year_recorded).")
    dividend: Decimal | None = _field("The year's dividends in yuan (year_recorded).")


@strawberry.type(
    name="MutualAidEventData",
    description="mutual_aid.plan_created (year, name, womenOnly, caps: coverage → yuan), mutual_aid.enrolled "
    "(planId, members), mutual_aid.claim_filed and mutual_aid.claim_updated (claimId, coverage, amount, "
    "status). Fields not in the event's payload are null.",
)
class MutualAidEventData:
    plan_id: ID | None = _field("The MutualAidPlan (enrolled; plan_created: the subjectId).")
    year: int | None = _field("The plan's year (plan_created).")
    name: str | None = _field("The plan's name (plan_created).")
    women_only: bool | None = _field("A women workers' plan (plan_created).")
    caps: JSON | None = _field("Cap per coverage in yuan strings (plan_created).")
    members: int | None = _field("Members enrolled (enrolled).")
    claim_id: ID | None = _field("The MutualAidClaim (claim_*).")
    coverage: Coverage | None = _field("The claim's coverage (claim_*).")
    amount: Decimal | None = _field("The claimed amount in yuan (claim_*).")
    claim_status: ClaimStatus | None = _field("The claim's status (claim_*; payload: status).")


@strawberry.type(
    name="UnionEventData",
    description="union.created, union.updated. Payload keys: name, kind, parentId (the parent's number, "
    "not a global id: `data.parentId` gives the global id).",
)
class UnionEventData:
    name: str | None = _field("The union's name.")
    union_kind: UnionKind | None = _field("The union's kind (payload: kind).")
    parent_id: ID | None = _field("The parent TradeUnion (null for a root).")


@strawberry.type(
    name="OrganizationEventData",
    description="organization.created. Payload keys: name, kind.",
)
class OrganizationEventData:
    name: str | None = _field("The organization's name.")
    organization_kind: OrganizationKind | None = _field("The organization's kind (payload: kind).")


@strawberry.type(
    name="OtherEventData",
    description="An event of a family this version of the schema does not type yet: read `payload`.",
)
class OtherEventData:
    event_type: str = _field("The event's type (as Event.type).")


EventData = Annotated[
    HouseholdEventData
    | EligibilityDecidedData
    | ReferralEventData
    | SponsorshipEventData
    | PolicyPublishedData
    | AidPaidData
    | VisitRecordedData
    | ReminderDueData
    | CooperativeEventData
    | MutualAidEventData
    | UnionEventData
    | OrganizationEventData
    | OtherEventData,
    strawberry.union(
        "EventData",
        description="An event's payload, typed by its family (the part of `type` before the dot). Fields of "
        "the same name have the same type in every member, so one selection can ask for every family.",
    ),
]


def _household(p: Mapping[str, Any]) -> HouseholdEventData:
    changed = p.get("changed")
    return HouseholdEventData(
        archive_no=_str(p.get("archiveNo")),
        version=_int(p.get("version")),
        changed=[c for c in changed if isinstance(c, str)] if isinstance(changed, list) else [],
    )


def _eligibility(p: Mapping[str, Any]) -> EligibilityDecidedData:
    return EligibilityDecidedData(
        decision_id=_id(p.get("decisionId")),
        outcome=_enum(EligibilityOutcome, p.get("outcome")),
        monthly_benefit=_fen(p.get("monthlyBenefitFen")),
        policy_id=_id(p.get("policyId")),
        suggested_category=_enum(HardshipCategory, p.get("suggestedCategory")),
        category_income=_fen(p.get("categoryIncomeFen")),
    )


def _referral(p: Mapping[str, Any]) -> ReferralEventData:
    return ReferralEventData(
        referral_id=_id(p.get("referralId")),
        referral_status=_enum(ReferralStatus, p.get("status")),
        agency_id=_id(p.get("agencyId")),
        reason=_str(p.get("reason")),
    )


def _sponsorship(p: Mapping[str, Any]) -> SponsorshipEventData:
    return SponsorshipEventData(
        sponsorship_id=_id(p.get("sponsorshipId")),
        sponsor_id=_id(p.get("sponsorId")),
        started_on=_date(p.get("startedOn")),
        ended_on=_date(p.get("endedOn")),
    )


def _policy(p: Mapping[str, Any]) -> PolicyPublishedData:
    return PolicyPublishedData(
        region_code=_str(p.get("regionCode")),
        effective_from=_date(p.get("effectiveFrom")),
        parameters=p.get("parameters"),
    )


def _aid(p: Mapping[str, Any]) -> AidPaidData:
    return AidPaidData(
        disbursement_id=_id(p.get("disbursementId")),
        batch_id=_id(p.get("batchId")),
        program=_enum(AidProgram, p.get("program")),
        period=_str(p.get("period")),
        amount=_yuan(p.get("amount")),
    )


def _visit(p: Mapping[str, Any]) -> VisitRecordedData:
    return VisitRecordedData(
        visit_id=_id(p.get("visitId")),
        visited_on=_date(p.get("visitedOn")),
        year=_int(p.get("year")),
        round=_int(p.get("round")),
        actions=_int(p.get("actions")),
    )


def _reminder(p: Mapping[str, Any]) -> ReminderDueData:
    return ReminderDueData(
        reminder_id=_id(p.get("reminderId")),
        reminder_kind=_enum(ReminderKind, p.get("kind")),
        period=_str(p.get("period")),
        due_on=_date(p.get("dueOn")),
        household_id=_id(p.get("householdId")),
        union_id=_id(p.get("unionId")),
        union_path=_ids(p.get("unionPath")),
        sponsorship_id=_id(p.get("sponsorshipId")),
        sponsor_id=_id(p.get("sponsorId")),
    )


def _cooperative(p: Mapping[str, Any]) -> CooperativeEventData:
    return CooperativeEventData(
        cooperative_id=_id(p.get("cooperativeId")),
        name=_str(p.get("name")),
        land_mu=_yuan(p.get("landMu")),
        land_share_mu=_yuan(p.get("landShareMu")),
        joined_on=_date(p.get("joinedOn")),
        asset_kind=_enum(CooperativeAssetKind, p.get("kind")),
        count=_int(p.get("count")),
        lessee=_str(p.get("lessee")),
        annual_rent=_yuan(p.get("annualRent")),
        year=_int(p.get("year")),
        income=_yuan(p.get("income")),
        dividend=_yuan(p.get("dividend")),
    )


def _mutual_aid(p: Mapping[str, Any]) -> MutualAidEventData:
    women_only = p.get("womenOnly")
    return MutualAidEventData(
        plan_id=_id(p.get("planId")),
        year=_int(p.get("year")),
        name=_str(p.get("name")),
        women_only=women_only if isinstance(women_only, bool) else None,
        caps=p.get("caps"),
        members=_int(p.get("members")),
        claim_id=_id(p.get("claimId")),
        coverage=_enum(Coverage, p.get("coverage")),
        amount=_yuan(p.get("amount")),
        claim_status=_enum(ClaimStatus, p.get("status")),
    )


def _union(p: Mapping[str, Any]) -> UnionEventData:
    parent = _int(p.get("parentId"))
    return UnionEventData(
        name=_str(p.get("name")),
        union_kind=_enum(UnionKind, p.get("kind")),
        parent_id=strawberry.ID(to_global_id("TradeUnion", parent)) if parent is not None else None,
    )


def _organization(p: Mapping[str, Any]) -> OrganizationEventData:
    return OrganizationEventData(
        name=_str(p.get("name")), organization_kind=_enum(OrganizationKind, p.get("kind"))
    )


# by event family: the part of the type before the first dot (eligibility.decided: "eligibility")
FAMILIES: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "household": _household,
    "eligibility": _eligibility,
    "referral": _referral,
    "sponsorship": _sponsorship,
    "policy": _policy,
    "aid": _aid,
    "visit": _visit,
    "reminder": _reminder,
    "cooperative": _cooperative,
    "mutual_aid": _mutual_aid,
    "union": _union,
    "organization": _organization,
}


def event_data(event_type: str, payload: Mapping[str, Any]) -> EventData:
    """The typed data of an event: a pure function of its type and payload."""
    convert = FAMILIES.get(event_type.split(".", 1)[0])
    if convert is None:
        return OtherEventData(event_type=event_type)
    return cast(EventData, convert(payload if isinstance(payload, Mapping) else {}))


@strawberry.type(name="Event", description="A change recorded in the durable event log.")
class EventType:
    id: strawberry.ID = strawberry.field(description="The event's global id (for de-duplication).")
    cursor: str = strawberry.field(description="Resume with `events(after: cursor)` to get what follows.")
    type: str = strawberry.field(description="e.g. household.updated, eligibility.decided, referral.created.")
    occurred_at: datetime = strawberry.field(description="When the change happened.")
    subject_id: strawberry.ID = strawberry.field(
        description="Relay id of what the event is about (household.*, referral.*: the household)"
    )
    payload: JSON = strawberry.field(
        description="The event's data as stored (kept for existing subscribers); its keys per type are "
        "listed on the `EventData` types. Prefer `data`."
    )

    @strawberry.field(
        description="The payload typed by event family, with the API's scalars (Decimal yuan, Date, "
        "global ids)."
    )
    def data(self) -> EventData:
        return event_data(self.type, cast(Mapping[str, Any], self.payload))

    @classmethod
    def from_stored(cls, event: StoredEvent) -> EventType:
        return cls(
            id=strawberry.ID(to_global_id("Event", event.id)),
            cursor=event.cursor,
            type=event.type,
            occurred_at=event.occurred_at,
            subject_id=strawberry.ID(event.subject_id),
            payload=cast(JSON, event.payload),
        )
