"""GraphQL shapes of the audit trail (read-only; rows are written by `run_in_transaction`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from lianxin.audit.models import AuditEntry, AuditFilter


@strawberry.type(name="AuditChange", description="One row written by a mutation.")
class AuditChangeType:
    table: str = strawberry.field(description="The database table, e.g. household or member.")
    row_id: str | None = strawberry.field(description="The row's primary key in that table.")
    operation: str = strawberry.field(description="INSERT, UPDATE or DELETE.")
    before: JSON | None = strawberry.field(
        description="Changed columns before (all columns for DELETE; null for INSERT), masked."
    )
    after: JSON | None = strawberry.field(
        description="Changed columns after (all columns for INSERT; null for DELETE), masked."
    )

    @classmethod
    def from_model(cls, change: dict[str, Any]) -> AuditChangeType:
        return cls(
            table=change["table"],
            row_id=change["rowId"],
            operation=change["op"],
            before=change["before"],
            after=change["after"],
        )


@strawberry.type(
    name="AuditTruncation",
    description="What the audit row's bounds cut from an oversized input or change list (see README).",
)
class AuditTruncationType:
    values: int = strawberry.field(description="Values shortened or dropped (strings, list items, changes).")
    characters: int = strawberry.field(description="Characters, list items or JSON bytes removed in all.")


@strawberry.type(name="AuditEntry", description="One mutation: who ran it, on what, and how it ended.")
class AuditEntryType:
    id: strawberry.ID = strawberry.field(description="Opaque; entries are ordered newest first.")
    occurred_at: datetime = strawberry.field(description="When the mutation ran.")
    actor: str = strawberry.field(description="The caller's token subject.")
    actor_role: str = strawberry.field(description="The caller's role, e.g. UNION_STAFF.")
    operation: str = strawberry.field(description="The GraphQL mutation, e.g. createHousehold.")
    entity_ids: list[strawberry.ID] = strawberry.field(
        description="Global ids named in the input or returned by the mutation."
    )
    input: JSON = strawberry.field(description="The arguments, with secrets, ID numbers and phones masked.")
    outcome: list[str] = strawberry.field(description='["OK"], or the codes of the refusal\'s user errors.')
    request_id: str | None = strawberry.field(
        description="The request's X-Request-Id (as answered in that header), to find its log lines."
    )
    changes: list[AuditChangeType] = strawberry.field(
        description="Every row the mutation wrote, in order, with the before/after of changed fields."
    )
    change_count: int = strawberry.field(description="Rows written; `changes` keeps the first 1000.")
    truncated: AuditTruncationType | None = strawberry.field(
        description="Null when the row holds everything; else what its bounds cut (1,000 characters per "
        "string, 200 items per list, 16 levels, 64 KiB per entry)."
    )

    @classmethod
    def from_model(cls, e: AuditEntry) -> AuditEntryType:
        return cls(
            id=strawberry.ID(str(e.id)),
            occurred_at=e.occurred_at,
            actor=e.actor_subject,
            actor_role=e.actor_role,
            operation=e.operation,
            entity_ids=[strawberry.ID(i) for i in e.entity_ids],
            input=e.input,  # type: ignore[arg-type]  # JSON is a scalar alias of Any
            outcome=list(e.outcome),
            request_id=e.request_id,
            changes=[AuditChangeType.from_model(c) for c in e.changes],
            change_count=e.change_count,
            truncated=AuditTruncationType(**e.truncated) if e.truncated else None,
        )


@strawberry.input(name="AuditFilter", description="Every given condition must hold.")
class AuditFilterInput:
    actor: str | None = strawberry.field(default=None, description="Only this token subject's mutations.")
    operation: str | None = strawberry.field(
        default=None, description="Only this mutation, e.g. createHousehold."
    )
    entity_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only mutations naming or returning this global id."
    )
    from_: datetime | None = strawberry.field(default=None, name="from", description="Inclusive.")
    to: datetime | None = strawberry.field(default=None, description="Exclusive.")

    def to_model(self) -> AuditFilter:
        return AuditFilter(
            actor=self.actor,
            operation=self.operation,
            entity_id=str(self.entity_id) if self.entity_id is not None else None,
            occurred_from=self.from_,
            occurred_to=self.to,
        )
