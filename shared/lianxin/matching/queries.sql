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
       r.standard_fen, r.monthly_benefit_fen, r.suggested_category, r.single_person_members, r.trace::json, $2, $3,
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

-- name: latest_decisions_without_trace_by_household_ids
-- latest_decisions_by_household_ids without the trace (a screen showing decisions, not their steps:
-- the trace is a few KB of JSON per decision to read and decode); NULL in its place.
SELECT d.id, d.household_id, d.policy_id, d.fingerprint, d.outcome, d.counted_income_fen,
       d.per_capita_income_fen, d.standard_fen, d.monthly_benefit_fen, d.suggested_category,
       d.single_person_members, NULL::json AS trace, d.evaluated_on, d.evaluated_at, d.run_id,
       d.category_income_fen, d.rules_version
FROM household_eligibility c JOIN eligibility_decision d ON d.id = c.decision_id
WHERE c.household_id = ANY($1::bigint[]);

-- name: latest_decision_fields_by_household_ids
-- latest_decisions_by_household_ids as plain columns (`rows_array`: no json field in a row value; the
-- trace as its text, which the json codec decodes; no array either, which an anonymous row value
-- cannot decode); only what StoredDecision.from_row reads; DECISION_FIELDS names them in order.
SELECT d.id, d.household_id, d.policy_id, d.fingerprint, d.outcome, d.counted_income_fen,
       d.per_capita_income_fen, d.standard_fen, d.monthly_benefit_fen, d.suggested_category,
       d.evaluated_on, d.evaluated_at, d.run_id, d.category_income_fen,
       d.rules_version
FROM household_eligibility c JOIN eligibility_decision d ON d.id = c.decision_id
WHERE c.household_id = ANY($1::bigint[]);

-- name: latest_decision_fields_with_trace_by_household_ids
-- latest_decision_fields_by_household_ids and the trace's text, last
SELECT d.id, d.household_id, d.policy_id, d.fingerprint, d.outcome, d.counted_income_fen,
       d.per_capita_income_fen, d.standard_fen, d.monthly_benefit_fen, d.suggested_category,
       d.evaluated_on, d.evaluated_at, d.run_id, d.category_income_fen,
       d.rules_version, d.trace::text
FROM household_eligibility c JOIN eligibility_decision d ON d.id = c.decision_id
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

-- name: list_simulations_by_ids
SELECT * FROM policy_simulation WHERE id = ANY($1::bigint[]);

-- name: insert_simulation
INSERT INTO policy_simulation (region_code, parameters, requested_by) VALUES ($1, $2, $3) RETURNING id;

-- name: finish_simulation
UPDATE policy_simulation SET results = $2 WHERE id = $1;

-- name: run_with_reason_exists
SELECT EXISTS (SELECT 1 FROM eligibility_run WHERE reason = $1 AND status <> 'FAILED');

-- name: decided_by_older_rules
-- Is some active household's current decision older than rules version $1?
SELECT EXISTS (
    SELECT 1 FROM household_eligibility c
    JOIN eligibility_decision d ON d.id = c.decision_id
    JOIN household h ON h.id = c.household_id
    WHERE h.status = 'ACTIVE' AND d.rules_version < $1);

