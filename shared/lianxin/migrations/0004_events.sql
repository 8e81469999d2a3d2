-- Events for partner agencies: a commit-order-safe cursor on the event log, wake-ups by NOTIFY,
-- webhook endpoints and deliveries, reader cursors, e-mail notifications.

-- The writing transaction's id. A bigserial id is not commit-ordered, but every transaction below
-- pg_snapshot_xmin(pg_current_snapshot()) has finished: readers page by (txid, id) below that
-- horizon, so a row can never appear behind a cursor that already passed it (lianxin.events.reader).
ALTER TABLE event ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX event_txid_id ON event (txid, id);
CREATE INDEX event_occurred_at ON event (occurred_at);

-- Listeners (API replicas, workers) are woken on commit; NOTIFY folds duplicates within a transaction.
CREATE FUNCTION notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('lianxin_event', '');
    RETURN NULL;
END $$;
CREATE TRIGGER event_notify AFTER INSERT ON event FOR EACH STATEMENT EXECUTE FUNCTION notify_event();

-- Where a background reader of the event log has got to (webhook fan-out, e-mail), one row each.
CREATE TABLE event_reader (
    name        text PRIMARY KEY,
    txid        xid8 NOT NULL,
    event_id    bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_endpoint (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id   bigint REFERENCES agency (id),          -- NULL: owned by an administrator
    url         text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    event_types text[] NOT NULL DEFAULT '{}',           -- empty: every type the owner may see
    -- the signing key itself (HMAC needs it); shown to the owner once, at creation
    secret      text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoint_agency ON webhook_endpoint (agency_id, id);

CREATE TABLE webhook_delivery (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id     bigint NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
    event_id        bigint NOT NULL,   -- no FK: event retention may delete the row, the delivery stays
    event_type      text NOT NULL,
    body            jsonb NOT NULL,    -- the exact document posted (frozen at fan-out)
    status          text NOT NULL DEFAULT 'PENDING'
                    CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED', 'DEAD')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- a worker holds a delivery while posting it; a killed worker's lease runs out and it is retried
    leased_until    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    retry_from      timestamptz NOT NULL DEFAULT now(),  -- the retry window starts here (redeliver resets it)
    delivered_at    timestamptz,
    dead_at         timestamptz,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX webhook_delivery_endpoint ON webhook_delivery (endpoint_id, id);

CREATE TABLE webhook_attempt (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  bigint NOT NULL REFERENCES webhook_delivery (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    status_code  integer,
    error        text,
    duration_ms  integer NOT NULL CHECK (duration_ms >= 0)
);
CREATE INDEX webhook_attempt_delivery ON webhook_attempt (delivery_id, id);

-- The contact person's e-mail address (the household's contact_name/contact_phone stay in household).
CREATE TABLE household_contact_email (
    household_id bigint PRIMARY KEY REFERENCES household (id) ON DELETE CASCADE,
    email        text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One e-mail per event and recipient, whatever number of workers read the log.
CREATE TABLE email_notification (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    bigint NOT NULL,
    recipient   text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    status      text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'DEAD')),
    attempts    integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error  text,
    sent_at     timestamptz,
    UNIQUE (event_id, recipient)
);
CREATE INDEX email_notification_due ON email_notification (next_attempt_at) WHERE status = 'PENDING';
