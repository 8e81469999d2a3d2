-- Foundation: the union tree, organizations, the event log and the job outbox.

CREATE TABLE trade_union (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('FEDERATION', 'DISTRICT_FEDERATION', 'INDUSTRY', 'GRASSROOTS')),
    region_code char(6) NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
    parent_id   bigint REFERENCES trade_union (id),
    -- ids from the root down to this union (inclusive): subtree queries are `path @> ARRAY[id]`.
    path        bigint[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id),
    CHECK (path[array_upper(path, 1)] = id)
);
-- One name per parent (roots share the "no parent" slot), case-insensitively.
CREATE UNIQUE INDEX trade_union_name_per_parent ON trade_union (coalesce(parent_id, 0), lower(btrim(name)));
CREATE INDEX trade_union_parent ON trade_union (parent_id, id);
CREATE INDEX trade_union_path ON trade_union USING gin (path);

CREATE TABLE organization (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    credit_code char(18) NOT NULL UNIQUE CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
    kind        text NOT NULL CHECK (kind IN ('MEMBER_UNIT', 'SPONSOR', 'EMPLOYER')),
    union_id    bigint REFERENCES trade_union (id),
    region_code char(6) NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organization_union ON organization (union_id, id);

-- Figures the worker recomputes (job `recount_union`): counts over the union's whole subtree.
CREATE TABLE trade_union_stats (
    union_id        bigint PRIMARY KEY REFERENCES trade_union (id) ON DELETE CASCADE,
    child_unions    integer NOT NULL CHECK (child_unions >= 0),
    member_units    integer NOT NULL CHECK (member_units >= 0),
    sponsors        integer NOT NULL CHECK (sponsors >= 0),
    computed_at     timestamptz NOT NULL
);

-- The durable event log (outbox), written in the same transaction as the change it describes.
CREATE TABLE event (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type        text NOT NULL,
    subject_id  text NOT NULL,
    region_code char(6),
    payload     jsonb NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_type ON event (type, id);

-- Background jobs as rows first: enqueued to Redis after commit, swept again if never done.
CREATE TABLE job_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job         text NOT NULL,
    args        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    attempts    integer NOT NULL DEFAULT 0,
    done_at     timestamptz
);
CREATE INDEX job_outbox_pending ON job_outbox (id) WHERE done_at IS NULL;
