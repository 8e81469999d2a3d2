"""Aid verbs: pay one disbursement, queue a quarterly-condolence batch, work a batch chunk.

A disbursement is unique per household, program and period (UNIQUE in the database), so a payment
repeated by hand or by a batch run twice is refused or skipped, never paid twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

from lianxin import run as runs
from lianxin.access.rules import ListScope
from lianxin.aid import repository as repo
from lianxin.aid.models import PERIOD_KIND, AidBatch, AidProgram, Disbursement, PeriodKind
from lianxin.core.db import Connection, UnitOfWork
from lianxin.core.errors import IssueCollector
from lianxin.core.ids import to_global_id
from lianxin.core.jobs import Job, record_job
from lianxin.core.money import MoneyError, fen_to_yuan, parse_yuan
from lianxin.events.outbox import record_event, record_events

BATCH_CHUNK: Final = 500
_FORMS: Final = {
    PeriodKind.QUARTER: (re.compile(r"([0-9]{4})Q([1-4])"), "a quarter such as 2026Q4"),
    PeriodKind.MONTH: (re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])"), "a month such as 2026-11"),
    PeriodKind.DAY: (
        re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
        "the day of the emergency, such as 2026-11-29",
    ),
    PeriodKind.YEAR: (re.compile(r"[0-9]{4}"), "a year such as 2026"),
}


@dataclass(frozen=True)
class NewDisbursement:
    household_id: int
    program: AidProgram
    period: str
    amount: Decimal  # yuan, exact
    paid_on: date
    member_id: int | None = None
    note: str | None = None


def period_start(program: AidProgram, period: str) -> date | None:
    """The first day of a program's period, or None when `period` is not written as the program needs."""
    pattern, _ = _FORMS[PERIOD_KIND[program]]
    match = pattern.fullmatch(period)
    if match is None:
        return None
    kind = PERIOD_KIND[program]
    try:
        if kind is PeriodKind.DAY:
            return date.fromisoformat(period)
        year = int(period[:4])
        if kind is PeriodKind.QUARTER:
            return date(year, 3 * int(match[2]) - 2, 1)
        return date(year, int(match[2]), 1) if kind is PeriodKind.MONTH else date(year, 1, 1)
    except ValueError:  # 2026-02-30, year 0000
        return None


def check_period(issues: IssueCollector, program: AidProgram, period: str, today: date) -> str:
    cleaned = period.strip()
    start = period_start(program, cleaned)
    if start is None:
        form = _FORMS[PERIOD_KIND[program]][1]
        issues.add("INVALID_PERIOD", f"{program.value} is paid per period written as {form}", ["period"])
    elif start > today:
        issues.add("PERIOD_IN_FUTURE", f"the period {cleaned} has not begun", ["period"])
    return cleaned


# Programs paid in money: a payment of 0 would use up the household's period (one disbursement per
# household, program and period) and the real payment would then be refused. The others are services
# or goods, recorded at 0.00 when they have no cash value.
CASH_PROGRAMS: Final = frozenset(
    {AidProgram.QUARTERLY_CONDOLENCE, AidProgram.LOVE_CARD, AidProgram.BUS_CARD, AidProgram.EMERGENCY}
)
# The most one household may be paid per program and period, in yuan (LIANXIN_AID_MAX_YUAN overrides).
DEFAULT_MAX_YUAN: Final = {
    AidProgram.QUARTERLY_CONDOLENCE: 5_000,
    AidProgram.GIFT_PACK: 5_000,
    AidProgram.LOVE_CARD: 5_000,
    AidProgram.BUS_CARD: 2_000,
    AidProgram.EMERGENCY: 50_000,
    AidProgram.COUNSELING: 10_000,
    AidProgram.MEDICINE_DELIVERY: 20_000,
    AidProgram.TRAINING: 20_000,
}
AidLimits = Mapping[AidProgram, int]  # the most per payment, in fen


@lru_cache(maxsize=8)
def aid_limits(setting: str = "") -> AidLimits:
    """`DEFAULT_MAX_YUAN` in fen, overridden by `setting` ("EMERGENCY=80000,BUS_CARD=1500" or the same
    as a JSON object). Raises ValueError for an unknown program or an amount that is not positive."""
    limits = {program: yuan * 100 for program, yuan in DEFAULT_MAX_YUAN.items()}
    text = setting.strip()
    if not text:
        return limits
    if text.startswith("{"):
        pairs = [(str(k), str(v)) for k, v in json.loads(text).items()]
    else:
        pairs = [tuple(part.split("=", 1)) for part in text.split(",") if part.strip()]  # type: ignore[misc]
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"LIANXIN_AID_MAX_YUAN: expected PROGRAM=amount, got {pair[0]!r}")
        name, amount = pair[0].strip(), pair[1].strip()
        if name not in AidProgram.__members__:
            raise ValueError(f"LIANXIN_AID_MAX_YUAN: unknown program {name!r}")
        try:
            limits[AidProgram(name)] = parse_yuan(amount, positive=True)
        except MoneyError as exc:
            raise ValueError(f"LIANXIN_AID_MAX_YUAN: {name}: {exc.message}") from None
    return limits


