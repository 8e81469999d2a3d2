"""Household GraphQL; importing the package registers the ledger enums first."""

from lianxin_api.graphql.household import enums as enums
