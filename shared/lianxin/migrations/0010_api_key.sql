-- Agency API keys (DESIGN.md §7): only a SHA-256 of the key is kept; `prefix` finds the row.
CREATE TABLE api_key (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id   bigint NOT NULL REFERENCES agency (id),
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    prefix      text NOT NULL UNIQUE CHECK (prefix ~ '^lx_[A-Za-z0-9_-]{8}$'),
    key_sha256  bytea NOT NULL CHECK (length(key_sha256) = 32),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX api_key_agency ON api_key (agency_id, id);
