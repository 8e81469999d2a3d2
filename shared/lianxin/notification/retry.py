"""When to try a failed delivery again: exponential backoff with jitter, for a bounded window."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """Attempt n waits `min(cap, base * 2**(n-1))`, scaled by a random factor in [1-jitter, 1+jitter]
    (so receivers recovering from an outage are not hit by every sender at once). After `window`
    since the first attempt no further attempt is made and the delivery is dead-lettered, so the last
    attempt comes at least `window` after the first. The defaults retry for 25 hours."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    window: timedelta = timedelta(hours=25)
    jitter: float = 0.2

    def delay(self, attempts: int, rand: random.Random | None = None) -> timedelta:
        """The wait after the `attempts`-th failed attempt (1-based)."""
        step: timedelta = min(self.cap, self.base * (2 ** min(max(attempts - 1, 0), 20)))
        factor: float = 1 + (rand or random).uniform(-self.jitter, self.jitter)  # jitter, not security
        return step * factor

    def next_retry(
        self, attempts: int, elapsed: timedelta, rand: random.Random | None = None
    ) -> timedelta | None:
        """The wait before the next attempt, or None when the window is spent (dead-letter)."""
        if elapsed >= self.window:
            return None
        return self.delay(attempts, rand)

    @classmethod
    def hours(cls, window_hours: float) -> RetrySchedule:
        return cls(window=timedelta(hours=window_hours))
