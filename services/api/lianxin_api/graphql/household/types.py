"""GraphQL types of the household ledger."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.schema.name_converter import NameConverter
from strawberry.types.base import get_object_definition

from lianxin.access.fields import FULL_RULE, Shown
from lianxin.access.kinds import field_rule, shown
from lianxin.contact_card.service import has_contact_person
from lianxin.core.ids import to_global_id
from lianxin.core.money import fen_to_yuan
from lianxin.household.enums import (
    ArchiveExclusion,
    ArchiveLevel,
    AssetKind,
    Employment,
    ExpenditureKind,
    HardshipCategory,
    HardshipReason,
    Health,
    HouseholdStatus,
    IncomeKind,
    Relation,
)
from lianxin.household.models import Asset, Expenditure, Household, Income, Member
from lianxin.household.resident_id import Sex, mask_resident_id
from lianxin.matching.models import StoredDecision
from lianxin_api.contact_card import can_print, contact_card_path
from lianxin_api.context import Info
from lianxin_api.executor.plan import PLAIN_GETTER
from lianxin_api.graphql.common import ContextOnly, Edge, Node, UserError, errors_field, made
from lianxin_api.graphql.field_rules import plain_unless_restricted
from lianxin_api.graphql.household.prefetch import HouseholdPrefetch
from lianxin_api.graphql.trade_union.types import TradeUnionType
from lianxin_api.graphql.visibility import (
    only_visible,
    sees_all_of_household,
    visible,
    visible_to_all_or_none,
)

if TYPE_CHECKING:
    from lianxin_api.graphql.casework.types import VisitType
    from lianxin_api.graphql.eligibility.types import EligibilityDecisionType, ReferralType
    from lianxin_api.graphql.sponsorship.types import SponsorshipType

_ELIGIBILITY = "lianxin_api.graphql.eligibility.types"


@functools.cache
def _lazy_type(module: str, name: str) -> Any:
    """A type of a module that imports this one, looked up once (an import statement in a resolver
    costs ~1.4 µs a call, a call per household of a page)."""
    return getattr(importlib.import_module(module), name)


def _shown(info: Info, kind: str, field: str) -> Shown:
    """How much of the field the caller sees: the access registry's field rules (`lianxin.access.fields`)."""
    return shown(info.context.principal, kind, field)


def _hidden(info: Info, kind: str, field: str) -> bool:
    return _shown(info, kind, field) is Shown.HIDDEN


def _none(_source: Any) -> None:
    return None


def _id_number_getter(context: Any) -> Callable[[MemberType], str | None]:
    """`MemberType.id_number` for every member of a request (PLAIN_GETTER): full, masked or hidden is
    the caller's, decided once; a full number is still noted for the access log, member by member."""
    match shown(context.principal, "Member", "idNumber"):
        case Shown.FULL:

            def full(source: MemberType) -> str | None:
                context.unmasked_member_ids.add(source.model.id)  # access_log, flushed after execution
                return source.model.id_number

            return full
        case Shown.MASKED:
            return lambda source: mask_resident_id(source.model.id_number)
    return _none


_MAKERS: dict[tuple[str, tuple[str, ...] | None, str | None], Callable[..., Any]] = {}


