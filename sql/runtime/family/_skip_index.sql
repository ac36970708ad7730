-- Logs one table's copy of a model index as not built because another object holds its name
-- (parting._index_taken): a 'skipped' history row naming that object and its owner, and a
-- NOTICE, so the install (or `pgpart apply`) goes on with every other copy and change. The
-- check runs again here, as the statement runs: the name may have been freed since the plan
-- (then the next install builds the copy). The table is given by name, read in the caller's
-- search_path when unqualified (the plan writes it qualified).
CREATE OR REPLACE FUNCTION parting._skip_index(p_model text, p_rel regclass, p_tag text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_taken text := parting._index_taken(p_rel, p_tag);
  v_relname text := (SELECT r.relname::text FROM pg_class r WHERE r.oid = p_rel);
  v_nsp text := (SELECT n.nspname::text FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE r.oid = p_rel);
BEGIN
  IF v_taken IS NULL THEN
    RETURN;
  END IF;
  PERFORM parting._log(p_model, v_relname, 'skipped',
                       jsonb_build_object('step', 'index', 'index', parting._name(v_relname, p_tag), 'sqlstate', 'PGP02',
                                          'why', 'name taken by ' || v_taken));
  RAISE NOTICE 'pgpart: index %.% on %.% of model "%" not built: name taken by %; have that role (or a superuser) drop or rename it, then install again',
    quote_ident(v_nsp), quote_ident(parting._name(v_relname, p_tag)), quote_ident(v_nsp), quote_ident(v_relname), p_model, v_taken;
END;
$$;