-- name: write_staged_decisions
-- The partition's decisions from the temp table decision_stage (filled with COPY) in one statement:
-- the decisions ($1 evaluation date, $2 run id), the current decision of each household, and one
-- eligibility.decided event each (its union path given, as the event trigger would derive it; its payload
-- keys and values those of lianxin.matching.service._decided_event; the household's and the policy's
-- Relay ids staged by the caller, which computes them for less than lianxin_global_id here); $3 $4
-- the least and greatest household id staged; $5 the staged households that have a current decision
-- (updated; the others' inserted: their households are locked, so nobody inserts one meanwhile, and a
-- plain insert costs less than ON CONFLICT's speculative insertion). Returns
-- the decided households that need a referral opened or withdrawn (lianxin.referral.follow_decisions).
WITH ins AS (
    INSERT INTO eligibility_decision (household_id, policy_id, fingerprint, outcome, counted_income_fen,
        per_capita_income_fen, standard_fen, monthly_benefit_fen, suggested_category, single_person_members,
        trace, evaluated_on, run_id, category_income_fen, rules_version)
    SELECT household_id, policy_id, fingerprint, outcome, counted_income_fen, per_capita_income_fen,
           standard_fen, monthly_benefit_fen, suggested_category, single_person_members, trace::json, $1, $2,
           category_income_fen, rules_version
    FROM decision_stage ORDER BY household_id
    RETURNING id, household_id, policy_id, fingerprint, outcome, monthly_benefit_fen, suggested_category,
              category_income_fen
), upd AS (
    UPDATE household_eligibility c
    SET decision_id = ins.id, policy_id = ins.policy_id, fingerprint = ins.fingerprint, outcome = ins.outcome
    FROM ins WHERE c.household_id = ins.household_id AND ins.household_id = ANY($5::bigint[])
      AND c.household_id BETWEEN $3 AND $4  -- the partition's rows only, whatever plan is chosen
), cur AS (
    INSERT INTO household_eligibility (household_id, decision_id, policy_id, fingerprint, outcome)
    SELECT household_id, id, policy_id, fingerprint, outcome FROM ins WHERE ins.household_id <> ALL($5::bigint[])
), h AS (
    SELECT ins.*, hh.region_code, u.path, s.subject_id, s.policy_gid,
           ins.outcome IN ('DIBAO', 'EXPENDITURE_TYPE', 'SINGLE_PERSON') AS eligible
    FROM ins JOIN household hh ON hh.id = ins.household_id AND hh.id BETWEEN $3 AND $4
    JOIN decision_stage s ON s.household_id = ins.household_id
    LEFT JOIN trade_union u ON u.id = hh.union_id
), ev AS (
    INSERT INTO event (type, subject_id, region_code, union_path, payload)
    SELECT 'eligibility.decided', h.subject_id, h.region_code, h.path,
           jsonb_build_object('decisionId', lianxin_global_id('EligibilityDecision', h.id),
                              'outcome', h.outcome, 'monthlyBenefitFen', h.monthly_benefit_fen,
                              'policyId', h.policy_gid,
                              'suggestedCategory', h.suggested_category,
                              'categoryIncomeFen', h.category_income_fen)
    FROM h ORDER BY h.household_id
)
SELECT h.household_id, h.region_code, h.eligible, h.id AS decision_id FROM h
WHERE h.eligible <> EXISTS (
    SELECT 1 FROM referral r
    WHERE r.household_id = h.household_id AND r.status IN ('SENT', 'RECEIVED', 'INVESTIGATING')
      AND r.household_id BETWEEN $3 AND $4);  -- hashed, this is the partition's open referrals, not all

-- name: regions_of_households
SELECT id, region_code FROM household WHERE id = ANY($1::bigint[]) ORDER BY id;

-- name: partition_households
-- A run's partition (the re-matching path of issue 14): one row per household with the sums RULES.md
-- reads (lianxin.eligibility.vector.Columns) and its fingerprint computed here as
-- lianxin.eligibility.facts.fingerprint computes it, every fact
-- table read by the partition's id range $9 … $10 (index range scans on household_id; no 10,000-element
-- IN list, no sequential scan growing with the population), the members read once, the age classes of
-- the fingerprint by date comparison ((as_of - 18 years) and (as_of - elderly_age years), 29 February
-- clamped as age_on does), and the fingerprint computed once per household. $1 the partition's locked
-- ACTIVE households (all within $9 … $10); $2 the evaluation date; $3 region codes and $4 their policy
-- slot (1-based); per slot: $5 canonical parameters JSON, $6 elderly_age, $7 policy id; $8 the engine
-- version. Only households whose policy or fingerprint changed come back; cur_outcome is the current
-- outcome's code (-1: no current decision), cur_category 0. Every column is NOT NULL and fixed-width
-- (read with binary COPY straight into numpy); `exact` marks a household the vectorised path leaves to
-- the exact engine: more members than a bit mask holds, or sums past 10^15 fen.
WITH pol AS (
    SELECT p.*, ($2::date - make_interval(years => p.elderly))::date AS elderly_born_by
    FROM unnest($5::text[], $6::int[], $7::bigint[]) WITH ORDINALITY AS p(params, elderly, policy_id, slot)
), hh AS MATERIALIZED (
    SELECT h.id, h.major_event_casualty AS cas, h.exclusions, pol.slot, pol.policy_id, pol.params,
           pol.elderly_born_by
    FROM household h
    JOIN unnest($3::text[], $4::int[]) AS r(region_code, slot) ON r.region_code = h.region_code
    JOIN pol ON pol.slot = r.slot
    WHERE h.id BETWEEN $9 AND $10 AND h.id = ANY($1::bigint[])
), mem AS MATERIALIZED (
    SELECT m.household_id, m.position, m.birth_date, m.health, m.employment,
           (row_number() OVER (PARTITION BY m.household_id ORDER BY m.position) - 1)::int AS idx
    FROM member m WHERE m.household_id BETWEEN $9 AND $10
), mem_h AS (
    SELECT mem.household_id, count(*) AS n,
           string_agg('["' || to_char(mem.birth_date, 'YYYY-MM-DD') || '","' || mem.health || '","'
                      || mem.employment || '"]', ',' ORDER BY mem.idx) AS doc,
           string_agg(CASE WHEN mem.birth_date > ($2::date - interval '18 years')::date
                           THEN CASE WHEN mem.birth_date <= hh.elderly_born_by THEN '[true,true]' ELSE '[true,false]' END
                           ELSE CASE WHEN mem.birth_date <= hh.elderly_born_by THEN '[false,true]' ELSE '[false,false]' END
                      END, ',' ORDER BY mem.idx) AS ages
    FROM mem JOIN hh ON hh.id = mem.household_id GROUP BY mem.household_id
), inc_h AS (
    SELECT i.household_id, sum(i.monthly_fen) FILTER (WHERE i.kind <> 'EXEMPT') AS t,
           string_agg('[' || coalesce(mem.idx::text, 'null') || ',"' || i.kind || '",' || i.monthly_fen || ']', ','
                      ORDER BY coalesce(mem.idx, -1), i.kind COLLATE "C", i.monthly_fen) AS doc
    FROM income i LEFT JOIN mem ON mem.household_id = i.household_id AND mem.position = i.member_position
    WHERE i.household_id BETWEEN $9 AND $10 GROUP BY i.household_id
), exp_h AS (
    SELECT household_id,
           sum(annual_fen) FILTER (WHERE kind IN ('MEDICAL', 'EDUCATION', 'OTHER_RIGID')) AS ry,
           sum(annual_fen) FILTER (WHERE kind = 'MEDICAL') AS med,
           sum(annual_fen) FILTER (WHERE kind = 'ACCIDENT_LOSS') AS los,
           string_agg('["' || kind || '",' || annual_fen || ']', ',' ORDER BY kind COLLATE "C", annual_fen) AS doc
    FROM expenditure WHERE household_id BETWEEN $9 AND $10 GROUP BY household_id
), ast_h AS (
    SELECT household_id,
           sum(value_fen::numeric * count) FILTER (WHERE kind IN ('DEPOSIT', 'SECURITIES')) AS sav,
           max(value_fen) FILTER (WHERE kind = 'VEHICLE') AS veh,
           sum(count) FILTER (WHERE kind = 'HOUSE') AS hou,
           sum(value_fen::numeric * count) FILTER (WHERE kind = 'BUSINESS') AS bus,
           string_agg('["' || kind || '",' || value_fen || ',' || count || ']', ','
                      ORDER BY kind COLLATE "C", value_fen, count) AS doc
    FROM asset WHERE household_id BETWEEN $9 AND $10 GROUP BY household_id
), f AS MATERIALIZED (
    SELECT hh.id, hh.slot, hh.policy_id, coalesce(mem_h.n, 0) AS n,
           coalesce(inc_h.t, 0) AS t, coalesce(exp_h.ry, 0) AS ry, coalesce(exp_h.med, 0) AS med,
           coalesce(exp_h.los, 0) AS los, coalesce(ast_h.sav, 0) AS sav, coalesce(ast_h.veh, 0) AS veh,
           coalesce(ast_h.hou, 0) AS hou, coalesce(ast_h.bus, 0) AS bus, hh.cas,
           (('HIGH_FEE_PRIVATE_SCHOOL' = ANY(hh.exclusions))::int
            + 2 * ('SELF_FUNDED_STUDY_ABROAD' = ANY(hh.exclusions))::int) AS exc,
           encode(sha256(convert_to(
               '{"age_classes":[' || coalesce(mem_h.ages, '') || '],"engine":"' || $8
               || '","household":{"assets":[' || coalesce(ast_h.doc, '')
               || '],"exclusions":[' || CASE WHEN cardinality(hh.exclusions) = 0 THEN '' ELSE
                      (SELECT coalesce(string_agg('"' || e || '"', ',' ORDER BY e COLLATE "C"), '')
                       FROM (SELECT DISTINCT unnest(hh.exclusions) AS e) x) END
               || '],"expenditures":[' || coalesce(exp_h.doc, '')
               || '],"incomes":[' || coalesce(inc_h.doc, '')
               || '],"major_event_casualty":' || hh.cas::text
               || ',"members":[' || coalesce(mem_h.doc, '') || ']}}|parameters:' || hh.params, 'UTF8')), 'hex') AS fp
    FROM hh
    LEFT JOIN mem_h ON mem_h.household_id = hh.id
    LEFT JOIN inc_h ON inc_h.household_id = hh.id
    LEFT JOIN exp_h ON exp_h.household_id = hh.id
    LEFT JOIN ast_h ON ast_h.household_id = hh.id
)
SELECT f.id, f.slot::int, f.n::int,
       least(f.t, 1e15)::bigint AS t, least(f.ry, 1e15)::bigint AS ry, least(f.med, 1e15)::bigint AS med,
       least(f.los, 1e15)::bigint AS los, least(f.sav, 1e15)::bigint AS sav, least(f.veh, 1e15)::bigint AS veh,
       least(f.hou, 1e15)::bigint AS hou, least(f.bus, 1e15)::bigint AS bus, f.cas, f.exc::int,
       (f.n > 62 OR greatest(f.t, f.ry, f.med + f.los, f.sav, f.veh, f.hou, f.bus) >= 1e15) AS exact,
       (CASE WHEN c.household_id IS NULL THEN -1 ELSE coalesce(array_position(ARRAY['INSUFFICIENT_DATA',
           'NOT_ELIGIBLE', 'DIBAO', 'EXPENDITURE_TYPE', 'SINGLE_PERSON', 'MARGINAL', 'RIGID_EXPENDITURE'],
           c.outcome) - 1, 7) END)::smallint AS cur_outcome,
       0::smallint AS cur_category, f.fp
