"""Review of the lean request (issue 12): the rate limiter's local counting keeps a bounded number of
callers (anonymous callers are keyed by address) and loses no count when a background flush fails."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from lianxin_api.abuse import RateLimiter


async def _count(redis: Redis, key: str) -> int:
    window = int(time.time() // 60)
    value = await redis.get(f"lianxin:ratelimit:{key}:{window}")
    return int(value or 0)


async def _one_window() -> None:
    if time.time() % 60 > 55:  # one window for the whole test
        await asyncio.sleep(60.5 - time.time() % 60)


async def test_many_anonymous_addresses_keep_a_bounded_number_of_windows(redis_client: Redis) -> None:
    await _one_window()
    limiter = RateLimiter(redis_client, per_minute=4, max_windows=50)
    # one request each from many addresses: every one counted in Redis, none flushed locally
    for i in range(300):
        assert await limiter.retry_after(f"ip:198.51.100.{i}") is None
    assert len(limiter._windows) <= 50
    # a caller whose window was dropped is still limited by the shared count
    key = "ip:198.51.100.7"
    answers = [await limiter.retry_after(key) for _ in range(4)]
    assert answers[:3] == [None] * 3
    assert answers[3] is not None
    await limiter.close()
    assert await _count(redis_client, key) == 5


async def test_a_failed_flush_keeps_its_counts(redis_client: Redis) -> None:
    await _one_window()
    limiter = RateLimiter(redis_client, per_minute=100, flush_seconds=3600)
    key = "p:flaky-flush"
    assert [await limiter.retry_after(key) for _ in range(4)] == [None] * 4  # 1 in Redis, 3 local
    assert await _count(redis_client, key) == 1
    unreachable = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    limiter.redis = unreachable  # Redis is down while the flush runs
    await limiter.flush()
    await unreachable.aclose()
    limiter.redis = redis_client  # and back
    await limiter.flush()
    assert await _count(redis_client, key) == 4
    if limiter._flusher is not None:
        limiter._flusher.cancel()
