"""Schema composition only: each domain contributes a Query and a Mutation mixin."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import DisableIntrospection, MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from lianxin_api.abuse import is_internal_error
from lianxin_api.auth import AuthenticationGate
from lianxin_api.cost import CostLimit
from lianxin_api.error_codes import INTERNAL_SERVER_ERROR, ErrorCodes, with_code
from lianxin_api.executor import PlannedExecutor, prepared
from lianxin_api.executor.extensions import LeanExtensionsRunner
from lianxin_api.graphql.aid.schema import AidMutation, AidQuery
from lianxin_api.graphql.aid.types import AidBatchType, AidDisbursementType
from lianxin_api.graphql.api_key.schema import ApiKeyMutation
from lianxin_api.graphql.audit.schema import AuditQuery
from lianxin_api.graphql.casework.schema import CaseworkMutation, CaseworkQuery
from lianxin_api.graphql.casework.types import VisitType
from lianxin_api.graphql.cooperative.schema import CooperativeMutation, CooperativeQuery
from lianxin_api.graphql.cooperative.types import CooperativeType
from lianxin_api.graphql.eligibility.schema import EligibilityMutation, EligibilityQuery
from lianxin_api.graphql.eligibility.simulation import DibaoSimulationType, SimulationMutation
from lianxin_api.graphql.eligibility.types import (
    AgencyType,
    DibaoPolicyType,
    EligibilityDecisionType,
    EligibilityRunType,
    ReferralType,
)
from lianxin_api.graphql.event.schema import EventSubscription
from lianxin_api.graphql.household.schema import HouseholdMutation, HouseholdQuery
from lianxin_api.graphql.household.types import HouseholdType
from lianxin_api.graphql.ledger.schema import LedgerMutation, LedgerQuery
from lianxin_api.graphql.mutual_aid.schema import MutualAidMutation, MutualAidQuery
from lianxin_api.graphql.mutual_aid.types import ClaimType, MutualAidPlanType
from lianxin_api.graphql.node import NodeQuery
from lianxin_api.graphql.organization.schema import OrganizationMutation, OrganizationQuery
from lianxin_api.graphql.organization.types import OrganizationType
from lianxin_api.graphql.reminder.schema import ReminderQuery
from lianxin_api.graphql.reminder.types import ReminderType
from lianxin_api.graphql.sponsorship.schema import SponsorshipMutation, SponsorshipQuery
from lianxin_api.graphql.sponsorship.types import SponsorshipType
from lianxin_api.graphql.statistics.schema import StatisticsQuery
from lianxin_api.graphql.trade_union.schema import UnionMutation, UnionQuery
from lianxin_api.graphql.trade_union.types import TradeUnionType
from lianxin_api.graphql.webhook.contact import ContactEmailMutation
from lianxin_api.graphql.webhook.schema import WebhookMutation, WebhookQuery
from lianxin_api.limits import limit_extensions
from lianxin_api.persisted import AllowListGate
from lianxin_api.text_input import SCALAR_OVERRIDES, input_extensions


@strawberry.type(
    description="Reads. Every call needs `Authorization: Bearer <token>`; lists show only what the "
    "caller's role and scope allow, and a record out of scope reads exactly like a missing one."
)
class Query(
    NodeQuery,
    UnionQuery,
    OrganizationQuery,
    HouseholdQuery,
    SponsorshipQuery,
    EligibilityQuery,
    CooperativeQuery,
    CaseworkQuery,
    AidQuery,
    MutualAidQuery,
    StatisticsQuery,
    LedgerQuery,
    WebhookQuery,
    AuditQuery,
    ReminderQuery,
):
    pass


@strawberry.type(
    description="Changes. Each runs in one transaction with its audit entry and events; a refused "
    "input comes back as the payload's `errors` and changes nothing (the refusal is still audited)."
)
class Mutation(
    UnionMutation,
    OrganizationMutation,
    HouseholdMutation,
    SponsorshipMutation,
    EligibilityMutation,
    SimulationMutation,
    CooperativeMutation,
    WebhookMutation,
    ContactEmailMutation,
    CaseworkMutation,
    AidMutation,
    MutualAidMutation,
    LedgerMutation,
    ApiKeyMutation,
):
    pass


@strawberry.type(
    description="Live events over WebSocket (graphql-transport-ws; the token in `connection_init`)."
)
class Subscription(EventSubscription):
    pass


MASKED_MESSAGE = "Unexpected error."  # what an internal error reads in production
_NOT_A_REQUEST = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)


class LianxinSchema(strawberry.Schema):
    """strawberry's schema with its extension hooks looked up once per extension class, and queries
    it has accepted before run without parsing, validating and gating again
    (`lianxin_api.executor.prepared`)."""

    def __init__(self, *args: Any, mask_internal_errors: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prepared = prepared.PreparedDocuments()
        self.mask_internal_errors = mask_internal_errors  # as the production schema's MaskErrors

    async def _handle_execution_result(
        self, context: Any, result: Any, extensions_runner: Any, *, skip_process_errors: bool = False
    ) -> ExecutionResult:
        # An exception raised by an extension hook (an unreachable Redis, a malformed operationName)
        # reaches strawberry's `except Exception` after the operation stage, so ErrorCodes and
        # MaskErrors never saw it: code it, and mask it as they would, once it is logged.
        if isinstance(result, PreExecutionError) and result.errors:
            if not skip_process_errors:
                self._process_errors(result.errors, context)
                skip_process_errors = True
            result.errors = [self._settled(error) for error in result.errors]
        return await super()._handle_execution_result(
            context, result, extensions_runner, skip_process_errors=skip_process_errors
        )

    def _settled(self, error: GraphQLError) -> GraphQLError:
        # (a request that names nothing to run is the transport's to code: BAD_REQUEST)
        if not is_internal_error(error) or isinstance(error.original_error, _NOT_A_REQUEST):
            return error
        if self.mask_internal_errors:
            return GraphQLError(MASKED_MESSAGE, extensions={"code": INTERNAL_SERVER_ERROR})
        with_code([error], INTERNAL_SERVER_ERROR)
        return error

    def create_extensions_runner(self, execution_context: Any, extensions: Any) -> LeanExtensionsRunner:
        return LeanExtensionsRunner(execution_context=execution_context, extensions=extensions)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        args = (query, variable_values, context_value, root_value, operation_name)
        more = (allowed_operation_types, operation_extensions)
        result = await prepared.execute(self, *args, *more)
        if result is None:
            result = await super().execute(*args, *more)
        return cast(ExecutionResult, result)

    async def _prepare_operation_async(self, context: Any, extensions_runner: Any) -> Any:
        refused = await super()._prepare_operation_async(context, extensions_runner)
        if refused is None:  # parsed and validated: the next time, the prepared path may take it
            self.prepared.remember(context)
        return refused


def build_schema(*, production: bool = False, introspection: bool = True) -> strawberry.Schema:
    """In production internal errors read "Unexpected error." (errors with a `code` stay visible)."""
    guards: list[Any] = [] if introspection else [DisableIntrospection]
    if production:
        guards.append(lambda: MaskErrors(should_mask_error=is_internal_error, error_message=MASKED_MESSAGE))
    return LianxinSchema(
        mask_internal_errors=production,
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        scalar_overrides=SCALAR_OVERRIDES,
        types=[
            TradeUnionType,
            OrganizationType,
            HouseholdType,
            SponsorshipType,
            EligibilityDecisionType,
            DibaoPolicyType,
            EligibilityRunType,
            AgencyType,
            ReferralType,
            CooperativeType,
            DibaoSimulationType,
            VisitType,
            AidDisbursementType,
            AidBatchType,
            MutualAidPlanType,
            ClaimType,
            ReminderType,
        ],
        extensions=[
            ErrorCodes,  # first: it leaves last, after every other extension (masking included)
            AuthenticationGate,
            AllowListGate,  # after the gate: an anonymous caller learns nothing about the list
            *input_extensions(),
            *limit_extensions(),
            CostLimit,
            *guards,
        ],
        execution_context_class=PlannedExecutor,  # queries and mutations run from cached plans
    )


schema = build_schema()
