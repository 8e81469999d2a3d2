-- name: find_plan
SELECT id FROM mutual_aid_plan WHERE year = $1 AND lower(btrim(name)) = lower(btrim($2));

-- name: insert_plan
INSERT INTO mutual_aid_plan (year, name, women_only) VALUES ($1, btrim($2), $3) RETURNING *;

-- name: insert_coverages
INSERT INTO mutual_aid_coverage (plan_id, coverage, cap_fen)
SELECT $1, c.coverage, c.cap_fen FROM unnest($2::text[], $3::bigint[]) AS c(coverage, cap_fen);

-- name: get_plan
SELECT * FROM mutual_aid_plan WHERE id = $1;

-- name: list_plans_by_ids
SELECT * FROM mutual_aid_plan WHERE id = ANY($1::bigint[]);

-- name: list_enrollments_by_ids
SELECT * FROM mutual_aid_enrollment WHERE id = ANY($1::bigint[]);

-- name: list_plans
-- $1 year or NULL
SELECT * FROM mutual_aid_plan WHERE ($1::integer IS NULL OR year = $1) ORDER BY year DESC, id;

-- name: list_coverages_by_plan_ids
SELECT * FROM mutual_aid_coverage WHERE plan_id = ANY($1::bigint[]) ORDER BY plan_id, coverage;

-- name: household_status
SELECT status FROM household WHERE id = $1;

-- name: list_members
SELECT id, sex FROM member WHERE household_id = $1 ORDER BY position;

-- name: enroll_members
-- Enrollment is free and idempotent: members already enrolled in the plan are left as they are.
INSERT INTO mutual_aid_enrollment (plan_id, member_id, household_id, enrolled_on)
SELECT $1, m, $2, $4 FROM unnest($3::bigint[]) AS m
ON CONFLICT (plan_id, member_id) DO NOTHING;

-- name: list_enrollments_of_household
SELECT * FROM mutual_aid_enrollment WHERE plan_id = $1 AND household_id = $2 ORDER BY id;

-- name: lock_enrollment
-- Serialises claims on one member's enrollment, so two claims filed at once cannot pass the cap together.
SELECT * FROM mutual_aid_enrollment WHERE plan_id = $1 AND member_id = $2 FOR UPDATE;

-- name: claimed_fen
SELECT coalesce(sum(amount_fen), 0)::bigint FROM mutual_aid_claim
WHERE enrollment_id = $1 AND coverage = $2 AND status <> 'REJECTED';

-- name: insert_claim
INSERT INTO mutual_aid_claim (enrollment_id, plan_id, coverage, amount_fen, incurred_on)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: lock_claim
SELECT * FROM mutual_aid_claim WHERE id = $1 FOR UPDATE;

-- name: update_claim
UPDATE mutual_aid_claim SET status = $2, reason = $3, updated_at = now() WHERE id = $1 RETURNING *;

-- name: list_claims_by_ids
SELECT * FROM mutual_aid_claim WHERE id = ANY($1::bigint[]);

-- name: claim_totals
-- $1 first year, $2 last year (inclusive) of the plans counted; $3 $4 $5 the caller's scope (union root,
-- region prefix, actively paired sponsor of the household; NULL: no limit).
SELECT count(*)::integer AS claims,
       (count(*) FILTER (WHERE c.status = 'PAID'))::integer AS paid_claims,
       coalesce(sum(c.amount_fen) FILTER (WHERE c.status <> 'REJECTED'), 0)::bigint AS amount_claimed_fen,
       coalesce(sum(c.amount_fen) FILTER (WHERE c.status = 'PAID'), 0)::bigint AS amount_paid_fen
FROM mutual_aid_claim c JOIN mutual_aid_plan p ON p.id = c.plan_id
JOIN mutual_aid_enrollment e ON e.id = c.enrollment_id
JOIN lianxin_households_in_scope($3, $4, $5) h ON h.id = e.household_id
WHERE p.year BETWEEN $1 AND $2;

-- name: enrollment_household
SELECT household_id FROM mutual_aid_enrollment WHERE id = $1;

-- name: list_claims_page
-- $1 plan id or NULL, $2 member id or NULL, $3 status or NULL, $4 after id, $5 limit; $6 $7 $8 the
-- caller's scope (union root, region prefix, actively paired sponsor of the household; NULL: no limit)
SELECT c.* FROM mutual_aid_claim c JOIN mutual_aid_enrollment e ON e.id = c.enrollment_id
JOIN lianxin_households_in_scope($6, $7, $8) h ON h.id = e.household_id
WHERE ($1::bigint IS NULL OR c.plan_id = $1) AND ($2::bigint IS NULL OR e.member_id = $2)
  AND ($3::text IS NULL OR c.status = $3) AND c.id > $4 /*keyset*/
ORDER BY c.id /*keyset*/ LIMIT $5;

-- name: count_claims
SELECT count(*) FROM mutual_aid_claim c JOIN mutual_aid_enrollment e ON e.id = c.enrollment_id
JOIN lianxin_households_in_scope($4, $5, $6) h ON h.id = e.household_id
WHERE ($1::bigint IS NULL OR c.plan_id = $1) AND ($2::bigint IS NULL OR e.member_id = $2)
  AND ($3::text IS NULL OR c.status = $3);
