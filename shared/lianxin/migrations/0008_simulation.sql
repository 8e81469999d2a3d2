-- What-if simulations of a policy over a region's households: results only, no decisions written.
CREATE TABLE policy_simulation (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_code     char(6) NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
    parameters      jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    total           integer NOT NULL DEFAULT 0,
    done            integer NOT NULL DEFAULT 0,
    results         jsonb,
    requested_by    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
