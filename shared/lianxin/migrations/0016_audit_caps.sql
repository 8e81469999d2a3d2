-- Audit entries keep a bounded amount of input and changes (lianxin.audit.caps): what was cut is
-- counted here, NULL when nothing was: {"values": n, "characters": m}.
ALTER TABLE audit_entry ADD COLUMN truncated jsonb;
