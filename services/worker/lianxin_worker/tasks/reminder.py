"""Scheduled reminders (arq cron, hourly): condolence payments, survey visits, sponsors' festival visits.

The scan is keyed by database state, not by Redis: every pass raises what is due and missing, so a
pass that never ran (worker down, Redis blip) is caught up by the next one, and two workers scanning
at once still raise each reminder once (lianxin.reminder.service).
"""

from __future__ import annotations

from typing import Any, cast

from arq import cron
from arq.cron import CronJob

from lianxin.core.clock import today_in
from lianxin.core.jobs import Job
from lianxin.reminder import service
from lianxin_worker.context import WorkerContext

SCAN_MINUTE = 7  # hourly, off the hour: other schedules crowd the top of it


async def scan_reminders(ctx: WorkerContext) -> str:
    """Raise every reminder due today (in LIANXIN_TZ) that has not been raised yet."""
    settings = ctx["settings"]
    schedule = service.ReminderSchedule.from_settings(settings)
    async with ctx["pool"].acquire() as conn:
        result = await service.scan_reminders(conn, schedule, today_in(settings.timezone))
    counts = {kind.value: n for kind, n in result.created.items() if n}
    return f"{result.total} reminders raised {counts}"


def reminder_crons() -> list[CronJob]:
    """Hourly, and once at startup so a worker that was down catches up at once."""
    return [
        cron(
            cast(Any, scan_reminders),
            name="cron:" + Job.SCAN_REMINDERS.value,
            minute=SCAN_MINUTE,
            run_at_startup=True,
            keep_result=3600,
        )
    ]
