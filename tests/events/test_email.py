"""E-mail to the contact person, through a real SMTP server (aiosmtpd): a decision and a referral
change each send one notice, once, however often the worker passes; SMTP refusals and outages."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from arq.worker import Worker

from lianxin.core.config import Settings
from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.tokens import Role
from lianxin.eligibility import DEMO_PARAMETERS
from lianxin.events.reader import StoredEvent
from lianxin.household.enums import EligibilityOutcome
from lianxin.notification.channels.email import SmtpChannel
from lianxin.notification.email import OUTCOME_TEXT, compose, send_due_emails
from lianxin.notification.retry import RetrySchedule
from lianxin.trade_union.models import UnionKind
from lianxin_cli.embedded import free_port
from lianxin_worker.main import worker_settings
from lianxin_worker.tasks.notification import send_emails

from conftest import make_token
from factories import make_union, member_input


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse and address == self.refuse:
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def subject(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


async def drain(settings: Settings) -> None:
    worker = Worker(**{**worker_settings(settings, burst=True), "cron_jobs": []})
    await worker.main()
    await worker.close()


async def until_sent(ctx: Any, inbox: Inbox, count: int) -> None:
    async with asyncio.timeout(10):
        while len(inbox.messages) < count:
            await send_emails(ctx)
            await asyncio.sleep(0.02)


async def test_decision_and_referral_changes_email_the_contact_person_once(
    gql: Any, pool: Pool, settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    root = await make_union(pool, name="威海市总工会")
    union = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    await gql(
        """mutation($p: JSON!) { publishDibaoPolicy(input: {regionCode: "371000", effectiveFrom: "2020-01-01",
           parameters: $p}) { errors { code } } }""",
        {"p": DEMO_PARAMETERS},
    )
    agency = await gql(
        'mutation { createAgency(input: {name: "环翠区民政局", regionCode: "371002"}) { agency { id } } }'
    )
    household = {
        "unionId": to_global_id("TradeUnion", union.id),
        "archiveNo": "WH0100",
        "level": "MUNICIPAL",
        "category": "DEEP",
        "hardshipReasons": ["ILLNESS"],
        "regionCode": "371002",
        "members": [member_input("HEAD", "19770101", health="CRITICAL_ILLNESS", employment="FLEXIBLE")],
        "incomes": [{"kind": "WAGE", "monthlyAmount": "300.00", "memberIndex": 0}],
    }
    created = await gql(
        "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id } errors { code } } }",
        {"i": household},
    )
    hid = created["createHousehold"]["household"]["id"]
    set_email = """mutation($h: ID!, $e: String) { setHouseholdContactEmail(householdId: $h, email: $e) {
      householdId email errors { code field } } }"""
    bad = await gql(set_email, {"h": hid, "e": "not-an-address"})
    assert bad["setHouseholdContactEmail"]["errors"] == [{"code": "INVALID_EMAIL", "field": ["email"]}]
    ok = await gql(set_email, {"h": hid, "e": "wang@union.example"})
    assert ok["setHouseholdContactEmail"] == {"householdId": hid, "email": "wang@union.example", "errors": []}
    # When the worker decides the household (DIBAO) and refers it
    await drain(settings)
    ctx: Any = {
        "pool": pool,
        "settings": settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}),
    }
    await until_sent(ctx, inbox, 2)
    # Then the contact person gets one notice per event, addressed and worded for the household
    assert [m["To"] for m in inbox.messages] == ["wang@union.example"] * 2
    subjects = sorted(subject(m) for m in inbox.messages)
    assert subjects == ["[连心] 家庭 WH0100 资格匹配结果：DIBAO", "[连心] 家庭 WH0100 转介民政：SENT"]
    # passing again sends nothing twice
    await send_emails(ctx)
    assert len(inbox.messages) == 2
    # the agency reports progress: one more notice
    referrals = await gql("{ referrals { edges { node { id } } } }")
    referral_id = referrals["referrals"]["edges"][0]["node"]["id"]
    from lianxin.core.ids import parse_global_id

    parsed = parse_global_id(agency["createAgency"]["agency"]["id"])
    assert parsed is not None
    token = make_token(Role.CIVIL_AFFAIRS, region_code="371002", agency_id=parsed[1])
    await gql(
        "mutation($id: ID!) { updateReferral(input: {id: $id, status: RECEIVED}) { errors { code } } }",
        {"id": referral_id},
        token=token,
    )
    await until_sent(ctx, inbox, 3)
    assert subject(inbox.messages[2]) == "[连心] 家庭 WH0100 转介民政：RECEIVED"
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT status, attempts FROM email_notification ORDER BY id")
    assert [(r["status"], r["attempts"]) for r in rows] == [("SENT", 1)] * 3


async def test_refused_recipients_are_dead_and_outages_are_retried(
    pool: Pool, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    inbox.refuse = "gone@union.example"
    async with pool.acquire() as conn:
        for event_id, to in [(1, "gone@union.example"), (2, "here@union.example")]:
            await conn.execute(
                "INSERT INTO email_notification (event_id, recipient, subject, body) VALUES ($1, $2, 's', 'b')",
                event_id,
                to,
            )
    fast = RetrySchedule(
        base=timedelta(milliseconds=1), cap=timedelta(milliseconds=1), window=timedelta(hours=1)
    )
    # the server is down (wrong port): both stay pending for a retry
    down = SmtpChannel("127.0.0.1", free_port(), "lianxin@union.example")
    assert await send_due_emails(pool, down, fast) == 0
    await asyncio.sleep(0.01)
    up = SmtpChannel("127.0.0.1", port, "lianxin@union.example")
    assert await send_due_emails(pool, up, fast) == 1
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT recipient, status, attempts, last_error FROM email_notification ORDER BY id"
        )
    assert [(r["recipient"], r["status"], r["attempts"]) for r in rows] == [
        ("gone@union.example", "DEAD", 2),
        ("here@union.example", "SENT", 2),
    ]
    assert "refused" in rows[0]["last_error"]
    assert [m["To"] for m in inbox.messages] == ["here@union.example"]


@pytest.mark.parametrize("outcome", list(EligibilityOutcome))
def test_every_outcome_is_worded_in_the_notice(outcome: EligibilityOutcome) -> None:
    event = StoredEvent(
        1,
        1,
        "eligibility.decided",
        to_global_id("Household", 1),
        "371002",
        {"outcome": outcome.value},
        datetime(2026, 11, 30, tzinfo=UTC),
    )
    _, body = compose(event, "WH0001")
    assert f"资格匹配结果已更新：{OUTCOME_TEXT[outcome.value]}。" in body
    if outcome in (EligibilityOutcome.MARGINAL, EligibilityOutcome.RIGID_EXPENDITURE):
        wording = {"MARGINAL": "低保边缘家庭", "RIGID_EXPENDITURE": "刚性支出困难家庭"}[outcome.value]
        assert wording in body