def _amount(
    issues: IssueCollector, value: Decimal, program: AidProgram, limits: AidLimits | None
) -> int | None:
    try:
        fen = parse_yuan(value, positive=program in CASH_PROGRAMS)
    except MoneyError as exc:
        issues.add(exc.code, exc.message, ["amount"])
        return None
    most = (limits or aid_limits())[program]
    if fen > most:
        issues.add(
            "AMOUNT_ABOVE_LIMIT",
            f"{program.value} pays at most {fen_to_yuan(most)} yuan per household and period",
            ["amount"],
        )
        return None
    return fen


async def pay_disbursement(
    uow: UnitOfWork, new: NewDisbursement, *, today: date, limits: AidLimits | None = None
) -> Disbursement:
    """Pay one household once for a program and period; emits `aid.paid`."""
    issues = IssueCollector()
    household = await repo.get_household(uow.conn, new.household_id)
    if household is None:
        issues.add("HOUSEHOLD_NOT_FOUND", "the household does not exist", ["householdId"])
    elif household[0] != "ACTIVE":
        issues.add("HOUSEHOLD_NOT_ACTIVE", f"the household is {household[0]}", ["householdId"])
    period = check_period(issues, new.program, new.period, today)
    fen = _amount(issues, new.amount, new.program, limits)
    if new.paid_on > today:
        issues.add("PAID_IN_FUTURE", "a payment cannot be recorded before it is made", ["paidOn"])
    if new.member_id is not None:
        if new.program is not AidProgram.TRAINING:
            issues.add("MEMBER_ONLY_FOR_TRAINING", "only TRAINING names a family member", ["memberId"])
        elif await repo.member_household(uow.conn, new.member_id) != new.household_id:
            issues.add("MEMBER_NOT_IN_HOUSEHOLD", "the member is not in this household", ["memberId"])
    note = (new.note or "").strip() or None
    if note is not None and len(note) > 500:
        issues.add("NOTE_TOO_LONG", "the note is longer than 500 characters", ["note"])
    issues.raise_if_any()
    assert household is not None
    assert fen is not None
    paid = await repo.insert_disbursement(
        uow.conn, new.household_id, new.program, period, fen, new.member_id, new.paid_on, note
    )
    if paid is None:
        issues.add(
            "ALREADY_PAID", f"the household already received {new.program.value} for {period}", ["period"]
        )
        issues.raise_if_any()
    assert paid is not None
    await record_event(
        uow.conn, "aid.paid", to_global_id("Household", paid.household_id), _payload(paid), household[1]
    )
    return paid


def _payload(d: Disbursement) -> dict[str, object]:
    return {
        "disbursementId": to_global_id("AidDisbursement", d.id),
        "program": d.program.value,
        "period": d.period,
        "amount": str(fen_to_yuan(d.amount_fen)),
    }


async def request_condolence_batch(
    uow: UnitOfWork,
    *,
    region_code: str | None,
    union_id: int | None,
    period: str,
    amount: Decimal,
    today: date,
    requested_by: str | None,
    scope: ListScope,
    limits: AidLimits | None = None,
) -> AidBatch:
    """Queue the quarterly condolence payment to every ACTIVE household of a region or union subtree.

    The batch records `scope`, the requesting caller's (lianxin.access.rules.list_scope of "Household"),
    and pays only households inside it as well: a region the caller cannot reach is like a region
    without ACTIVE households, an empty batch (total 0), so it tells nothing about what lies there.
    """
    issues = IssueCollector()
    runs.check_target(issues, region_code, union_id)
    if union_id is not None and not await repo.union_exists(uow.conn, union_id, scope):
        issues.add("UNION_NOT_FOUND", "the union does not exist", ["unionId"])
    cleaned = check_period(issues, AidProgram.QUARTERLY_CONDOLENCE, period, today)
    fen = _amount(issues, amount, AidProgram.QUARTERLY_CONDOLENCE, limits)
    issues.raise_if_any()
    assert fen is not None
    batch = await repo.insert_batch(
        uow.conn,
        AidProgram.QUARTERLY_CONDOLENCE,
        cleaned,
        fen,
        region_code,
        union_id,
        today,
        requested_by,
        scope=scope,
    )
    await record_job(uow, Job.PAY_AID_BATCH, {"batch_id": batch.id})
    return batch


def partition_work() -> runs.Work:
    """What an aid batch does with one partition's households: pay each once, with an `aid.paid` event."""

    async def work(conn: Connection, row: Any, part: runs.Partition, ids: list[int]) -> runs.Outcome:
        batch = AidBatch.from_row(row)
        paid = await repo.pay_households(conn, ids, batch)
        amount = str(fen_to_yuan(batch.amount_fen))
        await record_events(
            conn,
            [
                {
                    "type": "aid.paid",
                    "subject_id": to_global_id("Household", hid),
                    "region_code": region,
                    "payload": {
                        "program": batch.program.value,
                        "period": batch.period,
                        "amount": amount,
                        "batchId": to_global_id("AidBatch", batch.id),
                    },
                }
                for hid, region in paid
            ],
        )
        return runs.Outcome(done=len(ids), changed=len(paid))

    return work


async def run_batch_chunk(conn: Connection, batch_id: int, *, chunk_size: int = BATCH_CHUNK) -> bool:
    """One step of a batch on the shared run mechanism (plan it, or pay one partition of `chunk_size`
    households); False when nothing is left for this caller.

    A partition's payments and its mark commit together, and UNIQUE (household, program, period)
    skips anyone already paid, so a retried partition or a second batch for the period pays nobody twice.
    """
    return await runs.step(conn, runs.RunKind.AID, batch_id, partition_work(), partition_size=chunk_size)
