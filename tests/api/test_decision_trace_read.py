"""Issue 12: a list or a household screen that shows decisions without their steps reads them without
their trace (a few KB of JSON per decision to read and decode). Such a page answers every role as the
same fields through `node` do; a household reached another way in the same request (a pairing's)
still shows its whole trace; a decision read without its trace refuses to answer for it."""

from __future__ import annotations

from typing import Any

import pytest
from test_executor_columns import _same_as_node, _tokens, world

from lianxin.core.db import Pool
from lianxin.matching import repository as matching_repo

__all__ = ["world"]  # the fixture, imported for these tests

WITHOUT_TRACE = "latestDecision { id outcome perCapitaIncome monthlyBenefit evaluatedOn }"


async def test_decisions_without_their_steps_answer_as_through_node(gql: Any, world: dict[str, Any]) -> None:
    await _same_as_node(gql, world, WITHOUT_TRACE)
    await _same_as_node(gql, world, "latestDecision { outcome trace { rule } }")


async def test_a_pairings_household_in_the_same_request_shows_its_whole_trace(
    gql: Any, world: dict[str, Any]
) -> None:
    # the page's decisions are read without their trace; the pairing's household (the same households)
    # loads its decision through the request's loader, which must not be primed with those
    query = f"""{{ households(first: 10) {{ edges {{ node {{ id {WITHOUT_TRACE}
      sponsorships {{ household {{ id latestDecision {{ outcome trace {{ rule explanation }} }} }} }} }} }} }} }}"""
    for role, token in _tokens(world).items():
        if role in ("SPONSOR", "CIVIL_AFFAIRS"):
            continue  # sponsors list no households; civil affairs see no pairings
        body = await gql.raw(query, token=token)
        assert "errors" not in body, (role, body)
        shown = 0
        for edge in body["data"]["households"]["edges"]:
            for pairing in edge["node"]["sponsorships"]:
                decision = (pairing["household"] or {}).get("latestDecision")
                if decision is not None:
                    assert decision["trace"], (role, decision)
                    assert all(s["rule"] for s in decision["trace"]), (role, decision)
                    shown += 1
        assert shown, role


async def test_a_decision_read_without_its_trace_refuses_to_answer_for_it(
    pool: Pool, world: dict[str, Any]
) -> None:
    async with pool.acquire() as conn:
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM household ORDER BY id")]
        whole = await matching_repo.latest_decisions_by_household_ids(conn, ids)
        partial = await matching_repo.latest_decisions_by_household_ids(conn, ids, trace=False)
    assert whole
    assert [d.id for d in partial] == [d.id for d in whole]
    for w, p in zip(whole, partial, strict=True):
        assert w.trace_read
        assert not p.trace_read
        assert (p.outcome, p.monthly_benefit_fen, p.fingerprint) == (
            w.outcome,
            w.monthly_benefit_fen,
            w.fingerprint,
        )
        assert w.trace
        with pytest.raises(AttributeError, match="without its trace"):
            _ = p.trace
