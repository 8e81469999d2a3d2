"""Who may call each root field of the API: every query, mutation and subscription, by its GraphQL
name. A query's records are further limited by the kinds' rules (`kinds`, `lists`): the table says
who may ask at all, the rules what the answer holds. AUDITOR reads and never writes.
"""

from __future__ import annotations

from collections.abc import Mapping

from lianxin.access.kinds import readers_of
from lianxin.access.roles import (
    ADMIN_ONLY,
    AGENCY_ADMINS,
    CASEWORK_READERS,
    EVERY_ROLE,
    SEES_ALL,
    STAFF,
)
from lianxin.core.tokens import Principal, Role

# households are listed by those who work on them; a sponsor reaches its own through `sponsorships`
HOUSEHOLD_READERS = frozenset({Role.ADMIN, Role.UNION_STAFF, Role.CIVIL_AFFAIRS, Role.AUDITOR})
WEBHOOK_READERS = AGENCY_ADMINS | {Role.AUDITOR}

QUERIES: Mapping[str, frozenset[Role]] = {
    "node": EVERY_ROLE,  # each record by its kind's rules
    "unions": readers_of("TradeUnion"),
    "organizations": readers_of("Organization"),
    "households": HOUSEHOLD_READERS,
    "sponsorships": readers_of("Sponsorship"),
    "dibaoPolicies": readers_of("DibaoPolicy"),
    "agencies": readers_of("Agency"),
    "referrals": readers_of("Referral"),
    "cooperatives": readers_of("Cooperative"),
    "overdueVisits": CASEWORK_READERS,
    "leavingHardshipSuggestions": CASEWORK_READERS,
    "aidBatch": CASEWORK_READERS,
    "aidDisbursements": CASEWORK_READERS,
    "aidTotals": CASEWORK_READERS,
    "mutualAidPlans": CASEWORK_READERS,
    "mutualAidEnrollments": CASEWORK_READERS,
    "mutualAidClaims": CASEWORK_READERS,
    "mutualAidTotals": CASEWORK_READERS,
    "householdStatistics": CASEWORK_READERS,
    "yearlyHouseholdFigures": CASEWORK_READERS,
    "yearlyHouseholdChart": CASEWORK_READERS,
    "ledgerExport": STAFF,
    "webhookEndpoints": WEBHOOK_READERS,
    "webhookDeliveries": WEBHOOK_READERS,
    "auditLog": SEES_ALL,
    "reminders": readers_of("Reminder"),
}

MUTATIONS: Mapping[str, frozenset[Role]] = {
    # the union tree, policies, agencies, plans and keys are the province's (ADMIN)
    "createUnion": ADMIN_ONLY,
    "updateUnion": ADMIN_ONLY,
    "publishDibaoPolicy": ADMIN_ONLY,
    "simulateDibaoPolicy": ADMIN_ONLY,
    "createAgency": ADMIN_ONLY,
    "createMutualAidPlan": ADMIN_ONLY,
    "createApiKey": ADMIN_ONLY,
    "revokeApiKey": ADMIN_ONLY,
    # union casework
    "createOrganization": STAFF,
    "createHousehold": STAFF,
    "updateHousehold": STAFF,
    "setHouseholdContactEmail": STAFF,
    "createSponsorship": STAFF,
    "endSponsorship": STAFF,
    "requestEligibilityRun": STAFF,
    "createCooperative": STAFF,
    "addCooperativeMember": STAFF,
    "addCooperativeAsset": STAFF,
    "recordCooperativeYear": STAFF,
    "recordVisit": STAFF,
    "payDisbursement": STAFF,
    "payQuarterlyCondolence": STAFF,
    "enrollHousehold": STAFF,
    "fileClaim": STAFF,
    "reviewClaim": STAFF,
    "importLedger": STAFF,
    "importLedgerFile": STAFF,
    # an agency's own work
    "updateReferral": AGENCY_ADMINS,
    "createWebhookEndpoint": AGENCY_ADMINS,
    "setWebhookEndpointActive": AGENCY_ADMINS,
    "redeliverWebhook": AGENCY_ADMINS,
}

SUBSCRIPTIONS: Mapping[str, frozenset[Role]] = {
    "events": EVERY_ROLE,  # each event by its kind's rules (`lianxin.access.events`)
}

OPERATIONS: Mapping[str, frozenset[Role]] = {**QUERIES, **MUTATIONS, **SUBSCRIPTIONS}

# HTTP routes beside GraphQL, by a name of their own (the record itself is still checked by its kind)
ROUTES: Mapping[str, frozenset[Role]] = {
    "contactCardPdf": STAFF,  # GET /households/{id}/contact-card.pdf: caseworkers print the card
}


def allowed_roles(operation: str) -> frozenset[Role]:
    """The roles that may call `operation` (a root field or a route); none for a name not in the table."""
    return OPERATIONS.get(operation) or ROUTES.get(operation, frozenset())


def may_perform(caller: Principal, operation: str) -> bool:
    return caller.role in allowed_roles(operation)
