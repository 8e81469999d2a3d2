-- The ledger (台账): households with members, incomes, rigid expenditures and assets;
-- land-share cooperatives; sponsorship pairings. Money is integer fen; land is exact mu.

CREATE TABLE household (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    archive_no        text NOT NULL UNIQUE CHECK (archive_no ~ '^[A-Za-z0-9-]{1,40}$'),
    level             text NOT NULL CHECK (level IN ('NATIONAL', 'PROVINCIAL', 'MUNICIPAL')),
    category          text NOT NULL CHECK (category IN ('DEEP', 'RELATIVE', 'ACCIDENT')),
    status            text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'OUT_OF_HARDSHIP', 'CLOSED')),
    status_changed_on date,
    status_reason     text,
    hardship_reasons  text[] NOT NULL DEFAULT '{}' CHECK (
        hardship_reasons <@ ARRAY['ILLNESS', 'DISABILITY', 'UNEMPLOYMENT', 'EDUCATION', 'DISASTER', 'ACCIDENT', 'OTHER']),
    region_code       char(6) NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
    union_id          bigint NOT NULL REFERENCES trade_union (id),
    contact_name      text,
    contact_phone     text CHECK (contact_phone ~ '^[0-9+() -]{5,20}$'),
    archived_on       date NOT NULL DEFAULT current_date,
    version           integer NOT NULL DEFAULT 1,   -- optimistic locking for updateHousehold
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX household_union ON household (union_id, id);
CREATE INDEX household_region ON household (region_code, id);
CREATE INDEX household_status ON household (status, id);

CREATE TABLE member (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id     bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
    position         integer NOT NULL CHECK (position >= 0),
    name             text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    relation         text NOT NULL CHECK (relation IN
        ('HEAD', 'SPOUSE', 'CHILD', 'PARENT', 'SIBLING', 'GRANDCHILD', 'GRANDPARENT', 'OTHER')),
    id_number        char(18) NOT NULL CHECK (id_number ~ '^[0-9]{17}[0-9X]$'),
    sex              text NOT NULL CHECK (sex IN ('MALE', 'FEMALE')),
    birth_date       date NOT NULL,
    health           text NOT NULL CHECK (health IN
        ('HEALTHY', 'CHRONIC_ILLNESS', 'CRITICAL_ILLNESS', 'DISABILITY_SEVERE', 'DISABILITY_MILD')),
    employment       text NOT NULL CHECK (employment IN
        ('EMPLOYED', 'FLEXIBLE', 'UNEMPLOYED', 'RETIRED', 'STUDENT', 'PRESCHOOL', 'UNABLE_TO_WORK')),
    -- mirrors household.status = 'ACTIVE' so the database itself refuses one person in two active households
    household_active boolean NOT NULL DEFAULT true,
    UNIQUE (household_id, position),
    UNIQUE (household_id, id_number)
);
CREATE UNIQUE INDEX member_person_in_one_active_household ON member (id_number) WHERE household_active;
CREATE UNIQUE INDEX member_one_head ON member (household_id) WHERE relation = 'HEAD';

CREATE TABLE income (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id    bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN
        ('WAGE', 'BUSINESS', 'PROPERTY', 'DIVIDEND', 'LAND_RENT', 'PENSION', 'TRANSFER', 'OTHER', 'EXEMPT')),
    monthly_fen     bigint NOT NULL CHECK (monthly_fen >= 0),
    member_position integer CHECK (member_position >= 0)  -- index into the household's members
);
CREATE INDEX income_household ON income (household_id);

CREATE TABLE expenditure (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('MEDICAL', 'EDUCATION', 'OTHER_RIGID')),
    annual_fen   bigint NOT NULL CHECK (annual_fen >= 0)
);
CREATE INDEX expenditure_household ON expenditure (household_id);

CREATE TABLE asset (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('DEPOSIT', 'SECURITIES', 'VEHICLE', 'HOUSE', 'BUSINESS')),
    value_fen    bigint NOT NULL CHECK (value_fen >= 0),   -- per item
    count        integer NOT NULL DEFAULT 1 CHECK (count BETWEEN 1 AND 1000)
);
CREATE INDEX asset_household ON asset (household_id);

-- 党支部领办合作社: a village land-share cooperative.
CREATE TABLE cooperative (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    village             text NOT NULL CHECK (length(btrim(village)) BETWEEN 1 AND 100),
    region_code         char(6) NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
    led_by_party_branch boolean NOT NULL DEFAULT true,
    land_mu             numeric(12, 2) NOT NULL CHECK (land_mu >= 0),
    chair_name          text,
    founded_on          date,
    union_id            bigint REFERENCES trade_union (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (region_code, name)
);

CREATE TABLE cooperative_member (
    cooperative_id bigint NOT NULL REFERENCES cooperative (id) ON DELETE CASCADE,
    household_id   bigint NOT NULL REFERENCES household (id),
    land_share_mu  numeric(10, 2) NOT NULL CHECK (land_share_mu > 0),
    joined_on      date NOT NULL DEFAULT current_date,
    PRIMARY KEY (cooperative_id, household_id)
);
CREATE INDEX cooperative_member_household ON cooperative_member (household_id);

-- Greenhouses, land parcels, equipment; optionally leased out (rent is cooperative income).
CREATE TABLE cooperative_asset (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id  bigint NOT NULL REFERENCES cooperative (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('GREENHOUSE', 'LAND', 'EQUIPMENT', 'BUILDING', 'OTHER')),
    description     text NOT NULL DEFAULT '',
    count           integer NOT NULL CHECK (count >= 1),
    crop            text,
    lessee          text,
    annual_rent_fen bigint CHECK (annual_rent_fen >= 0),
    CHECK ((lessee IS NULL) = (annual_rent_fen IS NULL))
);
CREATE INDEX cooperative_asset_cooperative ON cooperative_asset (cooperative_id);

CREATE TABLE cooperative_year (
    cooperative_id bigint NOT NULL REFERENCES cooperative (id) ON DELETE CASCADE,
    year           integer NOT NULL CHECK (year BETWEEN 1990 AND 2200),
    income_fen     bigint NOT NULL CHECK (income_fen >= 0),
    dividend_fen   bigint NOT NULL CHECK (dividend_fen >= 0),
    PRIMARY KEY (cooperative_id, year)
);

-- 结对帮扶: a household paired with a sponsor organization.
CREATE TABLE sponsorship (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id bigint NOT NULL REFERENCES household (id),
    sponsor_id   bigint NOT NULL REFERENCES organization (id),
    started_on   date NOT NULL,
    ended_on     date,
    end_reason   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE UNIQUE INDEX sponsorship_one_open_pair ON sponsorship (household_id, sponsor_id) WHERE ended_on IS NULL;
CREATE INDEX sponsorship_household ON sponsorship (household_id);
CREATE INDEX sponsorship_sponsor ON sponsorship (sponsor_id, id);
