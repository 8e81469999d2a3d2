"""Page-level prefetch for `households`: nested lists loaded once per page, a statement each at most.

The lists the selection needs are read on the request's connection (not through DataLoaders' per-key
futures, each batch on a connection of its own: every acquire costs the pool's reset round trip), a
household's screen all in one combined statement, a page's in one statement per long list and one
for the short ones (`read_parts`); the results are primed into the request's loaders, so a later
`load` of the same key is answered from the cache as before."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lianxin.core.db import Connection
from lianxin.core.plan_shapes import combined, for_ids
from lianxin.household import repository as household_repo
from lianxin.household.models import Asset, Expenditure, Income, Member
from lianxin.household.repository import RowsPart
from lianxin.matching import repository as matching_repo
from lianxin.matching.models import StoredDecision
from lianxin.organization.models import Organization
from lianxin.sponsorship import repository as sponsorship_repo
from lianxin.sponsorship.models import Sponsorship
from lianxin.trade_union import repository as union_repo
from lianxin.trade_union.models import TradeUnion
from lianxin_api.context import Info

T = TypeVar("T")

# The columns each field of `Household` reads from its model (the resolvers' `self.model.<column>`,
# `HouseholdType.from_model`); the lists and records of a household are read by its id. A field not
# named here reads the whole row: a new field is correct before it is listed, only slower.
HOUSEHOLD_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "__typename": (),
    "id": ("id",),
    "archiveNo": ("archive_no",),
    "level": ("level",),
    "category": ("category",),
    "status": ("status",),
    "statusChangedOn": ("status_changed_on",),
    "regionCode": ("region_code",),
    "contactName": ("contact_name",),
    "archivedOn": ("archived_on",),
    "version": ("version",),
    "statusReason": ("status_reason",),
    "hardshipReasons": ("hardship_reasons",),
    "majorEventCasualty": ("major_event_casualty",),
    "exclusions": ("exclusions",),
    "contactPhone": ("contact_phone",),
    "contactPerson": ("contact_name", "contact_phone"),
    "contactCardUrl": ("id", "contact_name", "contact_phone"),
    "union": ("union_id",),
    **dict.fromkeys(
        (
            "statusHistory",
            "members",
            "incomes",
            "expenditures",
            "assets",
            "sponsorships",
            "latestDecision",
            "decisions",
            "referrals",
            "visits",
        ),
        ("id",),
    ),
}
# every page reads these: the cursor, the prefetch of the page's unions
_HOUSEHOLD_ALWAYS = ("id", "union_id")

# The same for `Member`; members are grouped by household and kept in order (`position`), and incomes
# name their member by position and id, so those three are always read.
MEMBER_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "__typename": (),
    "id": ("id",),
    "name": ("name",),
    "relation": ("relation",),
    "sex": ("sex",),
    "employment": ("employment",),
    "birthDate": ("birth_date",),
    "birthYear": ("birth_date",),
    "health": ("health",),
    "idNumber": ("id", "id_number"),
}
_MEMBER_ALWAYS = ("id", "household_id", "position")


# (paths, base, id of the field map, always) → `columns_for`: the paths of a document's field are one
# remembered frozenset (`selection.selected_paths`), so a cached document asks the same question each time
_COLUMNS: dict[tuple[frozenset[str], str, int, tuple[str, ...]], tuple[str, ...] | None] = {}


def columns_for(
    paths: AbstractSet[str], base: str, fields: dict[str, tuple[str, ...]], always: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The columns the fields selected right under `base` (e.g. "edges.node.") read, or None for
    every column (a field not in `fields`). Remembered for frozen paths and this module's field maps."""
    if type(paths) is not frozenset or (
        fields is not HOUSEHOLD_FIELD_COLUMNS and fields is not MEMBER_FIELD_COLUMNS
    ):
        return _columns_for(paths, base, fields, always)
    key = (paths, base, id(fields), always)
    try:
        return _COLUMNS[key]
    except KeyError:
        pass
    found = _columns_for(paths, base, fields, always)
    if len(_COLUMNS) >= 1024:  # a client picks the selections: kept bounded
        _COLUMNS.clear()
    _COLUMNS[key] = found
    return found


