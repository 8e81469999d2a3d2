"""DataLoaders for one request. Each batch takes its own pooled connection, because strawberry
resolves sibling fields concurrently and one asyncpg connection runs one query at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from lianxin.aid import repository as aid_repo
from lianxin.aid.models import AidBatch, Disbursement
from lianxin.casework import repository as casework_repo
from lianxin.casework.models import Visit
from lianxin.cooperative import repository as cooperative_repo
from lianxin.cooperative.models import Cooperative, CooperativeAsset, CooperativeMember, CooperativeYear
from lianxin.core.db import Connection, Pool
from lianxin.household import repository as household_repo
from lianxin.household.models import Asset, Expenditure, Household, Income, Member, StatusChange
from lianxin.matching import repository as matching_repo
from lianxin.matching.models import EligibilityRun, Simulation, StoredDecision
from lianxin.mutual_aid import repository as mutual_aid_repo
from lianxin.mutual_aid.models import Claim, CoverageCap, Enrollment, MutualAidPlan
from lianxin.organization import repository as org_repo
from lianxin.organization.models import Organization
from lianxin.policy import repository as policy_repo
from lianxin.policy.models import DibaoPolicy
from lianxin.referral import repository as referral_repo
from lianxin.referral.models import Agency, Referral
from lianxin.reminder import repository as reminder_repo
from lianxin.reminder.models import Reminder
from lianxin.sponsorship import repository as sponsorship_repo
from lianxin.sponsorship.models import Sponsorship
from lianxin.trade_union import repository as union_repo
from lianxin.trade_union.models import TradeUnion, UnionStats

T = TypeVar("T")


def _by_key(
    pool: Pool, fetch: Callable[[Connection, list[int]], Awaitable[list[T]]], key: Callable[[T], int]
) -> DataLoader[int, T | None]:
    async def load(keys: Sequence[int]) -> list[T | None]:
        async with pool.acquire() as conn:
            items = await fetch(conn, list(keys))
        found = {key(i): i for i in items}
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _grouped(
    pool: Pool, fetch: Callable[[Connection, list[int]], Awaitable[list[T]]], key: Callable[[T], int | None]
) -> DataLoader[int, list[T]]:
    async def load(keys: Sequence[int]) -> list[list[T]]:
        async with pool.acquire() as conn:
            items = await fetch(conn, list(keys))
        groups: dict[int, list[T]] = {k: [] for k in keys}
        for item in items:
            k = key(item)
            if k is not None and k in groups:
                groups[k].append(item)
        return [groups[k] for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, pool: Pool) -> None:
        self.union_by_id: DataLoader[int, TradeUnion | None] = _by_key(
            pool, union_repo.list_unions_by_ids, lambda u: u.id
        )
        self.children_by_union_id: DataLoader[int, list[TradeUnion]] = _grouped(
            pool, union_repo.list_children_by_parent_ids, lambda u: u.parent_id
        )
        self.stats_by_union_id: DataLoader[int, UnionStats | None] = _by_key(
            pool, union_repo.get_stats_by_union_ids, lambda s: s.union_id
        )
        self.organization_by_id: DataLoader[int, Organization | None] = _by_key(
            pool, org_repo.list_organizations_by_ids, lambda o: o.id
        )
        self.household_by_id: DataLoader[int, Household | None] = _by_key(
            pool, household_repo.list_households_by_ids, lambda h: h.id
        )
        self.members_by_household: DataLoader[int, list[Member]] = _grouped(
            pool, household_repo.list_members_by_household_ids, lambda m: m.household_id
        )
        self.incomes_by_household: DataLoader[int, list[Income]] = _grouped(
            pool, household_repo.list_incomes_by_household_ids, lambda i: i.household_id
        )
        self.expenditures_by_household: DataLoader[int, list[Expenditure]] = _grouped(
            pool, household_repo.list_expenditures_by_household_ids, lambda e: e.household_id
        )
        self.assets_by_household: DataLoader[int, list[Asset]] = _grouped(
            pool, household_repo.list_assets_by_household_ids, lambda a: a.household_id
        )
        self.status_changes_by_household: DataLoader[int, list[StatusChange]] = _grouped(
            pool, household_repo.list_status_changes_by_household_ids, lambda c: c.household_id
        )
        self.sponsorships_by_household: DataLoader[int, list[Sponsorship]] = _grouped(
            pool, sponsorship_repo.list_sponsorships_by_household_ids, lambda s: s.household_id
        )
        self.sponsorship_by_id: DataLoader[int, Sponsorship | None] = _by_key(
            pool, sponsorship_repo.list_sponsorships_by_ids, lambda s: s.id
        )
        self.latest_decision_by_household: DataLoader[int, StoredDecision | None] = _by_key(
            pool, matching_repo.latest_decisions_by_household_ids, lambda d: d.household_id
        )
        self.decisions_by_household: DataLoader[int, list[StoredDecision]] = _grouped(
            pool, matching_repo.list_decisions_by_household_ids, lambda d: d.household_id
        )
        self.decision_by_id: DataLoader[int, StoredDecision | None] = _by_key(
            pool, matching_repo.list_decisions_by_ids, lambda d: d.id
        )
        self.policy_by_id: DataLoader[int, DibaoPolicy | None] = _by_key(
            pool, policy_repo.list_policies_by_ids, lambda p: p.id
        )
        self.run_by_id: DataLoader[int, EligibilityRun | None] = _by_key(
            pool, matching_repo.list_runs_by_ids, lambda r: r.id
        )
        self.agency_by_id: DataLoader[int, Agency | None] = _by_key(
            pool, referral_repo.list_agencies_by_ids, lambda a: a.id
        )
        self.referral_by_id: DataLoader[int, Referral | None] = _by_key(
            pool, referral_repo.list_referrals_by_ids, lambda r: r.id
        )
        self.referrals_by_household: DataLoader[int, list[Referral]] = _grouped(
            pool, referral_repo.list_referrals_by_household_ids, lambda r: r.household_id
        )
        self.simulation_by_id: DataLoader[int, Simulation | None] = _by_key(
            pool, matching_repo.list_simulations_by_ids, lambda s: s.id
        )
        self.cooperative_by_id: DataLoader[int, Cooperative | None] = _by_key(
            pool, cooperative_repo.list_cooperatives_by_ids, lambda c: c.id
        )
        self.members_by_cooperative: DataLoader[int, list[CooperativeMember]] = _grouped(
            pool, cooperative_repo.list_members_by_cooperative_ids, lambda m: m.cooperative_id
        )
        self.assets_by_cooperative: DataLoader[int, list[CooperativeAsset]] = _grouped(
            pool, cooperative_repo.list_assets_by_cooperative_ids, lambda a: a.cooperative_id
        )
        self.years_by_cooperative: DataLoader[int, list[CooperativeYear]] = _grouped(
            pool, cooperative_repo.list_years_by_cooperative_ids, lambda y: y.cooperative_id
        )
        # casework: visits, aid batches, mutual aid
        self.visits_by_household: DataLoader[int, list[Visit]] = _grouped(
            pool, casework_repo.list_visits_by_household_ids, lambda v: v.household_id
        )
        self.visit_by_id: DataLoader[int, Visit | None] = _by_key(
            pool, casework_repo.list_visits_by_ids, lambda v: v.id
        )
        self.aid_batch_by_id: DataLoader[int, AidBatch | None] = _by_key(
            pool, aid_repo.list_batches_by_ids, lambda b: b.id
        )
        self.disbursement_by_id: DataLoader[int, Disbursement | None] = _by_key(
            pool, aid_repo.list_disbursements_by_ids, lambda d: d.id
        )
        self.mutual_aid_plan_by_id: DataLoader[int, MutualAidPlan | None] = _by_key(
            pool, mutual_aid_repo.list_plans_by_ids, lambda p: p.id
        )
        self.coverages_by_plan: DataLoader[int, list[CoverageCap]] = _grouped(
            pool, mutual_aid_repo.list_coverages_by_plan_ids, lambda c: c.plan_id
        )
        self.claim_by_id: DataLoader[int, Claim | None] = _by_key(
            pool, mutual_aid_repo.list_claims_by_ids, lambda c: c.id
        )
        self.enrollment_by_id: DataLoader[int, Enrollment | None] = _by_key(
            pool, mutual_aid_repo.list_enrollments_by_ids, lambda e: e.id
        )
        self.member_by_id: DataLoader[int, Member | None] = _by_key(
            pool, household_repo.list_members_by_ids, lambda m: m.id
        )
        self.reminder_by_id: DataLoader[int, Reminder | None] = _by_key(
            pool, reminder_repo.list_reminders_by_ids, lambda r: r.id
        )
