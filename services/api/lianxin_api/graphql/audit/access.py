"""What a request leaves for the audit trail after execution: unmasked reads of ID numbers (resolvers
note them in the Context; one access-log row per request, not a statement per field) and mutations
refused as FORBIDDEN (one audit row each, outcome FORBIDDEN)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from lianxin.audit import service as audit
from lianxin_api.context import Context
from lianxin_api.graphql.audit.recording import actor_of, entity_ids

log = logging.getLogger(__name__)

ID_NUMBER_FIELD = "Member.idNumber"


def note_unmasked_reads(context: Context, member_ids: Iterable[int]) -> None:
    """Members whose full ID number the response carries, whichever resolver put it there (the
    `Member.idNumber` field, a ledger export): written with the request's other reads, after execution."""
    context.unmasked_member_ids.update(member_ids)


async def flush_audit_notes(context: Context) -> None:
    """Write the request's unmasked reads and forbidden mutations, once; called by the GraphQL view
    after execution."""
    refused, context.forbidden_mutations = context.forbidden_mutations, []
    for operation, arguments in refused:
        await audit.record_refused_mutation(
            context.pool, actor_of(context), operation, entity_ids(arguments), arguments, ["FORBIDDEN"]
        )
    await flush_unmasked_reads(context)


async def flush_unmasked_reads(context: Context) -> None:
    """Write the request's unmasked reads, once."""
    ids, context.unmasked_member_ids = context.unmasked_member_ids, set()
    if ids:
        await audit.record_unmasked_reads(context.pool, actor_of(context), ID_NUMBER_FIELD, ids)
        log.info("unmasked reads recorded", extra={"fields": {"field": ID_NUMBER_FIELD, "count": len(ids)}})