def _maker(
    cls: type,
    params: str,
    head: str,
    attrs: tuple[str, ...],
    columns: tuple[str, ...] | None,
    edge_key: str | None = None,
) -> Any:
    """What `cls.from_model` makes, in one generated function of (model, *params): the instance's
    attributes written as one dict instead of through the dataclass __init__ with keyword arguments;
    `attrs` copied from the model, None for those not among `columns` (a model read with some columns
    only, whose other attributes are unset: `getattr(model, name, None)` in `from_model`), every one of
    them for None (a whole row). `head` (literal code) comes first. With `edge_key` (the model's
    attribute that is the edge's key), the instance is made into the `Edge` of a page, as
    `make_connection` makes it. One per (class, columns, edge_key)."""
    key = (cls.__name__, columns, edge_key)
    found = _MAKERS.get(key)
    if found is not None:
        return found
    if columns is not None and not all(c.isidentifier() and not c.startswith("_") for c in columns):
        raise ValueError(f"not columns: {columns}")  # (only ever from the repository's fixed lists)
    if edge_key is not None and not edge_key.isidentifier():
        raise ValueError(f"not an attribute: {edge_key}")
    values = [f"{a!r}: {'m.' + a if columns is None or a in columns else 'None'}" for a in attrs]
    lines = [
        f"def make(m{params}):",
        "    o = new(cls)",
        "    o.__dict__ = {" + ", ".join([head, *values]) + "}",
    ]
    if edge_key is None:
        lines.append("    return o")
    else:
        lines += ["    e = new(Edge)", f"    e.__dict__ = {{'key': m.{edge_key}, 'node': o}}", "    return e"]
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls, "gid": to_global_id, "Edge": Edge}
    exec("\n".join(lines), scope)  # checked identifiers and literals, as dataclasses do
    if len(_MAKERS) >= 512:  # a client picks the column lists (by its selections): kept bounded
        _MAKERS.clear()
    _MAKERS[key] = made = scope["make"]
    return made


def _member_global_id(self: Any) -> strawberry.ID:
    # made when asked for: a page of households lists hundreds of members, mostly without their ids
    return strawberry.ID(to_global_id("Member", self.model.id))


_MEMBER_ATTRS = ("name", "relation", "sex", "employment")


@strawberry.type(name="Member", description="A member of a household (家庭成员).")
class MemberType:
    model: strawberry.Private[Member]
    id: strawberry.ID = strawberry.field(
        resolver=_member_global_id,
        description="Global id of the member (what Income.memberId refers to); not resolvable by `node`.",
    )
    name: str = strawberry.field(description="Full name.")
    relation: Relation = strawberry.field(description="Relation to the head of household.")
    sex: Sex = strawberry.field(description="Derived from the resident ID number.")
    employment: Employment = strawberry.field(description="Employment situation (就业状况).")

    @classmethod
    def from_model(cls, m: Member) -> MemberType:
        # (a member read with some columns only, `Member.from_columns`, lacks the others: those
        # fields were not selected, see `prefetch.MEMBER_FIELD_COLUMNS`)
        return cls(
            model=m,
            name=getattr(m, "name", None),  # type: ignore[arg-type]
            relation=getattr(m, "relation", None),  # type: ignore[arg-type]
            sex=getattr(m, "sex", None),  # type: ignore[arg-type]
            employment=getattr(m, "employment", None),  # type: ignore[arg-type]
        )

    @classmethod
    def maker(cls, columns: tuple[str, ...] | None) -> Callable[[Member], MemberType]:
        """`from_model` for members read with `columns` (None: whole rows), without a look at each
        attribute that is not there (`_maker`)."""
        made: Callable[[Member], MemberType] = _maker(cls, "", "'model': m", _MEMBER_ATTRS, columns)
        return made

    @strawberry.field(
        description="Date of birth; null for sponsors (with the region and sex it all but gives away the "
        "ID number): they get `birthYear`.",
        metadata=plain_unless_restricted("Member", "birthDate", "model.birth_date"),
    )
    def birth_date(self, info: Info) -> date | None:
        return None if _hidden(info, "Member", "birthDate") else self.model.birth_date

    @strawberry.field(description="Year of birth, for every role that sees the member.")
    def birth_year(self) -> int | None:
        return self.model.birth_date.year if self.model.birth_date is not None else None

    @strawberry.field(
        description="Health condition (sensitive under PIPL); null for sponsors.",
        metadata=plain_unless_restricted("Member", "health", "model.health"),
    )
    def health(self, info: Info) -> Health | None:
        return None if _hidden(info, "Member", "health") else self.model.health

    @strawberry.field(
        description="Resident ID number; masked (3710**********1234) unless the role needs it.",
        metadata={PLAIN_GETTER: _id_number_getter},
    )
    def id_number(self, info: Info) -> str | None:
        match _shown(info, "Member", "idNumber"):
            case Shown.FULL:
                info.context.unmasked_member_ids.add(self.model.id)  # access_log, flushed after execution
                return self.model.id_number
            case Shown.MASKED:
                return mask_resident_id(self.model.id_number)
        return None


