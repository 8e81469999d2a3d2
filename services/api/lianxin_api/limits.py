"""Query limits and caches, built once per process, and the refusal of text PostgreSQL cannot store.

Every check here is linear in the document: a fragment is measured once, however often it is spread
(a "fragment bomb", each level spreading the one below twice, is 2ⁿ selections in 30·n bytes). The
time spent on one document before execution is bounded, in this order:

1. parsing: at most `MAX_QUERY_CHARS` characters and `MAX_TOKENS` tokens (graphql-core's lexer is
   linear; 100,000 characters take ~30 ms);
2. `document_limits`, one pass over the syntax tree with each fragment measured once: depth
   (`MAX_DEPTH`), aliases (`MAX_ALIASES`), selections once fragments are expanded (`MAX_SELECTIONS`),
   fields answering to one response key in one selection set (`MAX_SAME_KEY`) and fragments spread into
   one selection set (`MAX_SPREADS_PER_SET`) — the last two bound graphql-core's
   OverlappingFieldsCanBeMergedRule, which compares such fields pairwise;
3. graphql-core's validation (whose OverlappingFieldsCanBeMergedRule is quadratic in fields that share
   a response key, recursively: a binary tree of `parent { … }` in 5,000 tokens takes seconds), cached
   per document text, run in one of two worker threads so the event loop (and `/healthz`) keeps
   answering, and stopped after `VALIDATION_BUDGET_SECONDS` of work by a profile hook that reads the
   clock (see `_validate_in_budget`).

A refusal by (1)–(3) carries the code `QUERY_TOO_COMPLEX`. Anonymous HTTP callers never get here: the
view refuses them before parsing (`LianxinGraphQL.execute_operation`).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import FrameType
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.schema.schema import validate_document

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
MAX_QUERY_CHARS = 100_000
MAX_SELECTIONS = 10_000  # selections once every fragment is expanded where it is spread
MAX_SAME_KEY = 50  # fields with one response key in one selection set (inline fragments flattened)
MAX_SPREADS_PER_SET = 50  # distinct fragments spread into one selection set
MAX_NESTING = 100  # selection sets and fragment spreads inside one another
VALIDATION_BUDGET_SECONDS = 1.0
CACHE_SIZE = 256  # distinct documents kept parsed and validated (bounded: unique texts cannot grow memory)
NUL_MESSAGE = "text must not contain the NUL character (U+0000)"
TOO_COMPLEX = "QUERY_TOO_COMPLEX"


def _nul_error(node: StringValueNode | None = None) -> GraphQLError:
    return GraphQLError(NUL_MESSAGE, node, extensions={"code": "BAD_USER_INPUT"})


def _too_complex(message: str, limit: str, node: Any = None, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": TOO_COMPLEX, "limit": limit, **extensions})


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

    def passes(self) -> bool:
        """Whether `on_execute` lets the operation run (the prepared path asks this; executor/prepared.py)."""
        return not _holds_nul(self.execution_context.variables)

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None and not self.passes():
            context.result = ExecutionResult(data=None, errors=[_nul_error()])
        yield


# --- the linear pass over the document -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Measure:
    height: int  # fields enclosing the deepest selection (introspection fields not counted)
    aliases: int  # aliased fields, fragments counted where spread
    selections: int  # selections, fragments counted where spread (saturates past the limit)


_NOTHING = _Measure(0, 0, 0)
_CEILING = MAX_SELECTIONS * 1000  # counts saturate here: a bomb's 2^30 is only "too many"


class _Refused(Exception):
    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


class _Walk:
    """Measures each selection set of the document once; a fragment's measure is memoised."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, _Measure] = {}
        self.measuring: set[str] = set()  # cycles are refused by validation; here they count nothing

    def fragment(self, name: str, nesting: int) -> _Measure:
        known = self.measured.get(name)
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        if fragment is None or name in self.measuring:
            return _NOTHING
        self.measuring.add(name)
        measure = self.selection_set(fragment.selection_set, nesting + 1, top=True)
        self.measuring.discard(name)
        self.measured[name] = measure
        return measure

    def selection_set(self, node: SelectionSetNode, nesting: int, *, top: bool = False) -> _Measure:
        if nesting > MAX_NESTING:
            raise _Refused(_too_complex(f"selections nested more than {MAX_NESTING} deep", "nesting", node))
        if top:  # a field's, an operation's or a fragment's own selection set (inline ones flattened)
            self._check_overlaps(node)
        height = aliases = selections = 0
        for selection in node.selections:
            selections += 1
            inner = _NOTHING
            if isinstance(selection, FieldNode):
                aliases += selection.alias is not None
                if selection.selection_set is not None:
                    inner = self.selection_set(selection.selection_set, nesting + 1, top=True)
                    # as strawberry's depth limiter: introspection fields do not count
                    if not selection.name.value.startswith("__"):
                        height = max(height, 1 + inner.height)
            elif isinstance(selection, InlineFragmentNode):
                inner = self.selection_set(selection.selection_set, nesting + 1)
                height = max(height, inner.height)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self.fragment(selection.name.value, nesting)
                height = max(height, inner.height)
            aliases = min(aliases + inner.aliases, _CEILING)
            selections = min(selections + inner.selections, _CEILING)
        return _Measure(height, aliases, selections)

    def _check_overlaps(self, node: SelectionSetNode) -> None:
        """graphql-core compares the fields of one response key pairwise, and every pair of fragments
        spread into one selection set: bound both (inline fragments are flattened, as there)."""
        keys: dict[str, int] = {}
        spreads: set[str] = set()
        pending = [node]
        while pending:
            for selection in pending.pop().selections:
                if isinstance(selection, FieldNode):
                    key = (selection.alias or selection.name).value
                    keys[key] = keys.get(key, 0) + 1
                    if keys[key] > MAX_SAME_KEY:
                        raise _Refused(
                            _too_complex(
                                f"more than {MAX_SAME_KEY} selections of `{key}` in one selection set",
                                "sameKey",
                                selection,
                            )
                        )
                elif isinstance(selection, InlineFragmentNode):
                    pending.append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    spreads.add(selection.name.value)
                    if len(spreads) > MAX_SPREADS_PER_SET:
                        raise _Refused(
                            _too_complex(
                                f"more than {MAX_SPREADS_PER_SET} fragments spread into one selection set",
                                "spreads",
                                selection,
                            )
                        )


