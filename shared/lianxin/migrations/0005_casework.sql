-- Casework: survey visits with their plans (入户调研, 因户施策), aid disbursements and batch runs
-- (帮扶救助), and the medical mutual-aid plan with enrollments and claims (医疗互助). Money is fen.

CREATE TABLE visit (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id      bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
    visited_on        date NOT NULL,
    year              integer NOT NULL,
    round             integer NOT NULL CHECK (round >= 1),   -- 1, 2, 3 … within the year
    visitors          text[] NOT NULL CHECK (cardinality(visitors) BETWEEN 1 AND 20),
    family_situation  text NOT NULL CHECK (length(btrim(family_situation)) >= 1),
    hardship_causes   text,
    skills            text,
    employment_wishes text,
    state_of_mind     text,
    recorded_by       text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (year = extract(year FROM visited_on)),
    UNIQUE (household_id, year, round)
);

-- The plan (因户施策): one action per row, each with an owner and a due date.
CREATE TABLE visit_action (
    visit_id bigint NOT NULL REFERENCES visit (id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 0),
    action   text NOT NULL CHECK (length(btrim(action)) BETWEEN 1 AND 500),
    owner    text NOT NULL CHECK (length(btrim(owner)) BETWEEN 1 AND 100),
    due_on   date NOT NULL,
    PRIMARY KEY (visit_id, position)
);

-- A batch payment (e.g. the quarterly condolence money) over the ACTIVE households of a scope,
-- worked by the worker in chunks that commit with the resume point.
CREATE TABLE aid_batch (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program           text NOT NULL CHECK (program = 'QUARTERLY_CONDOLENCE'),
    period            text NOT NULL,
    amount_fen        bigint NOT NULL CHECK (amount_fen > 0),
    region_code       char(6),
    union_id          bigint REFERENCES trade_union (id),
    paid_on           date NOT NULL,
    status            text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    total             integer NOT NULL DEFAULT 0,
    done              integer NOT NULL DEFAULT 0,
    paid              integer NOT NULL DEFAULT 0,   -- newly paid; done − paid were already paid
    last_household_id bigint NOT NULL DEFAULT 0,
    requested_by      text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    CHECK ((region_code IS NULL) <> (union_id IS NULL))
);

-- One disbursement per household, program and period. The period's form depends on the program:
-- QUARTERLY_CONDOLENCE a quarter (2026Q4); COUNSELING and MEDICINE_DELIVERY a month (2026-11);
-- EMERGENCY the day of the emergency (2026-11-29); the rest a year (2026).
CREATE TABLE aid_disbursement (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
    program      text NOT NULL CHECK (program IN ('QUARTERLY_CONDOLENCE', 'GIFT_PACK', 'LOVE_CARD', 'BUS_CARD',
                                                  'EMERGENCY', 'COUNSELING', 'MEDICINE_DELIVERY', 'TRAINING')),
    period       text NOT NULL,
    amount_fen   bigint NOT NULL CHECK (amount_fen >= 0),   -- 0 for aid in kind without a cash value
    member_id    bigint REFERENCES member (id) ON DELETE SET NULL,   -- TRAINING only: who is trained
    paid_on      date NOT NULL,
    note         text,
    batch_id     bigint REFERENCES aid_batch (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (household_id, program, period),
    CHECK (member_id IS NULL OR program = 'TRAINING'),
    CHECK (CASE program
        WHEN 'QUARTERLY_CONDOLENCE' THEN period ~ '^[0-9]{4}Q[1-4]$'
        WHEN 'EMERGENCY' THEN period ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'
        WHEN 'COUNSELING' THEN period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'
        WHEN 'MEDICINE_DELIVERY' THEN period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'
        ELSE period ~ '^[0-9]{4}$' END)
);
CREATE INDEX aid_disbursement_program_period ON aid_disbursement (program, period);

CREATE TABLE mutual_aid_plan (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year          integer NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    women_only    boolean NOT NULL DEFAULT false,   -- 女职工专项互助
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, name)
);

CREATE TABLE mutual_aid_coverage (
    plan_id  bigint NOT NULL REFERENCES mutual_aid_plan (id) ON DELETE CASCADE,
    coverage text NOT NULL CHECK (coverage IN ('ACCIDENT', 'HOSPITAL_ALLOWANCE', 'CRITICAL_ILLNESS', 'HOSPITAL_COST')),
    cap_fen  bigint NOT NULL CHECK (cap_fen > 0),   -- per member per plan year
    PRIMARY KEY (plan_id, coverage)
);

CREATE TABLE mutual_aid_enrollment (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id      bigint NOT NULL REFERENCES mutual_aid_plan (id) ON DELETE CASCADE,
    member_id    bigint NOT NULL REFERENCES member (id) ON DELETE CASCADE,
    household_id bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
    enrolled_on  date NOT NULL,
    UNIQUE (plan_id, member_id)
);
CREATE INDEX mutual_aid_enrollment_household ON mutual_aid_enrollment (household_id);

CREATE TABLE mutual_aid_claim (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrollment_id bigint NOT NULL REFERENCES mutual_aid_enrollment (id) ON DELETE CASCADE,
    plan_id       bigint NOT NULL,
    coverage      text NOT NULL,
    amount_fen    bigint NOT NULL CHECK (amount_fen > 0),
    incurred_on   date NOT NULL,
    status        text NOT NULL DEFAULT 'SUBMITTED' CHECK (status IN ('SUBMITTED', 'APPROVED', 'PAID', 'REJECTED')),
    reason        text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (plan_id, coverage) REFERENCES mutual_aid_coverage (plan_id, coverage),
    CHECK (status <> 'REJECTED' OR reason IS NOT NULL)
);
CREATE INDEX mutual_aid_claim_enrollment ON mutual_aid_claim (enrollment_id, coverage);
CREATE INDEX mutual_aid_claim_plan ON mutual_aid_claim (plan_id, status);
