"""Unmasked reads of ID numbers: resolvers note them in the Context, the view writes one access-log
row per request after execution (not a statement per field)."""

from __future__ import annotations

import logging

from lianxin.audit import service as audit
from lianxin_api.context import Context
from lianxin_api.graphql.audit.recording import actor_of

log = logging.getLogger(__name__)

ID_NUMBER_FIELD = "Member.idNumber"


async def flush_unmasked_reads(context: Context) -> None:
    """Write the request's unmasked reads, once; called by the GraphQL view after execution."""
    ids, context.unmasked_member_ids = context.unmasked_member_ids, set()
    if ids:
        await audit.record_unmasked_reads(context.pool, actor_of(context), ID_NUMBER_FIELD, ids)
        log.info("unmasked reads recorded", extra={"fields": {"field": ID_NUMBER_FIELD, "count": len(ids)}})
