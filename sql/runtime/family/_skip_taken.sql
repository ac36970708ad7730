-- Logs the family partition holding p_value as not made because another role's object holds
-- a name it needs (parting._name_taken): a 'skipped' history row naming that object and its
-- owner, and a NOTICE, so a caller that makes several partitions goes on with the others.
CREATE OR REPLACE FUNCTION parting._skip_taken(p_root parting.config, p_value text, p_default boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_suffix text := CASE WHEN p_default THEN 'default' ELSE (parting._bound(p_root, p_value)).suffix END;
  v_m record;
  v_taken text;
BEGIN
  FOR v_m IN SELECT * FROM parting._members(p_root, v_suffix) WHERE NOT attached LOOP
    v_taken := parting._name_taken(v_m.cfg, v_suffix, p_default);
    IF v_taken IS NOT NULL THEN
      -- Logged under the family's root, as maintenance logs the step it skips.
      PERFORM parting._log(p_root.model, parting._name(p_root.table_name, v_suffix), 'skipped',
                           jsonb_build_object('step', 'create', 'suffix', v_suffix, 'sqlstate', 'PGP02', 'why', 'name taken by ' || v_taken));
      RAISE NOTICE 'pgpart: partition %.% of model "%" not made: name taken by %; have that role (or a superuser) drop or rename it',
        quote_ident(p_root.schema_name), quote_ident(parting._name(p_root.table_name, v_suffix)), p_root.model, v_taken;
      RETURN;
    END IF;
  END LOOP;
END;
$$;
