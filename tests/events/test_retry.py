"""The retry schedule: exponential, capped, jittered, and never giving up before 24 hours."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from lianxin.notification.retry import RetrySchedule

pytestmark = pytest.mark.no_db


def test_delays_double_up_to_the_cap_within_the_jitter() -> None:
    schedule = RetrySchedule(base=timedelta(seconds=30), cap=timedelta(hours=1), jitter=0.2)
    rand = random.Random(5)
    for attempt, nominal in [(1, 30), (2, 60), (3, 120), (8, 3600), (30, 3600)]:
        delay = schedule.delay(attempt, rand).total_seconds()
        assert nominal * 0.8 <= delay <= nominal * 1.2, (attempt, delay)
    assert len({schedule.delay(1, rand) for _ in range(20)}) > 1  # jittered


def test_the_default_schedule_keeps_retrying_for_at_least_24_hours() -> None:
    schedule = RetrySchedule.hours(25)
    rand = random.Random(1)
    elapsed, attempts = timedelta(0), 1
    while (wait := schedule.next_retry(attempts, elapsed, rand)) is not None:
        elapsed += wait
        attempts += 1
    assert elapsed >= timedelta(hours=24)
    assert 25 <= attempts <= 60
