"""Every GraphQL error carries `extensions.code` (issue 15), as Apollo-style clients expect.

Ours set their own code (README "Error codes"); this extension fills in the rest: syntax errors read
`GRAPHQL_PARSE_FAILED`, validation errors `GRAPHQL_VALIDATION_FAILED`, variables that do not fit their
type `BAD_USER_INPUT`, and anything else (an internal error, masked in production) `INTERNAL_SERVER_ERROR`.
It must be the first schema extension: hooks are left in reverse order, so it sees every error the
others (error masking included) leave behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


def with_code(errors: Iterable[GraphQLError] | None, code: str) -> None:
    """Gives `code` to each error that has none (errors are changed in place)."""
    for error in errors or ():
        extensions = error.extensions if isinstance(error.extensions, dict) else {}
        if "code" not in extensions:
            error.extensions = {**extensions, "code": code}


def is_variable_error(error: GraphQLError) -> bool:
    # graphql-core's variable coercion errors: "Variable '$x' got invalid value …" / "… of required type …"
    # (raised before execution: no path, whatever coercion error it wraps)
    return error.path is None and error.message.startswith("Variable '$")


class ErrorCodes(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        yield
        with_code(self.execution_context.pre_execution_errors, PARSE_FAILED)

    def on_validate(self) -> Iterator[None]:
        yield
        with_code(self.execution_context.pre_execution_errors, VALIDATION_FAILED)

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLSyntaxError as error:  # raised by the parser cache (an `on_parse` hook itself)
            with_code([error], PARSE_FAILED)
            raise
        result = self.execution_context.result
        errors = list(getattr(result, "errors", None) or ())
        with_code([e for e in errors if is_variable_error(e)], BAD_USER_INPUT)
        with_code(errors, INTERNAL_SERVER_ERROR)
