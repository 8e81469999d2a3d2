"""`GET /households/{id}/contact-card.pdf`: a household's contact card (连心牌) to print.

Authenticated like GraphQL (`Authorization: Bearer …`, or an agency API key) and rate limited alike.
Only ADMIN and UNION_STAFF print cards, and only for households they see: a household outside the
caller's scope is answered exactly like a missing one (404), so an id tells an outsider nothing.
Refusals have the GraphQL error shape the other HTTP refusals use.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from lianxin.access.operations import may_perform
from lianxin.access.rules import HouseholdScope, sees_household
from lianxin.contact_card import service
from lianxin.contact_card.render import render_contact_card
from lianxin.core.clock import today_in
from lianxin.core.errors import DomainError
from lianxin.core.ids import parse_global_id, to_global_id
from lianxin.core.tokens import Principal
from lianxin.household import repository as household_repo
from lianxin.sponsorship import repository as sponsorship_repo
from lianxin.trade_union import repository as union_repo
from lianxin_api.abuse import Refused, caller_key, graphql_error_response
from lianxin_api.auth import authenticate_request

NOT_FOUND = "no such household"


def contact_card_path(household_id: int, global_id: str | None = None) -> str:
    """The card's path, relative to the API's root (what `Household.contactCardUrl` answers);
    `global_id` is the household's global id when the caller has it at hand (`Household.id`)."""
    return f"/households/{global_id or to_global_id('Household', household_id)}/contact-card.pdf"


def can_print(caller: Principal | None) -> bool:
    return caller is not None and may_perform(caller, "contactCardPdf")


def _disposition(archive_no: str) -> str:
    # archive numbers are ASCII letters, digits and '-' (household.drafts.ARCHIVE_NO): safe unquoted
    return f'attachment; filename="contact-card-{archive_no}.pdf"'


async def _caller(request: Request, graphql: Any) -> Principal:
    """Who is asking, or Refused (401, 403, 429)."""
    principal, error = await authenticate_request(
        graphql.settings.signing_secret, graphql.pool, request.headers.get("authorization")
    )
    if graphql.rate_limiter is not None:
        await graphql.rate_limiter.enforce(caller_key(principal, request))
    if principal is None:
        refusal = graphql_error_response(401, error or "unauthenticated", "UNAUTHENTICATED")
        refusal.headers["WWW-Authenticate"] = "Bearer"
        raise Refused(refusal)
    if not can_print(principal):
        message = "contact cards are printed by union staff (ADMIN or UNION_STAFF)"
        raise Refused(graphql_error_response(403, message, "FORBIDDEN"))
    return principal


async def contact_card_pdf(request: Request) -> Response:
    graphql = request.app.state.graphql
    try:
        caller = await _caller(request, graphql)
    except Refused as refused:
        return refused.response
    parsed = parse_global_id(request.path_params["household_id"])
    if parsed is None or parsed[0] != "Household":
        return graphql_error_response(404, NOT_FOUND, "NOT_FOUND")
    settings = graphql.settings
    async with graphql.pool.acquire() as conn:
        household = await household_repo.get_household(conn, parsed[1])
        if household is None:
            return graphql_error_response(404, NOT_FOUND, "NOT_FOUND")
        union = await union_repo.get_union(conn, household.union_id)
        pairs = await sponsorship_repo.list_sponsorships_by_household_ids(conn, [household.id])
        scope = HouseholdScope.of(
            household.region_code, union.path if union else (), (p.sponsor_id for p in pairs if p.active)
        )
        if not sees_household(caller, scope):
            return graphql_error_response(404, NOT_FOUND, "NOT_FOUND")
        members = await household_repo.list_members_by_household_ids(conn, [household.id])
    try:
        card = service.card_of(
            household,
            union.name if union else "",
            members,
            printed_on=today_in(settings.timezone),
            hotline=settings.union_hotline,
        )
    except DomainError as exc:
        issue = exc.issues[0]
        fields = [list(i.field or ()) for i in exc.issues]
        return graphql_error_response(409, issue.message, issue.code, fields=fields)
    pdf = await run_in_threadpool(render_contact_card, card)  # CPU work off the event loop
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": _disposition(household.archive_no), "Cache-Control": "no-store"},
    )