def _member_view_fields() -> frozenset[str]:
    # the GraphQL names of MemberType's fields that are `_MEMBER_ATTRS` copied as they are: no
    # resolver, no getter, no extension or permission, and no field rule in the access registry (a
    # field given one later drops out by itself: the rows' way then never serves it)
    names = NameConverter()
    plain = {
        names.get_graphql_name(f)
        for f in get_object_definition(MemberType, strict=True).fields
        if f.python_name in _MEMBER_ATTRS
        and f.base_resolver is None
        and not f.metadata
        and not f.extensions
        and not f.permission_classes
    }
    return frozenset({"__typename"} | {name for name in plain if field_rule("Member", name) is FULL_RULE})


# the fields of Member a selection may hold for its members to be made straight from rows
# (`prefetch.member_view_for`, `member_view_builder`)
MEMBER_VIEW_FIELDS = _member_view_fields()


def member_view_builder(columns: tuple[str, ...]) -> Callable[[Any], MemberType]:
    """What makes a MemberType straight from a member row of `columns`, for a selection of
    `MEMBER_VIEW_FIELDS` only: `_MEMBER_ATTRS` as `from_model` copies them from a partial model, and no
    `model` (no field of such a selection reads it; anything else that did would fail loudly)."""
    return Member.view_builder(MemberType, columns, _MEMBER_ATTRS)


@strawberry.type(name="Income", description="A monthly income (yuan).")
class IncomeType:
    kind: IncomeKind = strawberry.field(description="What the income is; EXEMPT is not counted.")
    monthly_amount: Decimal = strawberry.field(description="Yuan per month.")
    member_id: strawberry.ID | None = strawberry.field(
        description="The Member (Member.id) who earns it; null for the household's own income."
    )


@strawberry.type(name="Expenditure", description="Rigid out-of-pocket expenditure per year (yuan).")
class ExpenditureType:
    kind: ExpenditureKind = strawberry.field(description="What the money was spent on.")
    annual_amount: Decimal = strawberry.field(description="Yuan per year, out of pocket.")


@strawberry.type(name="Asset", description="Household property; `value` is per item.")
class AssetType:
    kind: AssetKind = strawberry.field(description="What the property is.")
    value: Decimal = strawberry.field(description="Value of each item, yuan.")
    count: int = strawberry.field(description="How many such items.")


def income_type(income: Income, members: list[Member]) -> IncomeType:
    member_id = None
    if income.member_position is not None:
        member = next((m for m in members if m.position == income.member_position), None)
        member_id = strawberry.ID(to_global_id("Member", member.id)) if member else None
    return made(
        IncomeType,
        {"kind": income.kind, "monthly_amount": fen_to_yuan(income.monthly_fen), "member_id": member_id},
    )


def _expenditure_types(items: list[Expenditure]) -> list[ExpenditureType]:
    return [
        made(ExpenditureType, {"kind": e.kind, "annual_amount": fen_to_yuan(e.annual_fen)}) for e in items
    ]


def _asset_types(items: list[Asset]) -> list[AssetType]:
    return [
        made(AssetType, {"kind": a.kind, "value": fen_to_yuan(a.value_fen), "count": a.count}) for a in items
    ]


def _visible_phone(info: Info, household: Household, field: str) -> str | None:
    return None if _hidden(info, "Household", field) else household.contact_phone


@strawberry.type(
    name="ContactPerson", description="The union staff member a household turns to (联系人, on its 连心牌)."
)
class ContactPersonType:
    name: str | None = strawberry.field(
        description="The contact person's name; null while only a phone is recorded."
    )
    phone: str | None = strawberry.field(description="Null for sponsors.")


