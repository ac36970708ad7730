-- One parting.change, built by name: what a change is, what it locks, the statements that
-- make it (see the type in sql/migrations/0003_reconcile.sql); parting._refusal is the change
-- that is not made.
CREATE OR REPLACE FUNCTION parting._change(p_phase integer, p_model text, p_change text, p_target text,
                                           p_detail text DEFAULT NULL, p_locks jsonb DEFAULT NULL, p_lock_text text DEFAULT NULL,
                                           p_sql text[] DEFAULT '{}', p_inline text[] DEFAULT '{}',
                                           p_inline_locks jsonb DEFAULT NULL, p_later text[] DEFAULT '{}')
RETURNS parting.change
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT ROW(p_phase, p_model, p_change, p_target, p_detail, coalesce(p_locks, '[]'), coalesce(p_lock_text, 'none'),
             p_sql, p_inline, coalesce(p_inline_locks, '[]'), p_later, NULL)::parting.change
$$;
