-- The archive table of a model: archive.<table>, the same columns, partitioned the same
-- way, in the archive tablespace when one is set. Created on first use, and given the
-- columns added to the live table since. It has no keys of its own: the archived
-- partitions keep theirs, and their partition foreign keys too. A distributed model's is
-- distributed like the model's table, colocated with the root's. A parent model's archive
-- table carries the key guard (parting._archive_key_guard), given here to one made before it
-- had one too.
CREATE OR REPLACE FUNCTION parting._archive_parent(p_cfg parting.config)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_schema text := (parting._settings()).archive_schema;
  v_name text := format('%I.%I', v_schema, p_cfg.table_name);
  v_col record;
  v_guard text;
BEGIN
  IF to_regclass(v_name) IS NULL THEN
    -- Made by the install, whose owner check it passed; never made here into whatever exists.
    IF to_regnamespace(quote_ident(v_schema)) IS NULL THEN
      RAISE EXCEPTION 'schema % does not exist: archived partitions of model "%" go there', v_schema, p_cfg.model
        USING ERRCODE = 'invalid_schema_name',
              HINT = 'the install makes it for models whose retention action is ''archive'': set that in the config and install, or CREATE SCHEMA it yourself';
    END IF;
    IF parting._foreign_owner(v_schema) IS NOT NULL THEN
      RAISE EXCEPTION 'schema % is owned by role %, not by % (pgpart''s owner): pgpart does not archive into a schema another role made', v_schema,
                      parting._foreign_owner(v_schema), parting._owner()
        USING ERRCODE = 'insufficient_privilege',
              HINT = format('its owner could drop the archived partitions: as %s or a superuser, ALTER SCHEMA %I OWNER TO %s, or drop or rename it; or choose another archiveSchema',
                            parting._foreign_owner(v_schema), v_schema, parting._owner());
    END IF;
    EXECUTE format('CREATE TABLE %s (LIKE %I.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED '
                   'INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY %s (%I)%s',
                   v_name, p_cfg.schema_name, p_cfg.table_name, upper(p_cfg.strategy), p_cfg.key_column,
                   CASE WHEN p_cfg.archive_tablespace IS NULL THEN '' ELSE format(' TABLESPACE %I', p_cfg.archive_tablespace) END);
    EXECUTE format('COMMENT ON TABLE %s IS %L', v_name,
                   format('pgpart: archived partitions of %I.%I (model %s)', p_cfg.schema_name, p_cfg.table_name, p_cfg.model));
    CALL parting._not_null_names(v_name::regclass);
    PERFORM parting._own_like(v_name::regclass, format('%I.%I', p_cfg.schema_name, p_cfg.table_name)::regclass);
    -- On Citus a distributed partition can only be attached to a distributed parent.
    PERFORM parting._distribute(p_cfg, v_name::regclass);
  END IF;
  IF NOT EXISTS (SELECT FROM pg_trigger g WHERE g.tgrelid = v_name::regclass AND g.tgname = 'pgpart_key_guard') THEN
    v_guard := parting._archive_key_guard(p_cfg, EXISTS (SELECT FROM parting.config c WHERE c.parent_model = p_cfg.model), v_name::regclass);
    IF v_guard IS NOT NULL THEN
      EXECUTE v_guard;
    END IF;
  END IF;
  -- Columns added to the live table since: the archive table gets them too (nullable; the
  -- older archived partitions hold NULL there), or attaching a newer partition would fail.
  FOR v_col IN
    SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type
      FROM pg_attribute a
     WHERE a.attrelid = format('%I.%I', p_cfg.schema_name, p_cfg.table_name)::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND NOT EXISTS (SELECT FROM pg_attribute b WHERE b.attrelid = v_name::regclass AND b.attname = a.attname AND NOT b.attisdropped)
     ORDER BY a.attnum
  LOOP
    EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s', v_name, v_col.attname, v_col.type);
  END LOOP;
  RETURN v_name::regclass;
END;
$$;