def document_limits(document: DocumentNode) -> list[GraphQLError]:
    """Depth, aliases and size of every operation, each fragment measured once: [] when within limits."""
    walk = _Walk(document)
    errors: list[GraphQLError] = []
    aliases = selections = 0
    try:
        for name in walk.fragments:  # unused ones too: validation looks at them
            walk.fragment(name, 0)
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            measure = walk.selection_set(definition.selection_set, 0, top=True)
            if measure.height > MAX_DEPTH:
                name = definition.name.value if definition.name else "anonymous"
                message = f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}"
                errors.append(_too_complex(message, "depth", definition, maxDepth=MAX_DEPTH))
            aliases += measure.aliases
            selections += measure.selections
    except _Refused as refused:
        return [refused.error]
    if aliases > MAX_ALIASES:
        message = f"{min(aliases, _CEILING)} aliases found. Allowed: {MAX_ALIASES}"
        errors.append(_too_complex(message, "aliases", maxAliases=MAX_ALIASES))
    if selections > MAX_SELECTIONS:
        message = f"the document makes more than {MAX_SELECTIONS} selections once its fragments are expanded"
        errors.append(_too_complex(message, "selections", maxSelections=MAX_SELECTIONS))
    return errors


# document texts found within the limits lately (refusals are measured again: they are rare)
_within_limits: OrderedDict[str, None] = OrderedDict()


