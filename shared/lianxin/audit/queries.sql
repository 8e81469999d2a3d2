-- Audit entries and the unmasked-read access log. Both tables refuse UPDATE and DELETE.

-- name: start_change_capture
-- For the rest of this transaction, audited tables stage their row changes (migration 0013).
SELECT set_config('lianxin.audit_capture', 'on', true);

-- name: take_row_changes
-- The row changes staged by this transaction (the first 1000, all counted), cleared from the stage.
WITH taken AS (
    DELETE FROM audit_row_change WHERE txid = txid_current()
    RETURNING seq, table_name, row_id, op, before, after
), kept AS (
    SELECT * FROM taken ORDER BY seq LIMIT 1000
)
SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'table', table_name, 'rowId', row_id, 'op', op, 'before', before, 'after', after)
            ORDER BY seq), '[]'::jsonb)
          FROM kept) AS changes,
       (SELECT count(*) FROM taken) AS change_count;

-- name: insert_audit_entry
INSERT INTO audit_entry
    (actor_subject, actor_role, operation, entity_ids, input, outcome, request_id, changes, change_count,
     truncated)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING *;

-- name: list_audit_entries_page
-- newest first: $6 is the id to continue below (a huge number for the first page), $7 the limit
SELECT * FROM audit_entry
WHERE ($1::text IS NULL OR actor_subject = $1)
  AND ($2::text IS NULL OR operation = $2)
  AND ($3::text IS NULL OR entity_ids @> ARRAY[$3::text])
  AND ($4::timestamptz IS NULL OR occurred_at >= $4)
  AND ($5::timestamptz IS NULL OR occurred_at < $5)
  AND id < $6 /*keyset*/
ORDER BY id DESC /*keyset*/ LIMIT $7;

-- name: count_audit_entries
SELECT count(*) FROM audit_entry
WHERE ($1::text IS NULL OR actor_subject = $1)
  AND ($2::text IS NULL OR operation = $2)
  AND ($3::text IS NULL OR entity_ids @> ARRAY[$3::text])
  AND ($4::timestamptz IS NULL OR occurred_at >= $4)
  AND ($5::timestamptz IS NULL OR occurred_at < $5);

-- name: insert_access_log
INSERT INTO access_log (actor_subject, actor_role, field, member_ids, request_id)
VALUES ($1, $2, $3, $4, $5);