def _columns_for(
    paths: AbstractSet[str], base: str, fields: dict[str, tuple[str, ...]], always: tuple[str, ...]
) -> tuple[str, ...] | None:
    out = set(always)
    cut = len(base)
    for path in paths:
        if path.startswith(base):
            name = path[cut:]
            if "." in name:
                continue
            found = fields.get(name)
            if found is None:
                return None
            out.update(found)
    return tuple(sorted(out))


def household_columns(paths: AbstractSet[str], base: str) -> tuple[str, ...] | None:
    """The household columns a page's selection under `base` needs (None: all of them)."""
    return columns_for(paths, base, HOUSEHOLD_FIELD_COLUMNS, _HOUSEHOLD_ALWAYS)


@dataclass
class HouseholdPrefetch:
    members: dict[int, list[Member]] = field(default_factory=dict)
    sponsorships: dict[int, list[Sponsorship]] = field(default_factory=dict)
    sponsors: dict[int, Organization] = field(default_factory=dict)
    unions: dict[int, TradeUnion] = field(default_factory=dict)
    # the GraphQL objects made of `unions`, one per union (shared by its households)
    union_types: dict[int, Any] = field(default_factory=dict)
    incomes: dict[int, list[Income]] = field(default_factory=dict)
    # the current decision by household (None: not decided yet), not yet checked for visibility
    decisions: dict[int, StoredDecision | None] = field(default_factory=dict)
    expenditures: dict[int, list[Expenditure]] = field(default_factory=dict)
    assets: dict[int, list[Asset]] = field(default_factory=dict)
    has_members: bool = False
    # `members` are whole rows (not `Member.from_columns`): only then may other paths reuse them
    members_whole: bool = False
    # the columns `members` were read with (None: whole rows)
    member_columns: tuple[str, ...] | None = None
    has_expenditures: bool = False
    has_assets: bool = False
    has_incomes: bool = False
    has_decisions: bool = False
    # `decisions` were read with their trace: only then may other paths reuse them
    decisions_whole: bool = False
    has_sponsorships: bool = False
    has_sponsors: bool = False
    has_unions: bool = False
    # the GraphQL objects made of `members` and `sponsorships` by household, for the whole page at
    # once on the first household's call (`HouseholdType.members`, `HouseholdType.sponsorships`)
    member_types: dict[int, list[Any]] | None = None
    sponsorship_types: dict[int, list[Any]] | None = None


def _grouped(rows: list[T], ids: list[int]) -> dict[int, list[T]]:
    """The rows by household, every id present."""
    groups: dict[int, list[T]] = {i: [] for i in ids}
    for row in rows:
        groups[row.household_id].append(row)  # type: ignore[attr-defined]
    return groups


async def prefetch_households(
    info: Info,
    ids: list[int],
    paths: AbstractSet[str],
    base: str,
    *,
    unions: bool = False,
    in_scope: bool = True,
) -> HouseholdPrefetch:
    """Load what the selection under `base` (e.g. "edges.node.") needs for households `ids` (and, with
    `unions`, their unions). Pairings only when the households were listed within the caller's scope
    (`in_scope`, `scope_for`): `sponsorships` serves them unfiltered to callers who see every pairing
    of a household they see."""
    recipe = household_parts(paths, base, unions=unions, in_scope=in_scope)
    if not ids or not recipe.parts:
        return HouseholdPrefetch()
    async with info.context.loaders.reads.acquire() as conn:
        lists = await read_parts(conn, recipe.parts, ids)
    p = recipe.keep(lists, ids)
    prime(info, p)
    return p


async def read_parts(conn: Connection, parts: Sequence[RowsPart], ids: list[int]) -> list[list[Any]]:
    """The models of every part, for households `ids`. For one household, one statement reads them
    all (`plan_shapes.combined`, one array of rows each): one round trip instead of one per list. For
    a page, a list of about a row or more per household (members, incomes, decisions…) is read by its
    own statement, as rows: asyncpg decodes an array of row values at ~1.5 µs per element more than
    the same rows, more than a round trip saves for a hundred; the lists of a few rows per page
    (`_FEW`: pairings, their sponsors, unions) are read together by one combined statement."""
    if len(ids) == 1:
        return await _read_combined(conn, parts, ids)
    found: list[list[Any]] = [[] for _ in parts]
    few = [k for k, (sql, _) in enumerate(parts) if sql in _FEW]
    if len(few) < 2:  # (one alone: its rows, as decoded fastest)
        few = []
    for k, (sql, build) in enumerate(parts):
        if k not in few:
            found[k] = build(await conn.fetch(*for_ids(sql, ids)))
    if few:
        for k, models in zip(few, await _read_combined(conn, [parts[k] for k in few], ids), strict=True):
            found[k] = models
    return found


