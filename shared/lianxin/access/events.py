"""What a role sees of the event stream: an event is about a record of some kind (by its type's
prefix), and a caller sees it exactly when it would see that record through the API: the kind's reach
for the role, then the kind's rules on the facts the event carries. So an agency gets no `aid.paid`,
because GraphQL shows it no disbursement, and a sponsor only what is about its own pairings.
Subscriptions and webhook endpoints alike decide here (through `lianxin.events.visibility`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from lianxin.access.kinds import KINDS, NO_KIND, Kind, Reach
from lianxin.access.rules import HouseholdScope, RecordFacts
from lianxin.core.tokens import Principal, Role


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What an event says about its record, as plain values: its type, the subject's union path (root
    first; empty when the subject has no union), region, the agency or sponsor its payload names, and
    the subject's own primary key when the subject is a record of the event's kind."""

    type: str
    union_path: tuple[int, ...] = ()
    region_code: str | None = None
    agency_id: int | None = None
    sponsor_id: int | None = None
    subject_id: int | None = None


def kind_of_event(event_type: str) -> Kind | None:
    """The kind the event is about, by the longest matching prefix; None for an unknown type."""
    found: tuple[int, Kind] | None = None
    for k in KINDS.values():
        for prefix in k.events:
            if event_type.startswith(prefix) and (found is None or len(prefix) > found[0]):
                found = (len(prefix), k)
    return found[1] if found is not None else None


def _record_facts(event: EventFacts) -> RecordFacts:
    # the event's subject stands in for the record's household: its union path and region; the only
    # pairing an event can vouch for is the one its payload names
    sponsors = (event.sponsor_id,) if event.sponsor_id is not None else ()
    household = HouseholdScope.of(event.region_code or "", event.union_path, sponsors)
    return RecordFacts(
        record_id=event.subject_id,
        sponsor_id=event.sponsor_id,
        agency_id=event.agency_id,
        union_path=event.union_path or None,
        household=household,
    )


# A sponsor's pairings are served by queries; of the stream it may ask for its reminders only.
SUBSCRIBABLE_PREFIXES: dict[Role, tuple[str, ...]] = {Role.SPONSOR: ("reminder.",)}


def may_see_event(caller: Principal, event: EventFacts) -> bool:
    """Whether `caller` may receive the event: as it may see the record the event is about, and only
    of the types its role may subscribe to. Events of a type no kind claims reach ADMIN and AUDITOR only."""
    prefixes = SUBSCRIBABLE_PREFIXES.get(caller.role)
    if prefixes is not None and not event.type.startswith(prefixes):
        return False
    k = kind_of_event(event.type) or NO_KIND
    reach = k.reach(caller.role)
    if reach is not Reach.SCOPED:
        return reach is Reach.ALL
    facts = _record_facts(event)
    return any(rule(caller, facts) for rule in k.scoped.get(caller.role, ()))


def may_subscribe(caller: Principal, types: Collection[str] | None) -> bool:
    """Whether `caller` may open a stream filtered to `types` (None: every type)."""
    prefixes = SUBSCRIBABLE_PREFIXES.get(caller.role)
    if prefixes is None:
        return True
    return bool(types) and all(t.startswith(prefixes) for t in types or ())
