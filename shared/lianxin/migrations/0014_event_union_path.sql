-- Union scope of events (DESIGN.md §7): a UNION_STAFF subscriber sees only events about households,
-- cooperatives and unions of its union's subtree. Each event keeps the path (root first) of the union its
-- subject belongs to, derived from `subject_id` (a Relay global id: URL-safe base64 of "Type:pk") when the
-- row is inserted, so no caller has to remember it. Events whose subject has no union keep NULL.

ALTER TABLE event ADD COLUMN union_path bigint[];

-- The primary key in a global id of the given type, else NULL (never an error).
CREATE FUNCTION global_id_pk(gid text, type_name text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    decoded text;
BEGIN
    decoded := convert_from(
        decode(rpad(translate(gid, '-_', '+/'), ((length(gid) + 3) / 4) * 4, '='), 'base64'), 'UTF8');
    IF split_part(decoded, ':', 1) <> type_name OR split_part(decoded, ':', 2) !~ '^[1-9][0-9]{0,17}$' THEN
        RETURN NULL;
    END IF;
    RETURN split_part(decoded, ':', 2)::bigint;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

CREATE FUNCTION subject_union_path(subject text) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT u.path FROM household h JOIN trade_union u ON u.id = h.union_id
          WHERE h.id = global_id_pk(subject, 'Household')),
        (SELECT u.path FROM cooperative c JOIN trade_union u ON u.id = c.union_id
          WHERE c.id = global_id_pk(subject, 'Cooperative')),
        (SELECT u.path FROM trade_union u WHERE u.id = global_id_pk(subject, 'TradeUnion')))
$$;

CREATE FUNCTION event_union_path() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.union_path IS NULL THEN
        NEW.union_path := subject_union_path(NEW.subject_id);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER event_union_path BEFORE INSERT ON event FOR EACH ROW EXECUTE FUNCTION event_union_path();

UPDATE event SET union_path = subject_union_path(subject_id) WHERE union_path IS NULL;