async def _read_combined(conn: Connection, parts: Sequence[RowsPart], ids: list[int]) -> list[list[Any]]:
    return build_rows(parts, await read_rows(conn, parts, ids))


async def read_rows(conn: Connection, parts: Sequence[RowsPart], ids: list[int]) -> list[Any]:
    """The rows of every part, read by one combined statement, not yet made models (`build_rows`)."""
    statement = combined(tuple(sql for sql, _ in parts), len(ids) == 1)
    row = await conn.fetchrow(statement, ids[0] if len(ids) == 1 else ids)
    assert row is not None  # (one row of arrays, always)
    return [row[k] for k in range(len(parts))]


def build_rows(parts: Sequence[RowsPart], rows: Sequence[Any]) -> list[list[Any]]:
    """The models of each part's rows (`read_rows`)."""
    return [build(found) for (_, build), found in zip(parts, rows, strict=True)]


# the statements of the lists that have a few rows per page, not one or more per household
_FEW = frozenset(
    {
        sponsorship_repo.sponsorships_part()[0],
        union_repo.unions_of_households_part()[0],
    }
)


@dataclass(frozen=True)
class Recipe:
    """What a selection under `base` needs read for its households (see `prefetch_households`): the
    repository's part of each list, what each is kept as in a `HouseholdPrefetch` (`keep`), and how
    the lists were read (the prefetch's flags). The same for every request of a document."""

    parts: tuple[RowsPart, ...]
    kinds: tuple[str, ...]
    decisions_whole: bool = False
    member_columns: tuple[str, ...] | None = None
    has_sponsors: bool = False
    # for "member_views" (members read as rows): what makes each row the member's GraphQL object, and
    # the household id's place in the row
    member_view: Callable[[Any], Any] | None = None
    member_view_household: int = 0

    def keep(self, lists: list[list[Any]], ids: list[int]) -> HouseholdPrefetch:
        """The prefetch of households `ids` made of the models read for `parts` (in their order)."""
        p = HouseholdPrefetch()
        p.decisions_whole, p.has_sponsors = self.decisions_whole, self.has_sponsors
        p.member_columns = self.member_columns
        p.members_whole = "members" in self.kinds and self.member_columns is None
        for kind, items in zip(self.kinds, lists, strict=True):
            if kind == "decisions":
                p.decisions = dict.fromkeys(ids)
                for d in items:
                    p.decisions[d.household_id] = d
                p.has_decisions = True
            elif kind == "sponsorships_with_sponsors":  # (pairing, sponsor) pairs
                p.sponsorships = _grouped([pairing for pairing, _ in items], ids)
                p.has_sponsorships = True
                p.sponsors = {sponsor.id: sponsor for _, sponsor in items}
            elif kind == "unions":
                p.unions = {u.id: u for u in items}
                p.has_unions = True
            elif kind == "member_views":  # the members' objects by household, straight from the rows
                views: dict[int, list[Any]] = {i: [] for i in ids}
                make, at = self.member_view, self.member_view_household
                assert make is not None
                for row in items:
                    views[row[at]].append(make(row))
                p.member_types = views
            else:  # a list by household
                setattr(p, kind, _grouped(items, ids))
                setattr(p, f"has_{kind}", True)
        return p


# (paths, base, unions, in_scope) → `household_parts`, for a document's remembered (frozen) paths
_RECIPES: dict[tuple[frozenset[str], str, bool, bool], Recipe] = {}


def household_parts(
    paths: AbstractSet[str], base: str, *, unions: bool = False, in_scope: bool = True
) -> Recipe:
    """The lists the selection under `base` needs (see `prefetch_households`), remembered for frozen
    paths (`selection.selected_paths`): a cached document asks the same question each time."""
    if type(paths) is not frozenset:
        return _household_parts(paths, base, unions, in_scope)
    key = (paths, base, unions, in_scope)
    found = _RECIPES.get(key)
    if found is None:
        found = _household_parts(paths, base, unions, in_scope)
        if len(_RECIPES) >= 1024:  # a client picks the selections: kept bounded
            _RECIPES.clear()
        _RECIPES[key] = found
    return found


