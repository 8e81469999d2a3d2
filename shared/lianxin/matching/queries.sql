-- name: lock_active_households
SELECT id, region_code FROM household WHERE id = ANY($1::bigint[]) AND status = 'ACTIVE' ORDER BY id FOR UPDATE;

-- name: v2_facts_by_household_ids
-- RULES.md v2: the household's own facts of the union's classification.
SELECT id, major_event_casualty, exclusions FROM household WHERE id = ANY($1::bigint[]);

-- name: current_by_household_ids
SELECT household_id, policy_id, fingerprint, outcome, decision_id FROM household_eligibility
WHERE household_id = ANY($1::bigint[]);

-- name: insert_decisions
-- $1: a JSON array of decisions (one object per household), $2 evaluation date, $3 run id or NULL.
INSERT INTO eligibility_decision (household_id, policy_id, fingerprint, outcome, counted_income_fen,
    per_capita_income_fen, standard_fen, monthly_benefit_fen, suggested_category, single_person_members,
    trace, evaluated_on, run_id, category_income_fen, rules_version)
SELECT r.household_id, r.policy_id, r.fingerprint, r.outcome, r.counted_income_fen, r.per_capita_income_fen,
       r.standard_fen, r.monthly_benefit_fen, r.suggested_category, r.single_person_members, r.trace, $2, $3,
       r.category_income_fen, r.rules_version
FROM jsonb_to_recordset($1::jsonb) AS r(
    household_id bigint, policy_id bigint, fingerprint text, outcome text, counted_income_fen bigint,
    per_capita_income_fen bigint, standard_fen bigint, monthly_benefit_fen bigint, suggested_category text,
    single_person_members integer[], trace jsonb, category_income_fen bigint, rules_version integer)
RETURNING id, household_id;

-- name: upsert_current
INSERT INTO household_eligibility (household_id, decision_id, policy_id, fingerprint, outcome)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])
ON CONFLICT (household_id) DO UPDATE
SET decision_id = excluded.decision_id, policy_id = excluded.policy_id,
    fingerprint = excluded.fingerprint, outcome = excluded.outcome;

-- name: list_decisions_by_ids
SELECT * FROM eligibility_decision WHERE id = ANY($1::bigint[]);

-- name: latest_decisions_by_household_ids
SELECT d.* FROM household_eligibility c JOIN eligibility_decision d ON d.id = c.decision_id
WHERE c.household_id = ANY($1::bigint[]);

-- name: list_decisions_by_household_ids
SELECT * FROM eligibility_decision WHERE household_id = ANY($1::bigint[]) ORDER BY household_id, id DESC;

-- name: insert_run
-- $4 $5 $6 the requesting caller's scope (lianxin.access.rules.ListScope; NULL for no limit)
INSERT INTO eligibility_run (region_code, union_id, reason, scope_union_root, scope_region_prefix, scope_sponsor_id)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING *;

-- name: get_run
SELECT * FROM eligibility_run WHERE id = $1;

-- name: list_runs_by_ids
SELECT * FROM eligibility_run WHERE id = ANY($1::bigint[]);

-- name: lock_run
SELECT * FROM eligibility_run WHERE id = $1 FOR UPDATE;

-- name: start_run
UPDATE eligibility_run SET status = 'RUNNING', total = $2, started_at = coalesce(started_at, now())
WHERE id = $1 RETURNING *;

-- name: advance_run
UPDATE eligibility_run SET done = done + $2, changed = changed + $3, last_household_id = $4 WHERE id = $1;

-- name: finish_run
UPDATE eligibility_run SET status = $2, finished_at = now() WHERE id = $1;

-- name: scope_household_ids
-- Active households of a region prefix ($1) or union subtree ($2) after id $3, in id order, among those
-- the requesting caller may see: $5 $6 $7 its scope as recorded on the row (union root, region prefix,
-- actively paired sponsor; NULL for no limit).
SELECT h.id FROM lianxin_households_in_scope($5, $6, $7) h
WHERE h.status = 'ACTIVE' AND h.id > $3
  AND ($1::text IS NULL OR h.region_code LIKE $1 || '%')
  AND ($2::bigint IS NULL OR h.union_id IN (SELECT id FROM lianxin_unions_in_subtree($2)))
ORDER BY h.id LIMIT $4;

-- name: count_scope
-- $1 region prefix, $2 union subtree, $3 $4 $5 the requesting caller's scope: as scope_household_ids
SELECT count(*) FROM lianxin_households_in_scope($3, $4, $5) h
WHERE h.status = 'ACTIVE'
  AND ($1::text IS NULL OR h.region_code LIKE $1 || '%')
  AND ($2::bigint IS NULL OR h.union_id IN (SELECT id FROM lianxin_unions_in_subtree($2)));

-- name: list_simulations_by_ids
SELECT * FROM policy_simulation WHERE id = ANY($1::bigint[]);

-- name: insert_simulation
INSERT INTO policy_simulation (region_code, parameters, requested_by) VALUES ($1, $2, $3) RETURNING id;

-- name: start_simulation
UPDATE policy_simulation SET status = 'RUNNING', total = $2, done = 0 WHERE id = $1;

-- name: advance_simulation
UPDATE policy_simulation SET done = $2 WHERE id = $1;

-- name: finish_simulation
UPDATE policy_simulation SET status = 'DONE', results = $2, finished_at = now() WHERE id = $1;

-- name: run_with_reason_exists
SELECT EXISTS (SELECT 1 FROM eligibility_run WHERE reason = $1 AND status <> 'FAILED');

-- name: decided_by_older_rules
-- Is some active household's current decision older than rules version $1?
SELECT EXISTS (
    SELECT 1 FROM household_eligibility c
    JOIN eligibility_decision d ON d.id = c.decision_id
    JOIN household h ON h.id = c.household_id
    WHERE h.status = 'ACTIVE' AND d.rules_version < $1);
