-- Eligibility: versioned 低保 policies, decisions with their trace, re-matching runs,
-- civil-affairs agencies and referrals.

CREATE TABLE dibao_policy (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_code    char(6) NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
    effective_from date NOT NULL,
    parameters     jsonb NOT NULL,
    published_by   text,
    published_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (region_code, effective_from)
);

-- Policies are versioned, never edited in place: the database refuses it.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER dibao_policy_append_only BEFORE UPDATE OR DELETE ON dibao_policy
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE eligibility_decision (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id          bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
    policy_id             bigint NOT NULL REFERENCES dibao_policy (id),
    fingerprint           text NOT NULL,
    outcome               text NOT NULL CHECK (outcome IN
        ('DIBAO', 'EXPENDITURE_TYPE', 'SINGLE_PERSON', 'NOT_ELIGIBLE', 'INSUFFICIENT_DATA')),
    counted_income_fen    bigint NOT NULL,
    per_capita_income_fen bigint NOT NULL,
    standard_fen          bigint NOT NULL,
    monthly_benefit_fen   bigint NOT NULL CHECK (monthly_benefit_fen >= 0),
    suggested_category    text CHECK (suggested_category IN ('DEEP', 'RELATIVE', 'ACCIDENT')),
    single_person_members integer[] NOT NULL DEFAULT '{}',
    trace                 jsonb NOT NULL,
    evaluated_on          date NOT NULL,
    evaluated_at          timestamptz NOT NULL DEFAULT now(),
    run_id                bigint
);
CREATE INDEX eligibility_decision_household ON eligibility_decision (household_id, id);

-- The current decision of each household (one row per decided household).
CREATE TABLE household_eligibility (
    household_id bigint PRIMARY KEY REFERENCES household (id) ON DELETE CASCADE,
    decision_id  bigint NOT NULL REFERENCES eligibility_decision (id),
    policy_id    bigint NOT NULL,
    fingerprint  text NOT NULL,
    outcome      text NOT NULL
);
CREATE INDEX household_eligibility_outcome ON household_eligibility (outcome, household_id);

CREATE TABLE eligibility_run (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_code       char(6),
    union_id          bigint REFERENCES trade_union (id),
    reason            text NOT NULL,
    status            text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    total             integer NOT NULL DEFAULT 0,
    done              integer NOT NULL DEFAULT 0,
    changed           integer NOT NULL DEFAULT 0,
    last_household_id bigint NOT NULL DEFAULT 0,   -- resume point: chunks commit with it
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    CHECK ((region_code IS NULL) <> (union_id IS NULL))
);

-- 民政 (civil affairs) agencies receiving referrals for their region.
CREATE TABLE agency (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    region_code char(6) NOT NULL UNIQUE CHECK (region_code ~ '^[0-9]{6}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE referral (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id bigint NOT NULL REFERENCES household (id),
    agency_id    bigint NOT NULL REFERENCES agency (id),
    decision_id  bigint NOT NULL REFERENCES eligibility_decision (id),
    status       text NOT NULL DEFAULT 'SENT' CHECK (status IN
        ('SENT', 'RECEIVED', 'INVESTIGATING', 'APPROVED', 'REJECTED', 'WITHDRAWN')),
    reason       text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (status NOT IN ('REJECTED', 'WITHDRAWN') OR reason IS NOT NULL)
);
CREATE UNIQUE INDEX referral_one_open ON referral (household_id) WHERE status IN ('SENT', 'RECEIVED', 'INVESTIGATING');
CREATE INDEX referral_agency ON referral (agency_id, id);
