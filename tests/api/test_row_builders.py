"""Issue 12: models built from rows by compiled builders (`lianxin.core.rows`) are the models `from_row`
builds, field for field, for every list read that uses them; wrong values fail as `Enum(value)` does
and are never remembered; a partial model still refuses an attribute it was not read with."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import pytest

from lianxin.core.db import Pool
from lianxin.core.ids import to_global_id
from lianxin.core.rows import build_all, by_value, partial_builder, tuple_of
from lianxin.household import repository as household_repo
from lianxin.household.enums import HardshipReason
from lianxin.household.models import Asset, Expenditure, Household, Income, Member
from lianxin.organization.models import OrganizationKind
from lianxin.sponsorship import repository as sponsorship_repo
from lianxin.sponsorship.models import Sponsorship
from lianxin.trade_union.models import UnionKind

from factories import make_organization, make_sponsorship, make_union, member_input

CREATE = """mutation($input: CreateHouseholdInput!) { createHousehold(input: $input) {
  household { id } errors { code message } } }"""


def _fields(model: Any) -> dict[str, Any]:
    return {f.name: getattr(model, f.name) for f in dataclasses.fields(model)}


async def test_compiled_builders_build_what_from_row_builds(gql: Any, pool: Pool) -> None:
    root = await make_union(pool, name="威海市总工会")
    district = await make_union(
        pool, name="环翠区总工会", kind=UnionKind.DISTRICT_FEDERATION, region_code="371002", parent_id=root.id
    )
    sponsor = await make_organization(pool, kind=OrganizationKind.SPONSOR)
    for k in range(2):
        fields: dict[str, Any] = {
            "unionId": to_global_id("TradeUnion", district.id),
            "archiveNo": f"ROW{k:04d}",
            "level": "NATIONAL",
            "category": "DEEP",
            "hardshipReasons": ["ILLNESS", "EDUCATION"] if k else ["OTHER"],
            "regionCode": "371002",
            "members": [
                member_input("HEAD", "19770315", health="CRITICAL_ILLNESS", birthDate="1977-03-15"),
                member_input("CHILD", "20110901", employment="STUDENT"),
            ],
            "incomes": [{"kind": "WAGE", "monthlyAmount": "600.00", "memberIndex": 1}],
            "expenditures": [{"kind": "MEDICAL", "annualAmount": "18000.00"}],
            "assets": [{"kind": "DEPOSIT", "value": "5000.00"}],
        }
        if k:
            fields.update(contactName="王芳", contactPhone="13800000000", majorEventCasualty=True)
        data = await gql(CREATE, {"input": fields})
        assert data["createHousehold"]["errors"] == [], data
    async with pool.acquire() as conn:
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM household ORDER BY id")]
    await make_sponsorship(pool, ids[0], sponsor.id, date(2024, 3, 1))
    async with pool.acquire() as conn:
        await conn.execute("UPDATE sponsorship SET ended_on = '2025-01-01', end_reason = '脱困'")
    await make_sponsorship(pool, ids[1], sponsor.id, date(2024, 5, 1))

    Q, S = household_repo.Q, sponsorship_repo.Q
    reads = [
        (Household, Q.list_households_by_ids, household_repo.list_households_by_ids),
        (Member, Q.list_members_by_household_ids, household_repo.list_members_by_household_ids),
        (Income, Q.list_incomes_by_household_ids, household_repo.list_incomes_by_household_ids),
        (
            Expenditure,
            Q.list_expenditures_by_household_ids,
            household_repo.list_expenditures_by_household_ids,
        ),
        (Asset, Q.list_assets_by_household_ids, household_repo.list_assets_by_household_ids),
        (
            Sponsorship,
            S.list_sponsorships_by_household_ids,
            sponsorship_repo.list_sponsorships_by_household_ids,
        ),
    ]
    async with pool.acquire() as conn:
        for cls, sql, read in reads:
            rows = await conn.fetch(sql, ids)
            assert rows, cls
            expected = [cls.from_row(r) for r in rows]  # type: ignore[attr-defined]
            built = await read(conn, ids)
            assert built == expected, cls
            assert [_fields(m) for m in built] == [_fields(m) for m in expected], cls
            assert all(type(m) is cls for m in built)
            # every enum field is the enum member itself, not its text
            for m, e in zip(built, expected, strict=True):
                for name, value in _fields(e).items():
                    assert type(getattr(m, name)) is type(value), (cls, name)
        page = await household_repo.list_households_page(conn, None, None, None, 0, 10)
        assert page == [Household.from_row(r) for r in await conn.fetch(Q.list_households_by_ids, ids)]
        by_union = await household_repo.list_households_by_union_page(conn, district.id, 0, 10)
        assert by_union == page
        for one in page:
            assert await household_repo.get_household(conn, one.id) == one
        assert await household_repo.get_household(conn, 10**9) is None


class Colour(StrEnum):
    RED = "RED"
    BLUE = "BLUE"


@dataclass(frozen=True, slots=True)
class Paint:
    id: int
    colour: Colour
    shades: tuple[Colour, ...]
    note: str | None = None


@dataclass(frozen=True)
class Plain:  # no slots: attributes set through object.__setattr__
    id: int
    colour: Colour


def test_by_value_and_tuple_of_fail_like_the_enum_and_forget_wrong_lists() -> None:
    colour = by_value(Colour)
    assert colour("RED") is Colour.RED
    with pytest.raises(ValueError, match="is not a valid Colour"):
        colour("GREEN")
    shades = tuple_of(Colour, limit=3)
    assert shades(["RED", "BLUE"]) == (Colour.RED, Colour.BLUE)
    assert shades(["RED", "BLUE"]) is shades(("RED", "BLUE"))  # remembered per distinct list
    assert shades([]) == ()
    for _ in range(2):
        with pytest.raises(ValueError, match="is not a valid Colour"):
            shades(["RED", "GREEN"])
    # past its limit it still answers, without remembering
    assert shades(["BLUE"]) == (Colour.BLUE,)
    assert shades(["BLUE", "BLUE"]) == (Colour.BLUE, Colour.BLUE)
    assert shades(["BLUE", "BLUE"]) is not shades(["BLUE", "BLUE"])
    reasons = tuple_of(HardshipReason)
    assert reasons(["ILLNESS"]) == (HardshipReason.ILLNESS,)


def test_partial_builder_sets_only_its_columns_and_converts() -> None:
    convert = (("colour", by_value(Colour)), ("shades", tuple_of(Colour)))
    build = partial_builder(Paint, ("id", "colour", "shades"), convert)
    paint = build((1, "BLUE", ["RED"]))
    assert (paint.id, paint.colour, paint.shades) == (1, Colour.BLUE, (Colour.RED,))
    assert type(paint.colour) is Colour
    with pytest.raises(AttributeError):
        _ = paint.note  # not read: no default answered
    with pytest.raises(dataclasses.FrozenInstanceError):
        paint.id = 2  # type: ignore[misc]
    with pytest.raises(ValueError, match="is not a valid Colour"):
        build((1, "GREEN", []))
    assert partial_builder(Paint, ("id", "colour"), convert)((3, None)).colour is None
    # by positions: column k from the row's positions[k]
    moved = partial_builder(Paint, ("id", "colour"), convert, (2, 0))(("RED", "x", 7))
    assert (moved.id, moved.colour) == (7, Colour.RED)
    plain = partial_builder(Plain, ("id", "colour"), convert)((5, "RED"))
    assert plain == Plain(5, Colour.RED)
    with pytest.raises(ValueError, match="not attributes"):
        partial_builder(Paint, ("id", "nope"), convert)
    with pytest.raises(ValueError, match="one position per column"):
        partial_builder(Paint, ("id",), convert, (0, 1))


class _Row(dict[str, Any]):
    """A record stand-in: `keys()` in column order, `row[k]` by position."""

    def __getitem__(self, k: Any) -> Any:
        return list(self.values())[k] if isinstance(k, int) else super().__getitem__(k)


def test_build_all_reads_fields_by_name_and_refuses_a_missing_one() -> None:
    convert = (("colour", by_value(Colour)), ("shades", tuple_of(Colour)))
    rows = [
        _Row(extra=0, shades=["RED"], note=None, colour="BLUE", id=1),
        _Row(extra=0, shades=[], note="n", colour="RED", id=2),
    ]
    assert build_all(Paint, rows, convert) == [  # type: ignore[arg-type]
        Paint(1, Colour.BLUE, (Colour.RED,), None),
        Paint(2, Colour.RED, (), "n"),
    ]
    assert build_all(Paint, [], convert) == []
    # another statement's column order: a builder of its own
    other = [_Row(id=3, colour="RED", shades=["BLUE"], note=None)]
    assert build_all(Paint, other, convert) == [Paint(3, Colour.RED, (Colour.BLUE,), None)]  # type: ignore[arg-type]
    assert build_all(Paint, rows[:1], convert) == [Paint(1, Colour.BLUE, (Colour.RED,), None)]  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="note"):
        build_all(Paint, [_Row(id=1, colour="RED", shades=[])], convert)  # type: ignore[list-item]


@dataclass(frozen=True, slots=True)
class Tinted(Paint):  # slots of its own and its base's: no twin has its layout
    tint: int = 0


def test_slotted_models_are_made_through_a_twin_and_are_exactly_the_model() -> None:
    from lianxin.core import rows

    convert = (("colour", by_value(Colour)),)
    assert rows._twin(Paint) is not None
    paint = partial_builder(Paint, ("id", "colour"), convert)((4, "BLUE"))
    assert type(paint) is Paint
    assert (paint.id, paint.colour) == (4, Colour.BLUE)
    with pytest.raises(AttributeError):
        _ = paint.shades  # not read: unset, as before
    with pytest.raises(dataclasses.FrozenInstanceError):
        paint.id = 5  # type: ignore[misc]
    whole = partial_builder(Paint, ("id", "colour", "shades", "note"), convert)((4, "RED", (), "n"))
    assert whole == Paint(4, Colour.RED, (), "n")
    assert hash(whole) == hash(Paint(4, Colour.RED, (), "n"))
    with pytest.raises(ValueError, match="is not a valid Colour"):
        partial_builder(Paint, ("id", "colour"), convert)((4, "GREEN"))
    # a subclass adds slots to its base's: made through the slots' setters, the same model
    tinted = partial_builder(Tinted, ("id", "colour", "shades", "note", "tint"), convert)(
        (1, "RED", (), None, 3)
    )
    assert tinted == Tinted(1, Colour.RED, (), None, 3)
    assert type(tinted) is Tinted
    # the household as every page reads it
    from lianxin.household.models import Household

    assert rows._twin(Household) is not None