def _contact_person_getter(context: Any) -> Callable[[HouseholdType], ContactPersonType | None]:
    """`HouseholdType.contact_person` for every household of a request (PLAIN_GETTER): whether the
    phone is hidden is the caller's, decided once."""
    hide_phone = shown(context.principal, "Household", "contactPerson.phone") is Shown.HIDDEN

    def contact_person(source: HouseholdType) -> ContactPersonType | None:
        m = source.model
        # null when nothing the caller may see is recorded: a phone alone is no contact person to
        # a caller who may not see the phone (an object of nulls would tell it one is on record)
        if not (m.contact_name or (m.contact_phone and not hide_phone)):
            return None
        # (`made`: what the constructor makes of both fields, one per household of a page)
        phone = None if hide_phone else m.contact_phone
        return made(ContactPersonType, {"name": m.contact_name, "phone": phone})

    return contact_person


def _contact_card_url_getter(context: Any) -> Callable[[HouseholdType], str | None]:
    """`HouseholdType.contact_card_url` for every household of a request (PLAIN_GETTER): whether the
    caller may print cards is decided once."""
    if not can_print(context.principal):
        return _none

    def contact_card_url(source: HouseholdType) -> str | None:
        # (its global id is the household's `id`, made with it: see `from_model`, `maker`)
        return contact_card_path(source.model.id, source.id) if has_contact_person(source.model) else None

    return contact_card_url


@strawberry.type(name="StatusChange", description="One change of a household's status, as recorded.")
class StatusChangeType:
    changed_on: date = strawberry.field(description="The day the status changed (LIANXIN_TZ).")
    from_status: HouseholdStatus = strawberry.field(name="from", description="The status before.")
    to_status: HouseholdStatus = strawberry.field(name="to", description="The status after.")
    reason: str | None = strawberry.field(
        description="Why, as the caseworker wrote it; null for sponsors (like Household.statusReason)."
    )


_HOUSEHOLD_ATTRS = (
    "archive_no",
    "level",
    "category",
    "status",
    "status_changed_on",
    "region_code",
    "contact_name",
    "archived_on",
    "version",
)


# The list fields of `Household`, for every household of a request (PLAIN_GETTER; the resolvers call
# the same): answered synchronously from the page's prefetch when there is one (no task per household),
# else loaded (an awaitable). What depends on the caller only (a field rule, a reach) is decided once.


def _members_getter(context: Any) -> Callable[[HouseholdType], Any]:
    info = cast(Info, ContextOnly(context))

    def members(source: HouseholdType) -> Any:
        p = source.prefetch
        if p is not None:
            # made straight from the rows (`prefetch.member_view_for`), or from the models at once
            made = p.member_types
            if made is None and p.has_members:  # (one list per household, read-only)
                make = MemberType.maker(None if p.members_whole else p.member_columns)
                made = p.member_types = {h: [make(m) for m in ms] for h, ms in p.members.items()}
            if made is not None:
                found = made.get(source.model.id)
                return [] if found is None else found
        return source._members_later(info)

    return members


def _incomes_getter(context: Any) -> Callable[[HouseholdType], Any]:
    info = cast(Info, ContextOnly(context))
    if _hidden(info, "Household", "incomes"):
        return _empty

    def incomes(source: HouseholdType) -> Any:
        p = source.prefetch
        if p is not None and p.has_incomes and p.has_members:
            items = p.incomes.get(source.model.id, [])
            members = p.members.get(source.model.id, []) if items else []
            return [income_type(i, members) for i in items]
        return source._incomes_later(info)

    return incomes


def _hidden_list_getter(
    field: str, make: Callable[[list[Any]], list[Any]]
) -> Callable[[Any], Callable[[HouseholdType], Any]]:
    """The getter (PLAIN_GETTER) of a household's list `field` that a field rule may hide whole
    (expenditures, assets): empty for a caller who may not see it, else made (`make`) from the page's
    prefetch of that list when there is one, else loaded (`_<field>_later`)."""
    has, later = f"has_{field}", f"_{field}_later"

    def getter(context: Any) -> Callable[[HouseholdType], Any]:
        info = cast(Info, ContextOnly(context))
        if _hidden(info, "Household", field):
            return _empty

        def read(source: HouseholdType) -> Any:
            p = source.prefetch
            if p is not None and getattr(p, has):
                return make(getattr(p, field).get(source.model.id, []))
            return getattr(source, later)(info)

        return read

    return getter


_expenditures_getter = _hidden_list_getter("expenditures", _expenditure_types)
_assets_getter = _hidden_list_getter("assets", _asset_types)


