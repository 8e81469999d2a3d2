"""The limits a list query puts on a caller: the SQL counterpart of the per-record rules."""

from __future__ import annotations

from lianxin.access.kinds import Reach, reach, rules_of
from lianxin.access.rules import EVERYTHING, OWN_AGENCY, ListScope
from lianxin.core.region import RegionCodeError, region_prefix
from lianxin.core.tokens import Principal, Role


def _region_prefix(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return region_prefix(code)
    except RegionCodeError:
        return None


def list_scope(caller: Principal, kind: str) -> ListScope | None:
    """The limits a list of `kind` puts on `caller`, or None when the caller may see none of them.

    A list answers exactly the records `node(id)` shows. A scoped role whose token lacks its scope
    (no union, no valid region, no sponsor) sees nothing.
    """
    match reach(caller, kind):
        case Reach.ALL:
            return EVERYTHING
        case Reach.NONE:
            return None
    if caller.role is Role.UNION_STAFF:
        return None if caller.union_id is None else ListScope(union_root=caller.union_id)
    if caller.role is Role.SPONSOR:
        return None if caller.sponsor_id is None else ListScope(sponsor_id=caller.sponsor_id)
    if caller.role is Role.CIVIL_AFFAIRS:
        prefix = _region_prefix(caller.region_code)
        # records sent to the caller's agency (referrals) are in scope wherever their household lives
        agency_id = caller.agency_id if OWN_AGENCY in rules_of(caller, kind) else None
        if prefix is None and agency_id is None:
            return None
        return ListScope(region_prefix=prefix, agency_id=agency_id)
    return None
