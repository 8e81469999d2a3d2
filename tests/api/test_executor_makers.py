"""The fast constructors of the types made by the hundred per page (`graphql.common.made`, the
generated `HouseholdType.maker` / `MemberType.maker`) make exactly what the dataclass constructors and
`from_model` make: the same class, the same attributes with the same values."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from lianxin.core.pagination import Page
from lianxin.household.models import Household, Member
from lianxin.organization.models import Organization
from lianxin.sponsorship.models import Sponsorship
from lianxin_api.graphql.common import Edge, LazyGlobalId, make_connection
from lianxin_api.graphql.household.types import HouseholdType, MemberType
from lianxin_api.graphql.organization.types import OrganizationType
from lianxin_api.graphql.sponsorship.types import SponsorshipType

pytestmark = pytest.mark.no_db


def _model(cls: type, only: tuple[str, ...] | None = None) -> Any:
    """A model with a distinct value per attribute (ids as numbers), unset attributes outside `only`."""
    model = object.__new__(cls)
    for k, field in enumerate(dataclasses.fields(cls)):
        if only is None or field.name in only:
            object.__setattr__(model, field.name, 1000 + k if field.name == "id" else f"{field.name}-{k}")
    return model


def _same(made: Any, reference: Any) -> None:
    assert type(made) is type(reference)
    # (an id left to `lazy_global_id` is encoded when read: what the constructor was given)
    if isinstance(type(made).__dict__.get("id"), LazyGlobalId):
        assert made.id == reference.id
    assert vars(made) == vars(reference)


@pytest.mark.parametrize("columns", [None, ("id", "union_id"), ("archive_no", "id", "status", "union_id")])
def test_households(columns: tuple[str, ...] | None) -> None:
    h, prefetch = _model(Household, columns), object()
    _same(HouseholdType.maker(columns)(h, prefetch), HouseholdType.from_model(h, prefetch))  # type: ignore[arg-type]
    # a page's edge made in the same call: what `make_connection` makes of the household
    edge = HouseholdType.edge_maker(columns)(h, prefetch)  # type: ignore[arg-type]
    page = Page([h], has_next=False, total=1)
    made = make_connection(page, lambda x: x.id, lambda x: HouseholdType.maker(columns)(x, prefetch)).edges[0]
    assert type(edge) is Edge
    assert edge.key == made.key == h.id
    _same(edge.node, made.node)


@pytest.mark.parametrize("columns", [None, ("household_id", "id", "position"), ("id", "name", "relation")])
def test_members(columns: tuple[str, ...] | None) -> None:
    m = _model(Member, columns)
    _same(MemberType.maker(columns)(m), MemberType.from_model(m))


def test_sponsorships_organizations_and_edges() -> None:
    import strawberry

    from lianxin.core.ids import to_global_id

    s, org = _model(Sponsorship), _model(Organization)
    reference = SponsorshipType(
        sponsor_model=org,
        id=strawberry.ID(to_global_id("Sponsorship", s.id)),
        model=s,
        started_on=s.started_on,
        ended_on=s.ended_on,
        active=s.active,
    )
    _same(SponsorshipType.from_model(s, org), reference)
    shared = OrganizationType.from_model(org)
    reference.sponsor_type = shared
    _same(SponsorshipType.from_model(s, org, shared), reference)
    reference_org = OrganizationType(
        id=strawberry.ID(to_global_id("Organization", org.id)),
        model=org,
        name=org.name,
        kind=org.kind,
        credit_code=org.credit_code,
        region_code=org.region_code,
    )
    _same(OrganizationType.from_model(org), reference_org)

    from lianxin_api.graphql.common import made

    _same(made(Edge, {"key": 7, "node": reference}), Edge(key=7, node=reference))


def test_incomes_expenditures_and_assets() -> None:
    from decimal import Decimal

    import strawberry

    from lianxin.core.ids import to_global_id
    from lianxin.household.enums import AssetKind, ExpenditureKind, IncomeKind
    from lianxin.household.models import Asset, Expenditure, Income
    from lianxin_api.graphql.household.types import (
        AssetType,
        ExpenditureType,
        IncomeType,
        _asset_types,
        _expenditure_types,
        income_type,
    )

    head = _model(Member)
    income = Income(7, IncomeKind.WAGE, 123456, head.position)  # type: ignore[arg-type]
    _same(
        income_type(income, [head]),
        IncomeType(
            kind=IncomeKind.WAGE,
            monthly_amount=Decimal("1234.56"),
            member_id=strawberry.ID(to_global_id("Member", head.id)),
        ),
    )
    alone = Income(7, IncomeKind.WAGE, 100, None)  # type: ignore[arg-type]
    _same(
        income_type(alone, [head]),
        IncomeType(kind=IncomeKind.WAGE, monthly_amount=Decimal("1.00"), member_id=None),
    )
    spent = Expenditure(7, next(iter(ExpenditureKind)), 250)  # type: ignore[arg-type]
    (made,) = _expenditure_types([spent])
    _same(made, ExpenditureType(kind=spent.kind, annual_amount=Decimal("2.50")))
    owned = Asset(7, next(iter(AssetKind)), 99, 3)  # type: ignore[arg-type]
    (made_asset,) = _asset_types([owned])
    _same(made_asset, AssetType(kind=owned.kind, value=Decimal("0.99"), count=3))


def test_contact_person() -> None:
    from types import SimpleNamespace

    from lianxin.core.tokens import Principal, Role
    from lianxin_api.graphql.household.types import ContactPersonType, _contact_person_getter

    household = SimpleNamespace(model=SimpleNamespace(contact_name="王芳", contact_phone="13800000000"))
    for role, phone in ((Role.ADMIN, "13800000000"), (Role.SPONSOR, None)):
        context = SimpleNamespace(principal=Principal(subject="t", role=role, sponsor_id=1))
        made_one = _contact_person_getter(context)(household)  # type: ignore[arg-type]
        _same(made_one, ContactPersonType(name="王芳", phone=phone))
