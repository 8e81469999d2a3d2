"""A plan runs uncompiled on its first use and compiled from its second (review 4): both answer the
same, through the whole app, without the differential check (which compiles from the first use)."""

from __future__ import annotations

import httpx
import pytest

from lianxin.core.db import Pool
from lianxin.core.tokens import Role
from lianxin_api.executor import PLANS

from conftest import make_token
from factories import make_household, make_union

QUERY = """query Warm%d { households(first: 5) { totalCount edges { cursor node { id archiveNo status
  members { id name idNumber } sponsorships { active sponsor { name } } union { name } } } } }"""


async def test_first_and_later_uses_answer_alike(
    client: httpx.AsyncClient, pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANXIN_EXECUTOR_DIFF", "0")
    union = await make_union(pool)
    for _ in range(3):
        await make_household(pool, union.id)
    tokens = {"admin": make_token(), "staff": make_token(Role.UNION_STAFF, union_id=union.id)}
    for k, (name, token) in enumerate(tokens.items()):
        query = QUERY % k
        headers = {"Authorization": f"Bearer {token}"}
        answers = []
        for _ in range(3):
            answers.append((await client.post("/graphql", json={"query": query}, headers=headers)).json())
            (entry,) = [e for key, e in PLANS.documents.items() if key[1] == query]
            (compiler,) = [c for _, c in entry.plans.values()]
            assert compiler.hot is (len(answers) >= 2), name  # compiled on the second use
        assert answers[0] == answers[1] == answers[2], answers
        assert "errors" not in answers[0], answers[0]
        assert len(answers[0]["data"]["households"]["edges"]) == 3
