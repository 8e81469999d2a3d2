"""Query limits and caches, built once per process, and the refusal of text PostgreSQL cannot store.

The depth and alias rules are created here, once, and added per request with `AddValidationRules`:
strawberry's `QueryDepthLimiter`/`MaxAliasesLimiter` build a fresh rule class per instance, which
would make every request miss the validation cache (its key includes the rule classes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode
from graphql.validation import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
CACHE_SIZE = 256  # distinct documents kept parsed and validated (bounded: unique texts cannot grow memory)
NUL_MESSAGE = "text must not contain the NUL character (U+0000)"


def _nul_error(node: StringValueNode | None = None) -> GraphQLError:
    return GraphQLError(NUL_MESSAGE, node, extensions={"code": "BAD_USER_INPUT"})


class NoNulInStrings(ASTValidationRule):
    """PostgreSQL text and jsonb cannot hold U+0000: refuse it here rather than fail in the database
    (every mutation's arguments reach the audit log's jsonb, even a refused one's)."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value:
            self.report_error(_nul_error(node))


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


class NoNulInVariables(SchemaExtension):
    """The same refusal for variables, which validation does not see."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None and _holds_nul(context.variables):
            context.result = ExecutionResult(data=None, errors=[_nul_error()])
        yield


_RULES: list[type[ASTValidationRule]] = [depth_rule(MAX_DEPTH, None), alias_rule(MAX_ALIASES), NoNulInStrings]


def limit_extensions() -> list[Callable[[], SchemaExtension]]:
    return [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(_RULES),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        NoNulInVariables,
    ]
