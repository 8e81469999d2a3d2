"""Review 5 (issue 12): the answers `visible_to_all_or_none` remembers by (role, kind) stay bounded by
construction: only the registry's kinds are kept, so a kind name that reaches it from anywhere else
(a global id's type name, a future caller) is answered afresh, as the registry says (unknown kinds:
ADMIN and AUDITOR only), and never grows the table."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from lianxin.access.kinds import KINDS
from lianxin.core.tokens import Principal, Role
from lianxin_api.graphql import visibility
from lianxin_api.graphql.visibility import visible_to_all_or_none


def _info(principal: Principal) -> Any:
    return SimpleNamespace(context=SimpleNamespace(principal=principal))


def test_unknown_kinds_are_answered_but_never_remembered() -> None:
    for role in Role:
        caller = _info(Principal(subject="s", role=role))
        for kind in KINDS:
            visible_to_all_or_none(caller, kind)
        for n in range(200):
            answer = visible_to_all_or_none(caller, f"NoSuchKind{n}")
            assert answer is (role in (Role.ADMIN, Role.AUDITOR))
    assert {kind for _, kind in visibility._ALL_OR_NONE} <= set(KINDS)
    assert len(visibility._ALL_OR_NONE) <= len(Role) * len(KINDS)
