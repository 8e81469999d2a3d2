-- Audit trail (DESIGN.md §7): one row per mutation, refused ones included, and one per request that
-- read ID numbers unmasked. Both tables are append-only: the trigger refuses UPDATE and DELETE.
CREATE TABLE audit_entry (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    actor_subject   text NOT NULL,
    actor_role      text NOT NULL,
    operation       text NOT NULL,
    entity_ids      text[] NOT NULL DEFAULT '{}',
    input           jsonb NOT NULL DEFAULT '{}',
    outcome         text[] NOT NULL CHECK (cardinality(outcome) > 0),
    request_id      text
);
CREATE INDEX audit_entry_actor ON audit_entry (actor_subject, id);
CREATE INDEX audit_entry_operation ON audit_entry (operation, id);
CREATE INDEX audit_entry_entity ON audit_entry USING gin (entity_ids);
CREATE INDEX audit_entry_time ON audit_entry (occurred_at);
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE access_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    actor_subject   text NOT NULL,
    actor_role      text NOT NULL,
    field           text NOT NULL,
    member_ids      bigint[] NOT NULL CHECK (cardinality(member_ids) > 0),
    request_id      text
);
CREATE INDEX access_log_actor ON access_log (actor_subject, id);
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
