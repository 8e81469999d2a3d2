-- RULES.md version 2: the national low-income tiers below 低保 (MARGINAL, RIGID_EXPENDITURE), the
-- expenditure kind ACCIDENT_LOSS, the household facts of the union's classification
-- (major_event_casualty, exclusions) and the union's per-capita measure q on each decision.
-- Existing rows stay valid: the CHECKs only widen, the new columns have defaults or are NULL.

ALTER TABLE eligibility_decision DROP CONSTRAINT eligibility_decision_outcome_check;
ALTER TABLE eligibility_decision ADD CONSTRAINT eligibility_decision_outcome_check CHECK (outcome IN
    ('DIBAO', 'EXPENDITURE_TYPE', 'SINGLE_PERSON', 'MARGINAL', 'RIGID_EXPENDITURE', 'NOT_ELIGIBLE',
     'INSUFFICIENT_DATA'));
-- q in fen (may be negative); NULL for a household without members and for decisions made under v1.
ALTER TABLE eligibility_decision ADD COLUMN category_income_fen bigint;
-- The RULES.md version that made the decision (v1 decisions predate the column).
ALTER TABLE eligibility_decision ADD COLUMN rules_version integer NOT NULL DEFAULT 1;
ALTER TABLE eligibility_decision ALTER COLUMN rules_version DROP DEFAULT;

ALTER TABLE household_eligibility ADD CONSTRAINT household_eligibility_outcome_check CHECK (outcome IN
    ('DIBAO', 'EXPENDITURE_TYPE', 'SINGLE_PERSON', 'MARGINAL', 'RIGID_EXPENDITURE', 'NOT_ELIGIBLE',
     'INSUFFICIENT_DATA'));

ALTER TABLE expenditure DROP CONSTRAINT expenditure_kind_check;
ALTER TABLE expenditure ADD CONSTRAINT expenditure_kind_check CHECK (kind IN
    ('MEDICAL', 'EDUCATION', 'OTHER_RIGID', 'ACCIDENT_LOSS'));

ALTER TABLE household
    ADD COLUMN major_event_casualty boolean NOT NULL DEFAULT false,
    ADD COLUMN exclusions text[] NOT NULL DEFAULT '{}' CHECK (
        exclusions <@ ARRAY['HIGH_FEE_PRIVATE_SCHOOL', 'SELF_FUNDED_STUDY_ABROAD']);

-- A run with neither a region nor a union covers every active household: the one re-decision when a
-- new rules version is deployed (reason 'rules.v<N>').
ALTER TABLE eligibility_run DROP CONSTRAINT eligibility_run_check;
ALTER TABLE eligibility_run ADD CONSTRAINT eligibility_run_check CHECK (region_code IS NULL OR union_id IS NULL);
