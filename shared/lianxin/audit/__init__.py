"""Audit trail: one append-only row per mutation and per request that read ID numbers unmasked."""
