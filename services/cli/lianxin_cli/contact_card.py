"""`lianxin contact-card HOUSEHOLD [-o FILE]`: print a household's contact card (连心牌) to a PDF file.

Like the ledger commands it reads the database directly (an operator's tool, no token); HOUSEHOLD is
the household's GraphQL id, its archive number or its number (`lianxin_cli.ids`). Under `make run` it
finds the embedded database through the state file `lianxin dev` writes (`lianxin_cli.devstate`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from lianxin.contact_card import service
from lianxin.contact_card.render import ContactCard, render_contact_card
from lianxin.core.clock import today_in
from lianxin.core.config import Settings
from lianxin.core.db import create_pool
from lianxin.core.errors import DomainError, NotFound
from lianxin.core.ids import parse_global_id
from lianxin.household import repository as household_repo
from lianxin_cli.ids import HOUSEHOLD, parse_id


async def read_card(settings: Settings, household: str) -> ContactCard:
    """The card of the household named by GraphQL id, archive number or number; NotFound if none."""
    pool = await create_pool(settings.require_database_url(), max_size=2)
    try:
        async with pool.acquire() as conn:
            parsed = parse_global_id(household)
            if parsed is not None and parsed[0] == "Household":
                household_id: int | None = parsed[1]
            else:
                household_id = await household_repo.find_household_id(conn, household.strip())
                if household_id is None:  # not an archive number: the raw number, if it is one
                    with contextlib.suppress(ValueError):
                        household_id = parse_id(household, HOUSEHOLD)
            if household_id is None:
                raise NotFound.single("NOT_FOUND", f"no household {household!r}", ["household"])
            return await service.read_contact_card(
                conn,
                household_id,
                printed_on=today_in(settings.timezone),
                hotline=settings.union_hotline,
            )
    finally:
        await pool.close()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "household", help="the household's id (as GraphQL shows it, or the number) or archive number"
    )
    parser.add_argument("-o", "--output", help="the PDF file to write (default contact-card-<archiveNo>.pdf)")


def cmd_contact_card(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.database_url:
        print(
            "DATABASE_URL is not set and no `lianxin dev` is running with "
            f"LIANXIN_DATA_DIR={settings.data_dir}: "
            "start `make run` (in that folder), or point DATABASE_URL at the database to read",
            file=sys.stderr,
        )
        return 2
    try:
        card = asyncio.run(read_card(settings, args.household))
    except DomainError as exc:
        print(f"{args.household}: {exc}", file=sys.stderr)
        return 1
    path = Path(args.output or f"contact-card-{card.archive_no}.pdf")
    data = render_contact_card(card)
    path.write_bytes(data)
    print(f"wrote {path} ({len(data)} bytes)")
    return 0
