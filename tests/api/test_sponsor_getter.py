"""`Sponsorship.sponsor` is read by a per-request getter (PLAIN_GETTER) in the planned executor: the
sponsor's object made with its page, or made of the model prefetched with it, or loaded when neither
(a pairing listed on its own). Every way answers the sponsor the pairing names, for every role."""

from __future__ import annotations

from typing import Any

import httpx
from test_executor_columns import _tokens, world

from lianxin.core.db import Pool
from lianxin_api.executor.plan import PLAIN_GETTER
from lianxin_api.graphql.sponsorship.types import SponsorshipType

__all__ = ["world"]  # the fixture, imported for these tests

QUERIES = {
    "list": "{ sponsorships(first: 10) { edges { node { startedOn sponsor { id name } } } } }",
    "page": """{ households(first: 10) { edges { node { id sponsorships { startedOn sponsor { id name } } } } } }""",
    "screen": """query($id: ID!) { node(id: $id) { ... on Household { sponsorships { sponsor { id name } } } } }""",
}


def _sponsors(data: Any) -> list[Any]:
    """Every `sponsor` object in a response's data."""
    if isinstance(data, dict):
        return [v for k, v in data.items() if k == "sponsor"] + [
            s for v in data.values() for s in _sponsors(v)
        ]
    if isinstance(data, list):
        return [s for v in data for s in _sponsors(v)]
    return []


async def test_every_way_to_a_sponsor_answers_it(
    client: httpx.AsyncClient, pool: Pool, world: dict[str, Any]
) -> None:
    field = SponsorshipType.__strawberry_definition__.get_field("sponsor")  # type: ignore[attr-defined]
    assert PLAIN_GETTER in field.metadata
    async with pool.acquire() as conn:
        name = await conn.fetchval("SELECT name FROM organization WHERE id = $1", world["sponsor"])
    tokens = _tokens(world)
    cases = [(role, label) for role in ("ADMIN", "UNION_STAFF") for label in QUERIES] + [("SPONSOR", "list")]
    for role, label in cases:
        auth = {"Authorization": f"Bearer {tokens[role]}"}
        for _ in range(2):  # the whole way, then prepared
            sent = {"query": QUERIES[label], "variables": {"id": world["ids"][0]}}
            body = (await client.post("/graphql", json=sent, headers=auth)).json()
            assert "errors" not in body, (role, label, body)
            sponsors = _sponsors(body["data"])
            assert sponsors, (role, label, body)
            assert {s["name"] for s in sponsors} == {name}, (role, label, body)
