"""The facts on a household's contact card (连心牌), read from the archive."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from lianxin.contact_card.render import ContactCard
from lianxin.core.db import Connection
from lianxin.core.errors import IssueCollector, NotFound
from lianxin.household import repository as household_repo
from lianxin.household.enums import Relation
from lianxin.household.models import Household, Member
from lianxin.trade_union import repository as union_repo

CONTACT_PERSON_REQUIRED = "CONTACT_PERSON_REQUIRED"


def has_contact_person(household: Household) -> bool:
    """A card needs both the contact person's name and phone."""
    return bool(household.contact_name and household.contact_phone)


def head_of(members: Sequence[Member]) -> Member | None:
    """The member recorded as HEAD, else the first one (members are kept head first by convention)."""
    return next((m for m in members if m.relation is Relation.HEAD), members[0] if members else None)


def card_of(
    household: Household,
    union_name: str,
    members: Sequence[Member],
    *,
    printed_on: date,
    hotline: str | None,
) -> ContactCard:
    """The card of a loaded household; refused (CONTACT_PERSON_REQUIRED) while it has no contact person."""
    name, phone = household.contact_name or "", household.contact_phone or ""
    issues = IssueCollector()
    for path, value in (("contactName", name), ("contactPhone", phone)):
        if not value:
            issues.add(
                CONTACT_PERSON_REQUIRED,
                f"household {household.archive_no} has no contact person (联系人) with a phone yet",
                [path],
            )
    issues.raise_if_any()
    head = head_of(members)
    return ContactCard(
        archive_no=household.archive_no,
        head_name=head.name if head else None,
        union_name=union_name,
        contact_name=name,
        contact_phone=phone,
        printed_on=printed_on,
        hotline=(hotline or "").strip() or None,
    )


async def read_contact_card(
    conn: Connection, household_id: int, *, printed_on: date, hotline: str | None
) -> ContactCard:
    """The card of one household; NotFound when there is no such household."""
    household = await household_repo.get_household(conn, household_id)
    if household is None:
        raise NotFound.single("NOT_FOUND", "the household does not exist", ["id"])
    union = await union_repo.get_union(conn, household.union_id)
    members = await household_repo.list_members_by_household_ids(conn, [household.id])
    return card_of(household, union.name if union else "", members, printed_on=printed_on, hotline=hotline)
