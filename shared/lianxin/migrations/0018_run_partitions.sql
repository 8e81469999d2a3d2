-- Issue 14: one partitioned, resumable run mechanism for re-matching runs, aid batches and simulations.
--
-- A run (a row of eligibility_run, aid_batch or policy_simulation: `kind` says which) is cut, when it
-- starts, into partitions of consecutive household ids. Any number of workers take partitions with
-- SELECT … FOR UPDATE SKIP LOCKED and work each in one transaction that also marks it DONE, so the
-- row lock is the lease: a worker killed mid-partition loses that partition only (its transaction
-- rolls back and the lock goes with its connection), and the next worker takes it again.
CREATE TABLE run_partition (
    kind        text NOT NULL CHECK (kind IN ('eligibility', 'aid', 'simulation')),
    run_id      bigint NOT NULL,
    seq         integer NOT NULL,
    lo          bigint NOT NULL,              -- household ids lo … hi (inclusive)
    hi          bigint NOT NULL,
    households  integer NOT NULL,             -- in scope when the run was planned
    status      text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'DONE')),
    done        integer NOT NULL DEFAULT 0,
    changed     integer NOT NULL DEFAULT 0,
    result      jsonb,                        -- a simulation's partial tally
    finished_at timestamptz,
    PRIMARY KEY (kind, run_id, seq)
);
CREATE INDEX run_partition_queued ON run_partition (kind, run_id, seq) WHERE status = 'QUEUED';

ALTER TABLE policy_simulation ADD COLUMN started_at timestamptz;

-- The Relay global id of a row ("Type:pk", URL-safe base64 without padding), as lianxin.core.ids writes
-- it: set-based writers (a partition's eligibility.decided events) name their subjects in SQL.
CREATE FUNCTION lianxin_global_id(type_name text, pk bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT rtrim(translate(encode(convert_to(type_name || ':' || pk, 'UTF8'), 'base64'), '+/', '-_'), '=')
$$;
