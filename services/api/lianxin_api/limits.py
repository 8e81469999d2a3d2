"""Query limits and caches, built once per process.

The depth and alias rules are created here, once, and added per request with `AddValidationRules`:
strawberry's `QueryDepthLimiter`/`MaxAliasesLimiter` build a fresh rule class per instance, which
would make every request miss the validation cache (its key includes the rule classes).
"""

from __future__ import annotations

from collections.abc import Callable

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

_RULES: list[type[ASTValidationRule]] = [depth_rule(MAX_DEPTH, None), alias_rule(MAX_ALIASES)]


def limit_extensions() -> list[Callable[[], SchemaExtension]]:
    return [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(_RULES),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
    ]
