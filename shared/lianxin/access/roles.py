"""Groups of roles that recur in the registry (DESIGN.md §7)."""

from __future__ import annotations

from lianxin.core.tokens import Principal, Role

# every record of every kind; AUDITOR only reads (the operation table gives it no mutation)
SEES_ALL = frozenset({Role.ADMIN, Role.AUDITOR})
ADMIN_ONLY = frozenset({Role.ADMIN})
# who does union casework: archives households, pairs sponsors, visits, pays
STAFF = frozenset({Role.ADMIN, Role.UNION_STAFF})
# who reads union casework without doing it
CASEWORK_READERS = frozenset({Role.ADMIN, Role.UNION_STAFF, Role.AUDITOR})
# who runs the webhooks of a civil-affairs agency (AUDITOR reads them)
AGENCY_ADMINS = frozenset({Role.ADMIN, Role.CIVIL_AFFAIRS})
EVERY_ROLE = frozenset(Role)


def sees_everything(caller: Principal) -> bool:
    """Whether the caller's role sees every record of every kind (no scope to check)."""
    return caller.role in SEES_ALL