def _sponsorships_getter(context: Any) -> Callable[[HouseholdType], Any]:
    info = cast(Info, ContextOnly(context))
    # the page's prefetch serves callers who see every pairing of a household they see
    all_of_household = sees_all_of_household(info, "Sponsorship")

    def sponsorships(source: HouseholdType) -> Any:
        p = source.prefetch
        if p is not None and p.has_sponsorships and all_of_household:
            made = p.sponsorship_types
            if made is None:  # the page's pairings, made at once (one list per household, read-only)
                made = p.sponsorship_types = _page_sponsorships(p)
            found = made.get(source.model.id)
            return [] if found is None else found
        return source._sponsorships_later(info)

    return sponsorships


def _page_sponsorships(p: HouseholdPrefetch) -> dict[int, list[Any]]:
    sponsorship_type = _lazy_type("lianxin_api.graphql.sponsorship.types", "SponsorshipType")
    sponsors = p.sponsors if p.has_sponsors else {}
    organization_type = _lazy_type("lianxin_api.graphql.organization.types", "OrganizationType")
    # one Organization object per sponsor, shared by its pairings (read-only)
    orgs = {k: organization_type.from_model(o) for k, o in sponsors.items()}
    return {
        h: [sponsorship_type.from_model(s, sponsors.get(s.sponsor_id), orgs.get(s.sponsor_id)) for s in ss]
        for h, ss in p.sponsorships.items()
    }


def _latest_decision_getter(context: Any) -> Callable[[HouseholdType], Any]:
    info = cast(Info, ContextOnly(context))
    decision_type = _lazy_type(_ELIGIBILITY, "EligibilityDecisionType")
    # whether the caller's reach decides without a look at the decision (ALL or NONE)
    seen = visible_to_all_or_none(info, "EligibilityDecision")

    def latest_decision(source: HouseholdType) -> Any:
        p = source.prefetch
        if p is not None and p.has_decisions:
            decision = p.decisions.get(source.model.id)
            if seen is not None:
                return decision_type.from_model(decision) if decision is not None and seen else None
            # the prefetch's (perhaps without its trace, which the selection does not show), checked
            return source._latest_decision_checked(info, decision)
        return source._latest_decision_later(info)  # loaded and checked as any decision

    return latest_decision


def _union_getter(context: Any) -> Callable[[HouseholdType], Any]:
    info = cast(Info, ContextOnly(context))
    # whether the caller's reach decides without a look at the union (ALL or NONE)
    seen = visible_to_all_or_none(info, "TradeUnion")

    def union(source: HouseholdType) -> Any:
        p = source.prefetch
        if p is not None and p.has_unions and seen is not None:
            found = p.unions.get(source.model.union_id)
            if found is None or not seen:
                return None
            made = p.union_types.get(found.id)
            if made is None:  # one object per union of the page, shared by its households (read-only)
                made = p.union_types[found.id] = TradeUnionType.from_model(found)
            return made
        return source._union_later(info)  # loaded and checked as any union

    return union


def _empty(_source: Any) -> list[Any]:
    return []