def _household_parts(paths: AbstractSet[str], base: str, unions: bool, in_scope: bool) -> Recipe:
    parts: list[tuple[RowsPart, str]] = []
    want_incomes = f"{base}incomes" in paths
    decisions_whole = has_sponsors = False
    member_columns = None
    if f"{base}expenditures" in paths:
        parts.append((household_repo.expenditures_part(), "expenditures"))
    if f"{base}assets" in paths:
        parts.append((household_repo.assets_part(), "assets"))
    if want_incomes:
        parts.append((household_repo.incomes_part(), "incomes"))
    if f"{base}latestDecision" in paths:
        # the trace (a few KB of JSON each) only when the selection shows it
        decisions_whole = f"{base}latestDecision.trace" in paths
        parts.append((matching_repo.latest_decisions_part(trace=decisions_whole), "decisions"))
    member_view, member_view_household = None, 0
    if f"{base}members" in paths or want_incomes:  # incomes name their member
        member_columns = columns_for(paths, f"{base}members.", MEMBER_FIELD_COLUMNS, _MEMBER_ALWAYS)
        view = None if want_incomes else member_view_for(paths, f"{base}members.")
        if view is not None and member_columns is not None:
            # (rows kept in the statement's order, grouped by household: no id or position read)
            columns = columns_for(paths, f"{base}members.", MEMBER_FIELD_COLUMNS, ("household_id",))
            assert columns is not None
            part, ordered = household_repo.member_rows_part(columns)
            parts.append((part, "member_views"))
            member_view, member_view_household = view(ordered), ordered.index("household_id")
        else:
            parts.append((household_repo.members_part(member_columns), "members"))
    if in_scope and f"{base}sponsorships" in paths:
        has_sponsors = f"{base}sponsorships.sponsor" in paths
        if has_sponsors:  # each pairing with its sponsor, by one join
            parts.append((sponsorship_repo.sponsorships_with_sponsors_part(), "sponsorships_with_sponsors"))
        else:
            parts.append((sponsorship_repo.sponsorships_part(), "sponsorships"))
    if unions and f"{base}union" in paths:
        parts.append((union_repo.unions_of_households_part(), "unions"))
    return Recipe(
        tuple(part for part, _ in parts),
        tuple(kind for _, kind in parts),
        decisions_whole,
        member_columns,
        has_sponsors,
        member_view,
        member_view_household,
    )


def member_view_for(
    paths: AbstractSet[str], base: str
) -> Callable[[tuple[str, ...]], Callable[[Any], Any]] | None:
    """When every field selected under `base` (e.g. "edges.node.members.") is one the member's GraphQL
    object holds as a plain attribute (`types.MEMBER_VIEW_FIELDS`: no resolver, no rule), what makes
    a builder of those objects straight from rows of given columns (`types.member_view_builder`): no
    Member model is made, so a page's members cost one step instead of two. None otherwise."""
    from lianxin_api.graphql.household import types  # (it imports this module)

    cut = len(base)
    for path in paths:
        if path.startswith(base) and path[cut:] not in types.MEMBER_VIEW_FIELDS:
            return None
    return types.member_view_builder


def prime(info: Info, p: HouseholdPrefetch) -> None:
    """The request's loaders answer later loads of the same keys from the prefetch (`Loaders.prime`:
    the prefetch's mappings are kept as they are, never changed afterwards)."""
    loaders = info.context.loaders
    # (partial members answer this prefetch's selection only: a household reached another way in the
    # same request, e.g. a pairing's, reads its members through the loader and may select any field)
    if p.has_members and p.members_whole:
        loaders.prime("members_by_household", p.members)
    if p.has_incomes:
        loaders.prime("incomes_by_household", p.incomes)
    if p.has_expenditures:
        loaders.prime("expenditures_by_household", p.expenditures)
    if p.has_assets:
        loaders.prime("assets_by_household", p.assets)
    if p.has_decisions and p.decisions_whole:  # (decisions without their trace: as partial members)
        loaders.prime("latest_decision_by_household", p.decisions)
    if p.has_sponsorships:
        loaders.prime("sponsorships_by_household", p.sponsorships)
    if p.sponsors:
        loaders.prime("organization_by_id", p.sponsors)
    if p.unions:
        loaders.prime("union_by_id", p.unions)
