"""Domain errors: services raise these, the API turns them into typed `UserError`s."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with the input: where (`field` path), what (`code`) and a sentence for people."""

    code: str
    message: str
    field: tuple[str, ...] | None = None


class DomainError(Exception):
    """A refused operation; nothing was written. Carries one or more issues."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(i.message for i in self.issues))

    @classmethod
    def single(cls, code: str, message: str, field: Sequence[str] | None = None) -> DomainError:
        return cls([Issue(code=code, message=message, field=tuple(field) if field else None)])


class NotFound(DomainError):
    """The thing referred to does not exist (or is not visible to the caller)."""


@dataclass
class IssueCollector:
    """Accumulates issues so that a caller gets every problem at once, not just the first."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, code: str, message: str, field: Sequence[str] | None = None) -> None:
        self.issues.append(Issue(code=code, message=message, field=tuple(field) if field else None))

    def raise_if_any(self) -> None:
        if self.issues:
            raise DomainError(self.issues)
