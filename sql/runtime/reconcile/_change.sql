-- One parting.change, built by name: what a change is, what it locks, the statements that
-- make it (see the type in sql/migrations/0003_reconcile.sql); parting._refusal is the change
-- that is not made. Its phase comes from its kind (parting._change_kinds, rendered from
-- src/contract.ts); a kind that is not there, or locks stronger than its kind may take, are
-- an error in pgpart, raised here rather than shown in a plan.
CREATE OR REPLACE FUNCTION parting._change(p_model text, p_change text, p_target text,
                                           p_detail text DEFAULT NULL, p_locks jsonb DEFAULT NULL, p_lock_text text DEFAULT NULL,
                                           p_sql text[] DEFAULT '{}', p_inline text[] DEFAULT '{}',
                                           p_inline_locks jsonb DEFAULT NULL, p_later parting.statement[] DEFAULT '{}')
RETURNS parting.change
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_kind record;
  v_modes constant text[] := ARRAY['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE',
                                   'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'];
  v_strongest text;
BEGIN
  SELECT * INTO v_kind FROM parting._change_kinds() k WHERE k.kind = p_change;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pgpart: no change kind %', p_change USING ERRCODE = 'internal_error';
  END IF;
  SELECT l.value ->> 1 INTO v_strongest
    FROM jsonb_array_elements(coalesce(p_locks, '[]') || coalesce(p_inline_locks, '[]')) l
   ORDER BY array_position(v_modes, l.value ->> 1) DESC LIMIT 1;
  IF v_strongest IS NOT NULL AND (v_kind.lock_class = 'none'
                                  OR array_position(v_modes, v_strongest) > array_position(v_modes, v_kind.lock_class)) THEN
    RAISE EXCEPTION 'pgpart: a % change asks for % (its kind takes at most %)', p_change, v_strongest, v_kind.lock_class
      USING ERRCODE = 'internal_error';
  END IF;
  RETURN ROW(v_kind.phase, p_model, p_change, p_target, p_detail, coalesce(p_locks, '[]'), coalesce(p_lock_text, 'none'),
             p_sql, p_inline, coalesce(p_inline_locks, '[]'), p_later, NULL)::parting.change;
END;
$$;
