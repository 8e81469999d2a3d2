-- Before/after of every field a mutation changed (DESIGN.md §7), captured by the database itself.
--
-- A mutation's transaction turns capture on (`SET LOCAL lianxin.audit_capture = 'on'`); a row trigger on
-- each audited table then stages the changed columns of every insert, update and delete in
-- `audit_row_change`; the audit entry written at the end of the same transaction takes the staged rows
-- of its transaction into `audit_entry.changes` and deletes them. Writes outside a mutation (the worker,
-- migrations) leave capture off and cost the trigger one setting lookup. Secrets, key hashes, ID numbers,
-- phones and e-mail addresses are masked before they are staged.

ALTER TABLE audit_entry
    ADD COLUMN changes jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN change_count integer NOT NULL DEFAULT 0;

CREATE UNLOGGED TABLE audit_row_change (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid        bigint NOT NULL DEFAULT txid_current(),
    table_name  text NOT NULL,
    row_id      text,
    op          text NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
    before      jsonb,
    after       jsonb
);
CREATE INDEX audit_row_change_txid ON audit_row_change (txid, seq);

CREATE FUNCTION audit_mask_middle(value text, head integer, tail integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(value) <= head + tail THEN repeat('*', length(value))
                ELSE left(value, head) || repeat('*', length(value) - head - tail) || right(value, tail) END
$$;

-- The document with sensitive columns masked, as the API's audit input is masked.
CREATE FUNCTION audit_mask(doc jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT coalesce(jsonb_object_agg(key, CASE
        WHEN jsonb_typeof(value) = 'null' THEN value
        WHEN key ~ '(secret|sha256|hash|token|password)' THEN '"***"'::jsonb
        WHEN key ~ '(id_number|resident_id)' THEN to_jsonb(audit_mask_middle(value #>> '{}', 4, 4))
        WHEN key ~ 'phone' THEN to_jsonb(audit_mask_middle(value #>> '{}', 3, 4))
        WHEN key ~ 'email' THEN to_jsonb(audit_mask_middle(value #>> '{}', 1, 0) || '@'
                                         || split_part(value #>> '{}', '@', 2))
        ELSE value END), '{}'::jsonb)
    FROM jsonb_each(doc)
$$;

CREATE FUNCTION audit_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_doc jsonb;
    new_doc jsonb;
    before_doc jsonb;
    after_doc jsonb;
BEGIN
    IF coalesce(current_setting('lianxin.audit_capture', true), '') <> 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN old_doc := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN new_doc := to_jsonb(NEW); END IF;
    IF TG_OP = 'UPDATE' THEN
        -- only the columns whose value changed; bookkeeping columns alone are not a change
        SELECT jsonb_object_agg(n.key, o.value), jsonb_object_agg(n.key, n.value)
          INTO before_doc, after_doc
          FROM jsonb_each(new_doc) AS n JOIN jsonb_each(old_doc) AS o ON o.key = n.key
         WHERE n.value IS DISTINCT FROM o.value AND n.key NOT IN ('updated_at', 'version');
        IF before_doc IS NULL THEN
            RETURN NULL;
        END IF;
    ELSE
        before_doc := old_doc;
        after_doc := new_doc;
    END IF;
    INSERT INTO audit_row_change (table_name, row_id, op, before, after)
    VALUES (TG_TABLE_NAME, coalesce(new_doc ->> 'id', old_doc ->> 'id'), TG_OP,
            audit_mask(before_doc), audit_mask(after_doc));
    RETURN NULL;
END
$$;

-- The tables a mutation may change. (A test lists every table as audited here or deliberately not.)
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'trade_union', 'organization', 'household', 'member', 'income', 'expenditure', 'asset',
        'cooperative', 'cooperative_member', 'cooperative_asset', 'cooperative_year', 'sponsorship',
        'dibao_policy', 'agency', 'referral', 'eligibility_run', 'policy_simulation', 'webhook_endpoint',
        'household_contact_email', 'visit', 'visit_action', 'aid_batch', 'aid_disbursement',
        'mutual_aid_plan', 'mutual_aid_coverage', 'mutual_aid_enrollment', 'mutual_aid_claim', 'api_key'
    ] LOOP
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION audit_capture()',
            t || '_audit_capture', t);
    END LOOP;
END
$$;