def cached_document_limits(document: DocumentNode, query: str | None) -> list[GraphQLError]:
    """`document_limits`, remembered by document text while the answer is "within the limits"."""
    if query is not None and query in _within_limits:
        _within_limits.move_to_end(query)
        return []
    errors = document_limits(document)
    if not errors and query is not None:
        _within_limits[query] = None
        while len(_within_limits) > CACHE_SIZE:
            _within_limits.popitem(last=False)
    return errors


# --- validation: cached, off the event loop, within a budget ----------------------------------------

_Key = tuple[GraphQLSchema, str, tuple[type[ASTValidationRule], ...]]
_validated: OrderedDict[_Key, list[GraphQLError]] = OrderedDict()
# two threads: a flood of costly documents cannot take more than two cores' worth of GIL turns from the
# event loop; a document waiting longer than `_QUEUE_SECONDS` for one of them is refused unvalidated
_validators = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lianxin-validate")
_QUEUE_SECONDS = 2 * VALIDATION_BUDGET_SECONDS


class _OverBudget(BaseException):  # not an Exception: no `except Exception` in a rule may swallow it
    pass


def _validate_in_budget(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError] | None:
    """graphql-core's validation, stopped once it has run `VALIDATION_BUDGET_SECONDS` (None then).

    The clock is read from a profile hook (this thread only) every 1,024 Python calls: no rule, however
    it scales, can hold a core longer than the budget (it costs about 2× on a cache miss). The hook
    also yields the GIL there, so the event loop waits for a slow validation ~0.1 ms, not 5 ms."""
    deadline = time.perf_counter() + VALIDATION_BUDGET_SECONDS
    calls = 0

    def watch(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        calls += 1
        if not calls & 1023:
            if time.perf_counter() > deadline:
                raise _OverBudget
            time.sleep(0)  # hand the GIL to the event loop now rather than after the 5 ms switch interval

    sys.setprofile(watch)
    try:
        return validate_document(schema, document, rules)
    except _OverBudget:
        return None
    finally:
        sys.setprofile(None)


def _over_budget() -> list[GraphQLError]:
    message = f"the document could not be validated within {VALIDATION_BUDGET_SECONDS:g} s"
    return [_too_complex(message, "validationSeconds", budgetSeconds=VALIDATION_BUDGET_SECONDS)]


async def validate_within_budget(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    query: str | None,
) -> list[GraphQLError]:
    """graphql-core's validation (strawberry's rule set) in a worker thread, cached by document text."""
    key: _Key | None = (schema, query, rules) if query is not None else None
    if key is not None and key in _validated:
        _validated.move_to_end(key)
        return _validated[key]
    work = asyncio.get_running_loop().run_in_executor(
        _validators, _validate_in_budget, schema, document, rules
    )
    try:
        errors = await asyncio.wait_for(work, _QUEUE_SECONDS + VALIDATION_BUDGET_SECONDS)
    except TimeoutError:
        return _over_budget()
    if errors is None:
        return _over_budget()
    if key is not None:
        _validated[key] = errors
        while len(_validated) > CACHE_SIZE:
            _validated.popitem(last=False)
    return errors


class QueryLength(SchemaExtension):
    """Refuses a document longer than `MAX_QUERY_CHARS` before it is parsed."""

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query
        if query is not None and len(query) > MAX_QUERY_CHARS:
            raise _too_complex(
                f"the document is longer than {MAX_QUERY_CHARS} characters (use variables for data)",
                "characters",
                maxCharacters=MAX_QUERY_CHARS,
            )
        yield


class BoundedValidation(SchemaExtension):
    """`document_limits`, then graphql-core's validation within `VALIDATION_BUDGET_SECONDS`."""

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            context.pre_execution_errors = cached_document_limits(
                document, context.query
            ) or await validate_within_budget(
                context.schema._schema, document, context.validation_rules, context.query
            )
        yield


_RULES: list[type[ASTValidationRule]] = [NoNulInStrings]


def limit_extensions() -> list[Callable[[], SchemaExtension]]:
    return [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        QueryLength,
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(_RULES),
        BoundedValidation,
        NoNulInVariables,
    ]