@strawberry.type(name="Household", description="A household in hardship (困难职工家庭), as archived.")
class HouseholdType(Node):
    model: strawberry.Private[Household]
    archive_no: str = strawberry.field(description="Archive number (档案编号), unique.")
    level: ArchiveLevel = strawberry.field(description="Archive level (建档级别).")
    category: HardshipCategory = strawberry.field(
        description="Hardship category (困难类别) as the caseworker set it; decisions only suggest one "
        "(EligibilityDecision.suggestedCategory)."
    )
    status: HouseholdStatus = strawberry.field(description="Whether the household is still helped.")
    status_changed_on: date | None = strawberry.field(
        description="When the status last changed; null while it never changed."
    )
    region_code: str = strawberry.field(
        description="Where the household lives: GB/T 2260 code (6 digits); picks its 低保 policy."
    )
    contact_name: str | None = strawberry.field(description="Union staff contact (联系人).")
    archived_on: date = strawberry.field(
        description="When the household was archived (建档): given on creation or import, else that day."
    )
    version: int = strawberry.field(
        description="Increases with every update; pass as expectedVersion to lock."
    )
    prefetch: strawberry.Private[HouseholdPrefetch | None] = None

    @classmethod
    def from_model(cls, h: Household, prefetch: HouseholdPrefetch | None = None) -> HouseholdType:
        # (a household read with some columns only, `Household.from_columns`, lacks the others:
        # those fields were not selected, see `prefetch.HOUSEHOLD_FIELD_COLUMNS`)
        return cls(
            id=strawberry.ID(to_global_id("Household", h.id)),
            model=h,
            prefetch=prefetch,
            archive_no=getattr(h, "archive_no", None),  # type: ignore[arg-type]
            level=getattr(h, "level", None),  # type: ignore[arg-type]
            category=getattr(h, "category", None),  # type: ignore[arg-type]
            status=getattr(h, "status", None),  # type: ignore[arg-type]
            status_changed_on=getattr(h, "status_changed_on", None),
            region_code=getattr(h, "region_code", None),  # type: ignore[arg-type]
            contact_name=getattr(h, "contact_name", None),
            archived_on=getattr(h, "archived_on", None),  # type: ignore[arg-type]
            version=getattr(h, "version", None),  # type: ignore[arg-type]
        )

    @classmethod
    def maker(
        cls, columns: tuple[str, ...] | None
    ) -> Callable[[Household, HouseholdPrefetch | None], HouseholdType]:
        """`from_model` for households read with `columns` (None: whole rows), without a look at each
        attribute that is not there (`_maker`)."""
        head = "'id': gid('Household', m.id), 'model': m, 'prefetch': prefetch"
        made: Callable[[Household, HouseholdPrefetch | None], HouseholdType]
        made = _maker(cls, ", prefetch", head, _HOUSEHOLD_ATTRS, columns)
        return made

    @classmethod
    def edge_maker(
        cls, columns: tuple[str, ...] | None
    ) -> Callable[[Household, HouseholdPrefetch | None], Edge[HouseholdType]]:
        """`maker`'s household made into its page's edge (keyed by its id) in the same call: a page's
        edges at one call each (`connection_of`)."""
        head = "'id': gid('Household', m.id), 'model': m, 'prefetch': prefetch"
        made: Callable[[Household, HouseholdPrefetch | None], Edge[HouseholdType]]
        made = _maker(cls, ", prefetch", head, _HOUSEHOLD_ATTRS, columns, edge_key="id")
        return made

    @strawberry.field(
        description="Why the status last changed, as the caseworker wrote it; null for sponsors (it "
        "often names an illness or an income).",
        metadata=plain_unless_restricted("Household", "statusReason", "model.status_reason"),
    )
    def status_reason(self, info: Info) -> str | None:
        return None if _hidden(info, "Household", "statusReason") else self.model.status_reason

    @strawberry.field(
        description="Every change of status, oldest first (empty while it never changed); the reasons "
        "are null for sponsors, like statusReason."
    )
    async def status_history(self, info: Info) -> list[StatusChangeType]:
        hide = _hidden(info, "Household", "statusHistory.reason")
        changes = await info.context.loaders.status_changes_by_household.load(self.model.id)
        return [
            StatusChangeType(
                changed_on=c.changed_on,
                from_status=c.from_status,
                to_status=c.to_status,
                reason=None if hide else c.reason,
            )
            for c in changes
        ]

    @strawberry.field(
        description="Why the household is in hardship; sponsors do not get the health-related reasons "
        "(ILLNESS, DISABILITY, ACCIDENT).",
        metadata=plain_unless_restricted("Household", "hardshipReasons", "model.hardship_reasons", ()),
    )
    def hardship_reasons(self, info: Info) -> list[HardshipReason]:
        reasons = list(self.model.hardship_reasons)
        match _shown(info, "Household", "hardshipReasons"):
            case Shown.FULL:
                return reasons
            case Shown.FILTERED:
                withheld = field_rule("Household", "hardshipReasons").withheld
                return [r for r in reasons if r.value not in withheld]
        return []

    @strawberry.field(
        description="RULES.md v2: a member was injured, disabled or killed in a natural disaster, major "
        "accident, epidemic or public-safety event (→ ACCIDENT); null for sponsors (health detail).",
        metadata=plain_unless_restricted("Household", "majorEventCasualty", "model.major_event_casualty"),
    )
    def major_event_casualty(self, info: Info) -> bool | None:
        return None if _hidden(info, "Household", "majorEventCasualty") else self.model.major_event_casualty

    @strawberry.field(
        description="RULES.md v2: circumstances that give the household no union category; empty for "
        "sponsors.",
        metadata=plain_unless_restricted("Household", "exclusions", "model.exclusions", ()),
    )
    def exclusions(self, info: Info) -> list[ArchiveExclusion]:
        return [] if _hidden(info, "Household", "exclusions") else list(self.model.exclusions)

    @strawberry.field(
        description="The contact person's phone; hidden from sponsors.",
        metadata=plain_unless_restricted("Household", "contactPhone", "model.contact_phone"),
    )
    def contact_phone(self, info: Info) -> str | None:
        return _visible_phone(info, self.model, "contactPhone")

    @strawberry.field(
        description="The contact person (联系人) with phone; null while neither is recorded, and for a "
        "caller who may not see the phone (sponsors) while no name is "
        "(find the gaps with `households(filter: {withoutContactPerson: true})`).",
        metadata={PLAIN_GETTER: _contact_person_getter},
    )
    def contact_person(self, info: Info) -> ContactPersonType | None:
        return _contact_person_getter(info.context)(self)

    @strawberry.field(
        description="Where to download the household's contact card (连心牌) as PDF, relative to the "
        "API root (send the same Authorization header). Null unless the caller may print cards (ADMIN, "
        "UNION_STAFF) and the household has a contact person with phone.",
        metadata={PLAIN_GETTER: _contact_card_url_getter},
    )
    def contact_card_url(self, info: Info) -> str | None:
        if not can_print(info.context.principal) or not has_contact_person(self.model):
            return None
        return contact_card_path(self.model.id)

    @strawberry.field(
        description="The union that archived it; null for roles that do not see the union tree.",
        metadata={PLAIN_GETTER: _union_getter},
    )
    def union(self, info: Info) -> TradeUnionType | None:
        # answered synchronously from the page's prefetch when the caller's reach decides without a
        # look at the union (ALL or NONE); else loaded and checked as any union
        return cast(TradeUnionType | None, _union_getter(info.context)(self))

    async def _union_later(self, info: Info) -> TradeUnionType | None:
        union = await info.context.loaders.union_by_id.load(self.model.union_id)
        if union is None or not await visible(info, "TradeUnion", union):
            return None
        return TradeUnionType.from_model(union)

    @strawberry.field(
        description="Members in the order given, head first by convention.",
        metadata={PLAIN_GETTER: _members_getter},
    )
    def members(self, info: Info) -> list[MemberType]:
        return cast(list[MemberType], _members_getter(info.context)(self))

    async def _members_later(self, info: Info) -> list[MemberType]:
        make = MemberType.maker(None)  # the loader reads whole rows
        return [make(m) for m in await info.context.loaders.members_by_household.load(self.model.id)]

    @strawberry.field(
        description="Monthly incomes; empty for sponsors (a pairing needs no finances).",
        metadata={PLAIN_GETTER: _incomes_getter},
    )
    def incomes(self, info: Info) -> list[IncomeType]:
        return cast(list[IncomeType], _incomes_getter(info.context)(self))

    async def _incomes_later(self, info: Info) -> list[IncomeType]:
        loaders = info.context.loaders
        incomes = await loaders.incomes_by_household.load(self.model.id)
        members = await loaders.members_by_household.load(self.model.id) if incomes else []
        return [income_type(i, members) for i in incomes]

    @strawberry.field(
        description="Rigid expenditures (medical, education…); empty for sponsors: medical spending is "
        "health detail.",
        metadata={PLAIN_GETTER: _expenditures_getter},
    )
    def expenditures(self, info: Info) -> list[ExpenditureType]:
        return cast(list[ExpenditureType], _expenditures_getter(info.context)(self))

    async def _expenditures_later(self, info: Info) -> list[ExpenditureType]:
        items: list[Expenditure] = await info.context.loaders.expenditures_by_household.load(self.model.id)
        return _expenditure_types(items)

    @strawberry.field(description="Assets; empty for sponsors.", metadata={PLAIN_GETTER: _assets_getter})
    def assets(self, info: Info) -> list[AssetType]:
        return cast(list[AssetType], _assets_getter(info.context)(self))

    async def _assets_later(self, info: Info) -> list[AssetType]:
        items: list[Asset] = await info.context.loaders.assets_by_household.load(self.model.id)
        return _asset_types(items)

    @strawberry.field(
        description="Sponsorship pairings (结对帮扶), current and ended; a SPONSOR sees its own only.",
        metadata={PLAIN_GETTER: _sponsorships_getter},
    )
    def sponsorships(
        self, info: Info
    ) -> list[Annotated[SponsorshipType, strawberry.lazy("lianxin_api.graphql.sponsorship.types")]]:
        return cast("list[SponsorshipType]", _sponsorships_getter(info.context)(self))

    async def _sponsorships_later(self, info: Info) -> list[SponsorshipType]:
        from lianxin_api.graphql.sponsorship.types import SponsorshipType

        pairs = await info.context.loaders.sponsorships_by_household.load(self.model.id)
        return [SponsorshipType.from_model(s) for s in await only_visible(info, "Sponsorship", pairs)]

    @strawberry.field(
        description="The current eligibility decision (null until the worker decides).",
        metadata={PLAIN_GETTER: _latest_decision_getter},
    )
    def latest_decision(
        self, info: Info
    ) -> Annotated[EligibilityDecisionType, strawberry.lazy(_ELIGIBILITY)] | None:
        return cast("EligibilityDecisionType | None", _latest_decision_getter(info.context)(self))

    async def _latest_decision_later(self, info: Info) -> EligibilityDecisionType | None:
        decision = await info.context.loaders.latest_decision_by_household.load(self.model.id)
        return await self._latest_decision_checked(info, decision)

    async def _latest_decision_checked(
        self, info: Info, decision: StoredDecision | None
    ) -> EligibilityDecisionType | None:
        from lianxin_api.graphql.eligibility.types import EligibilityDecisionType

        if decision is None or not await visible(info, "EligibilityDecision", decision):
            return None
        return EligibilityDecisionType.from_model(decision)

    @strawberry.field(description="Every decision, newest first.")
    async def decisions(
        self, info: Info
    ) -> list[Annotated[EligibilityDecisionType, strawberry.lazy(_ELIGIBILITY)]]:
        from lianxin_api.graphql.eligibility.types import EligibilityDecisionType

        items = await info.context.loaders.decisions_by_household.load(self.model.id)
        return [
            EligibilityDecisionType.from_model(d)
            for d in await only_visible(info, "EligibilityDecision", items)
        ]

    @strawberry.field(description="Referrals to civil affairs, newest first.")
    async def referrals(self, info: Info) -> list[Annotated[ReferralType, strawberry.lazy(_ELIGIBILITY)]]:
        from lianxin_api.graphql.eligibility.types import ReferralType

        items = await info.context.loaders.referrals_by_household.load(self.model.id)
        return [ReferralType.from_model(r) for r in await only_visible(info, "Referral", items)]

    @strawberry.field(description="Survey visits (入户调研), newest first, each with its plan (因户施策).")
    async def visits(
        self, info: Info
    ) -> list[Annotated[VisitType, strawberry.lazy("lianxin_api.graphql.casework.types")]]:
        from lianxin_api.graphql.casework.types import VisitType

        visits = await info.context.loaders.visits_by_household.load(self.model.id)
        return [VisitType.from_model(v) for v in await only_visible(info, "Visit", visits)]


@strawberry.type(name="HouseholdPayload", description="Result of createHousehold or updateHousehold.")
class HouseholdPayload:
    household: HouseholdType | None = strawberry.field(
        description="The household as stored after the change; null when errors is not empty."
    )
    errors: list[UserError] = errors_field()
