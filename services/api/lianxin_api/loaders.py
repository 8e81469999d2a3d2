"""DataLoaders for one request. Over HTTP every batch runs on the request's one pooled connection
(`RequestConnection`), one statement at a time; elsewhere (websockets, live subscriptions) each batch
takes a pooled connection of its own.

A request uses a few of the loaders below: each is made on first use (a class-level descriptor that
stores the loader on the instance), not forty per request up front."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeAlias, TypeVar, cast

from asyncpg import Record
from asyncpg.pool import PoolConnectionProxy
from strawberry.dataloader import AbstractCache, DataLoader

from lianxin.aid import repository as aid_repo
from lianxin.casework import repository as casework_repo
from lianxin.cooperative import repository as cooperative_repo
from lianxin.core.db import Connection, Pool
from lianxin.household import repository as household_repo
from lianxin.matching import repository as matching_repo
from lianxin.mutual_aid import repository as mutual_aid_repo
from lianxin.organization import repository as org_repo
from lianxin.policy import repository as policy_repo
from lianxin.referral import repository as referral_repo
from lianxin.reminder import repository as reminder_repo
from lianxin.sponsorship import repository as sponsorship_repo
from lianxin.trade_union import repository as union_repo

T = TypeVar("T")
V = TypeVar("V")


class RequestConnection:
    """The one pooled connection the reads of an HTTP request share: taken on the first `acquire`,
    given back by `close` when the request has been answered.

    Every pooled acquire costs the pool's reset round trip on release (asyncpg's RESET ALL …), and a
    page read through the DataLoaders took four to six of them; sharing one costs one. Sibling fields
    still resolve concurrently, but one asyncpg connection runs one statement at a time, so `acquire`
    hands the connection to one holder at a time (a lock): hold it for statements only, never across
    an `await` of a loader or of another holder. Transactions (mutations) keep taking connections of
    their own from the pool, as before."""

    __slots__ = ("_closed", "_conn", "_lock", "pool")

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._conn: PoolConnectionProxy[Record] | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    def acquire(self) -> _Holding:
        return _Holding(self)

    async def close(self) -> None:
        """Gives the connection back once its current holder (if any) is done; a holder arriving later
        is refused rather than given a connection nobody would release."""
        self._closed = True
        async with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            # it ran the repositories' reads only (SELECTs, no transaction): no session state to reset
            mark = getattr(conn, "mark_reads_only", None)  # `lianxin.core.db.CountingConnection`
            if mark is not None:
                mark()
            await self.pool.release(conn)


class _Holding:
    __slots__ = ("_shared",)

    def __init__(self, shared: RequestConnection) -> None:
        self._shared = shared

    async def __aenter__(self) -> Connection:
        shared = self._shared
        await shared._lock.acquire()
        try:
            if shared._closed:
                raise RuntimeError("the request's read connection was used after its response")
            if shared._conn is None:
                shared._conn = await shared.pool.acquire()
        except BaseException:
            shared._lock.release()
            raise
        return shared._conn

    async def __aexit__(self, *exc: object) -> None:
        self._shared._lock.release()


# where a request's loaders read: the pool, or the request's shared connection
Reads: TypeAlias = "Pool | RequestConnection"


class PrimedCache(AbstractCache[int, V]):
    """A loader's cache: the futures of its loads, as strawberry's DefaultCache keeps them, and the
    mappings primed in bulk (`Loaders.prime`), read in the order they were primed (the first value of
    a key wins, as with `prime_many`) and made a resolved future only for a key that is asked for: a
    page primes hundreds of keys nobody loads again."""

    __slots__ = ("futures", "sources")

    def __init__(self) -> None:
        self.futures: dict[int, asyncio.Future[V]] = {}
        self.sources: list[Mapping[int, V]] = []

    def get(self, key: int) -> asyncio.Future[V] | None:
        found = self.futures.get(key)
        if found is None and self.sources:
            for source in self.sources:
                if key in source:
                    found = asyncio.get_running_loop().create_future()
                    found.set_result(source[key])
                    self.futures[key] = found
                    break
        return found

    def set(self, key: int, value: asyncio.Future[V]) -> None:
        self.futures[key] = value

    def delete(self, key: int) -> None:
        found = self.futures.pop(key, None)
        if any(key in source for source in self.sources):  # copies without it: the mappings are shared
            self.sources = [
                {k: v for k, v in source.items() if k != key} if key in source else source
                for source in self.sources
            ]
        elif found is None:
            raise KeyError(key)  # as DefaultCache

    def clear(self) -> None:
        self.futures.clear()
        self.sources = []


class _Lazy(Generic[V]):
    """A loader made on first access per `Loaders` instance, then an ordinary instance attribute;
    what was primed for it before (`Loaders.prime`) is in its cache from the start."""

    def __init__(self, make: Callable[[Reads], DataLoader[int, V]]) -> None:
        self.make = make
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> DataLoader[int, V]:
        loader = self.make(obj.reads)
        primed = obj._primed.pop(self.name, None)
        if primed:
            cast(PrimedCache[V], loader.cache_map).sources.extend(primed)
        obj.__dict__[self.name] = loader  # a non-data descriptor: the instance attribute wins from now on
        return loader


def _by_key(
    fetch: Callable[[Connection, list[int]], Awaitable[list[T]]], key: Callable[[T], int]
) -> _Lazy[T | None]:
    def make(pool: Reads) -> DataLoader[int, T | None]:
        async def load(keys: Sequence[int]) -> list[T | None]:
            async with pool.acquire() as conn:
                items = await fetch(conn, list(keys))
            found = {key(i): i for i in items}
            return [found.get(k) for k in keys]

        return DataLoader(load_fn=load, cache_map=PrimedCache())

    return _Lazy(make)


def _grouped(
    fetch: Callable[[Connection, list[int]], Awaitable[list[T]]], key: Callable[[T], int | None]
) -> _Lazy[list[T]]:
    def make(pool: Reads) -> DataLoader[int, list[T]]:
        async def load(keys: Sequence[int]) -> list[list[T]]:
            async with pool.acquire() as conn:
                items = await fetch(conn, list(keys))
            groups: dict[int, list[T]] = {k: [] for k in keys}
            for item in items:
                k = key(item)
                if k is not None and k in groups:
                    groups[k].append(item)
            return [groups[k] for k in keys]

        return DataLoader(load_fn=load, cache_map=PrimedCache())

    return _Lazy(make)


class Loaders:
    def __init__(self, pool: Pool, reads: RequestConnection | None = None) -> None:
        self.pool = pool
        self.reads: Reads = reads if reads is not None else pool
        # values primed for loaders not made yet, by loader name (see `prime`)
        self._primed: dict[str, list[Mapping[int, Any]]] = {}

    def prime(self, name: str, values: Mapping[int, Any]) -> None:
        """`prime_many(values)` of the loader `name`, without a future per key: the mapping is kept as
        it is (it must not change afterwards) and a key's future made when a load asks for it; the
        loader itself is made only when something loads through it. While a batch of the loader is
        waiting to be sent, `prime_many` itself (it answers the batch's keys it has)."""
        if not isinstance(type(self).__dict__.get(name), _Lazy):
            raise AttributeError(f"no loader {name!r}")
        loader = self.__dict__.get(name)
        if loader is None:
            self._primed.setdefault(name, []).append(values)
            return
        cache = loader.cache_map
        if isinstance(cache, PrimedCache) and (loader.batch is None or loader.batch.dispatched):
            cache.sources.append(values)
        else:
            loader.prime_many(values)

    union_by_id = _by_key(union_repo.list_unions_by_ids, lambda u: u.id)
    children_by_union_id = _grouped(union_repo.list_children_by_parent_ids, lambda u: u.parent_id)
    stats_by_union_id = _by_key(union_repo.get_stats_by_union_ids, lambda s: s.union_id)
    organization_by_id = _by_key(org_repo.list_organizations_by_ids, lambda o: o.id)
    household_by_id = _by_key(household_repo.list_households_by_ids, lambda h: h.id)
    members_by_household = _grouped(household_repo.list_members_by_household_ids, lambda m: m.household_id)
    incomes_by_household = _grouped(household_repo.list_incomes_by_household_ids, lambda i: i.household_id)
    expenditures_by_household = _grouped(
        household_repo.list_expenditures_by_household_ids, lambda e: e.household_id
    )
    assets_by_household = _grouped(household_repo.list_assets_by_household_ids, lambda a: a.household_id)
    status_changes_by_household = _grouped(
        household_repo.list_status_changes_by_household_ids, lambda c: c.household_id
    )
    sponsorships_by_household = _grouped(
        sponsorship_repo.list_sponsorships_by_household_ids, lambda s: s.household_id
    )
    sponsorship_by_id = _by_key(sponsorship_repo.list_sponsorships_by_ids, lambda s: s.id)
    latest_decision_by_household = _by_key(
        matching_repo.latest_decisions_by_household_ids, lambda d: d.household_id
    )
    decisions_by_household = _grouped(matching_repo.list_decisions_by_household_ids, lambda d: d.household_id)
    decision_by_id = _by_key(matching_repo.list_decisions_by_ids, lambda d: d.id)
    policy_by_id = _by_key(policy_repo.list_policies_by_ids, lambda p: p.id)
    run_by_id = _by_key(matching_repo.list_runs_by_ids, lambda r: r.id)
    agency_by_id = _by_key(referral_repo.list_agencies_by_ids, lambda a: a.id)
    referral_by_id = _by_key(referral_repo.list_referrals_by_ids, lambda r: r.id)
    referrals_by_household = _grouped(referral_repo.list_referrals_by_household_ids, lambda r: r.household_id)
    simulation_by_id = _by_key(matching_repo.list_simulations_by_ids, lambda s: s.id)
    cooperative_by_id = _by_key(cooperative_repo.list_cooperatives_by_ids, lambda c: c.id)
    members_by_cooperative = _grouped(
        cooperative_repo.list_members_by_cooperative_ids, lambda m: m.cooperative_id
    )
    assets_by_cooperative = _grouped(
        cooperative_repo.list_assets_by_cooperative_ids, lambda a: a.cooperative_id
    )
    years_by_cooperative = _grouped(
        cooperative_repo.list_years_by_cooperative_ids, lambda y: y.cooperative_id
    )
    visits_by_household = _grouped(casework_repo.list_visits_by_household_ids, lambda v: v.household_id)
    visit_by_id = _by_key(casework_repo.list_visits_by_ids, lambda v: v.id)
    aid_batch_by_id = _by_key(aid_repo.list_batches_by_ids, lambda b: b.id)
    disbursement_by_id = _by_key(aid_repo.list_disbursements_by_ids, lambda d: d.id)
    mutual_aid_plan_by_id = _by_key(mutual_aid_repo.list_plans_by_ids, lambda p: p.id)
    coverages_by_plan = _grouped(mutual_aid_repo.list_coverages_by_plan_ids, lambda c: c.plan_id)
    claim_by_id = _by_key(mutual_aid_repo.list_claims_by_ids, lambda c: c.id)
    enrollment_by_id = _by_key(mutual_aid_repo.list_enrollments_by_ids, lambda e: e.id)
    member_by_id = _by_key(household_repo.list_members_by_ids, lambda m: m.id)
    reminder_by_id = _by_key(reminder_repo.list_reminders_by_ids, lambda r: r.id)