FROM f
-- the current decisions of the partition's id range only: the planner cannot know f's size, and joined
-- by id alone it hashed the whole table once per partition (a run got slower as it filled the table)
LEFT JOIN household_eligibility c ON c.household_id = f.id AND c.household_id BETWEEN $9 AND $10
WHERE c.household_id IS NULL OR c.policy_id <> f.policy_id OR c.fingerprint <> f.fp
ORDER BY f.id;

-- name: partition_members
-- The members of households $1 (all within the id range $3 … $4, read by index range scans; in id order)
-- for lianxin.eligibility.vector.Columns, in member order: age on $2, health code (1 DISABILITY_SEVERE,
-- 2 CRITICAL_ILLNESS, else 0), whether the wage deduction applies, the member's WAGE and every income but
-- EXEMPT attached to it.
SELECT m.household_id,
       (date_part('year', $2::date) - date_part('year', m.birth_date)
        - ((date_part('month', $2::date), date_part('day', $2::date))
           < (date_part('month', m.birth_date), date_part('day', m.birth_date)))::int)::int AS age,
       (CASE m.health WHEN 'DISABILITY_SEVERE' THEN 1 WHEN 'CRITICAL_ILLNESS' THEN 2 ELSE 0 END)::smallint AS health,
       m.employment IN ('EMPLOYED', 'FLEXIBLE') AS deducted,
       coalesce(i.wage, 0)::bigint AS wage, coalesce(i.own, 0)::bigint AS own
FROM member m
LEFT JOIN (
    SELECT household_id, member_position, sum(monthly_fen) FILTER (WHERE kind = 'WAGE') AS wage,
           sum(monthly_fen) FILTER (WHERE kind <> 'EXEMPT') AS own
    FROM income WHERE household_id BETWEEN $3 AND $4 AND member_position IS NOT NULL
    GROUP BY household_id, member_position
) i ON i.household_id = m.household_id AND i.member_position = m.position
WHERE m.household_id BETWEEN $3 AND $4 AND m.household_id = ANY($1::bigint[])
ORDER BY m.household_id, m.position;

-- name: lock_active_range
-- lock_active_households of $1, all within the id range $2 … $3 (one index range scan).
SELECT id, region_code FROM household
WHERE id BETWEEN $2 AND $3 AND id = ANY($1::bigint[]) AND status = 'ACTIVE' ORDER BY id FOR UPDATE;
