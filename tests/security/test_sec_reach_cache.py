"""Issue 12: `visible_to_all_or_none` remembers its answer by (role, kind), which is only right while
`lianxin.access.kinds.reach` depends on the caller's role alone: for every role, every kind of the
registry and an unknown kind, and callers of one role with different scopes, the remembered answer is
the registry's, asked first and again; no caller sees nothing."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from lianxin.access.kinds import KINDS, Reach, reach
from lianxin.core.tokens import Principal, Role
from lianxin_api.graphql.visibility import visible_to_all_or_none


def _info(principal: Principal | None) -> Any:
    return SimpleNamespace(context=SimpleNamespace(principal=principal))


def test_the_remembered_answer_is_the_registrys_for_every_role_and_kind() -> None:
    expected = {Reach.ALL: True, Reach.NONE: False, Reach.SCOPED: None}
    for kind in [*KINDS, "NoSuchKind"]:
        for role in Role:
            callers = [
                Principal(subject="a", role=role),
                Principal(
                    subject="b", role=role, union_id=7, region_code="371002", agency_id=3, sponsor_id=5
                ),
            ]
            for caller in callers * 2:  # first asked, then remembered
                assert visible_to_all_or_none(_info(caller), kind) is expected[reach(caller, kind)], (
                    role,
                    kind,
                )
        assert visible_to_all_or_none(_info(None), kind) is False
