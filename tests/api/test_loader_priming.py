"""Issue 12: a prefetch primes the request's loaders lazily (`Loaders.prime`: the mappings kept as they
are, a future made only for a key that is loaded, the loader made only when used), with the meaning of
strawberry's `prime_many`: the first value of a key wins, a key already loaded keeps its value, a
batch waiting to be sent gets the primed values, `clear` forgets a primed key."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lianxin.core.db import Pool
from lianxin_api.loaders import Loaders, PrimedCache

from factories import make_household, make_union


async def test_primed_values_answer_loads_without_the_database(pool: Pool) -> None:
    loaders = Loaders(pool)
    first: dict[int, Any] = {10**9: "primed", 10**9 + 1: "first"}
    loaders.prime("household_by_id", first)
    loaders.prime("household_by_id", {10**9 + 1: "second", 10**9 + 2: "later"})
    assert "household_by_id" not in loaders.__dict__  # not made until something loads through it
    loader = loaders.household_by_id
    assert isinstance(loader.cache_map, PrimedCache)
    assert loader.cache_map.futures == {}  # no future made for a key nobody asked for
    # (no such households exist: the database would answer None)
    assert await loader.load(10**9) == "primed"
    assert await loader.load(10**9 + 1) == "first"  # the first value primed wins
    assert await loader.load(10**9 + 2) == "later"
    assert list(loader.cache_map.futures) == [10**9, 10**9 + 1, 10**9 + 2]
    # primed after the loader was made
    loaders.prime("household_by_id", {10**9 + 3: "made"})
    assert await loader.load(10**9 + 3) == "made"
    # a key already loaded keeps its value
    loaders.prime("household_by_id", {10**9: "again"})
    assert await loader.load(10**9) == "primed"
    # cleared: loaded again (from the database); the primed mapping itself is left as it was
    loader.clear(10**9 + 1)
    assert await loader.load(10**9 + 1) is None
    assert first == {10**9: "primed", 10**9 + 1: "first"}
    with pytest.raises(KeyError):
        loader.clear(10**9 + 99)  # as strawberry's cache: an unknown key
    loader.clear_all()
    assert await loader.load(10**9 + 2) is None
    with pytest.raises(AttributeError, match="no loader"):
        loaders.prime("households_by_nothing", {})


async def test_a_waiting_batch_gets_the_primed_value_and_real_rows_still_load(pool: Pool) -> None:
    union = await make_union(pool)
    real = await make_household(pool, union.id)
    loaders = Loaders(pool)
    loader = loaders.household_by_id
    waiting = loader.load(10**9)
    loaded = loader.load(real)
    loaders.prime("household_by_id", {10**9: "primed"})  # before the batch is sent: prime_many
    assert await waiting == "primed"
    household = await loaded
    assert household is not None
    assert household.id == real
    # a loaded row is not replaced by a later prime
    loaders.prime("household_by_id", {real: "other"})
    assert await loader.load(real) is household


async def test_a_primed_cache_makes_resolved_futures_of_its_own_loop() -> None:
    cache: PrimedCache[str] = PrimedCache()
    cache.sources.append({1: "a"})
    found = cache.get(1)
    assert found is not None
    assert found.done()
    assert found.result() == "a"
    assert found.get_loop() is asyncio.get_running_loop()
    assert cache.get(1) is found
    assert cache.get(2) is None
