-- Makes one partition table of one model, not yet attached, shaped so that attaching it
-- later never takes ACCESS EXCLUSIVE on the parent nor scans it: the DDL of
-- parting._make_tables_sql (LIKE the parent with the CHECK matching the bounds, which lets
-- ATTACH skip scanning it, the keys, the partition foreign key, the parent's owner, grants
-- and id default, the indexes), then, for a distributed model (Citus), the id default and
-- the foreign key that script leaves to the made table.
-- Attaching is the caller's job (parting._create_family, parting._add_member), after the
-- family's locks.
CREATE OR REPLACE FUNCTION parting._make_table(p_cfg parting.config, p_suffix text, p_lower text, p_upper text,
                                               p_default boolean)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_name text := parting._name(p_cfg.table_name, p_suffix);
  v_part text := format('%I.%I', p_cfg.schema_name, v_name);
  v_target regclass;
  v_ref parting.config;
BEGIN
  EXECUTE parting._make_tables_sql(ARRAY[p_cfg], p_suffix, p_lower, p_upper, p_default);
  IF current_setting('server_version_num')::integer >= 180000 THEN
    CALL parting._not_null_names(v_part::regclass);
  END IF;

  IF p_cfg.distribution IS NOT NULL THEN
    PERFORM parting._identity_default(v_part, format('%I.%I', p_cfg.schema_name, p_cfg.table_name)::regclass, true);
    IF p_cfg.parent_model IS NOT NULL THEN
      v_ref := parting._model(p_cfg.parent_model);
      -- The parent model's partition of the same key, wherever it is: in the archive schema
      -- when archived.
      v_target := format('%I.%I', coalesce((SELECT o.schema_name FROM parting.offline o WHERE o.model = v_ref.model AND o.suffix = p_suffix),
                                           v_ref.schema_name),
                         parting._name(v_ref.table_name, p_suffix))::regclass;
      -- A partition made with its parent's (a new family) is local until both are attached,
      -- which distributes them; one made for a partition that is distributed already (a new
      -- member, an archived key) is distributed here first.
      IF EXISTS (SELECT FROM parting._distribution(v_target)) THEN
        PERFORM parting._distribute(p_cfg, v_part::regclass);
      END IF;
      EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', v_part, parting._name(v_name, p_cfg.fk_tag),
                     parting._fk_clause(p_cfg, v_target::text));
    END IF;
  END IF;

  RETURN v_part::regclass;
END;
$$;
