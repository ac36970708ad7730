-- The archive table of a model: archive.<table>, the same columns, partitioned the same
-- way, in the archive tablespace when one is set. Created on first use. It has no keys of
-- its own: the archived partitions keep theirs, and their partition foreign keys too.
CREATE OR REPLACE FUNCTION parting._archive_parent(p_cfg parting.config)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_name text := format('%I.%I', p_cfg.archive_schema, p_cfg.table_name);
BEGIN
  IF to_regclass(v_name) IS NULL THEN
    IF to_regnamespace(quote_ident(p_cfg.archive_schema)) IS NULL THEN
      EXECUTE format('CREATE SCHEMA %I', p_cfg.archive_schema);
    END IF;
    EXECUTE format('CREATE TABLE %s (LIKE %I.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED '
                   'INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY %s (%I)%s',
                   v_name, p_cfg.schema_name, p_cfg.table_name, upper(p_cfg.strategy), p_cfg.key_column,
                   CASE WHEN p_cfg.archive_tablespace IS NULL THEN '' ELSE format(' TABLESPACE %I', p_cfg.archive_tablespace) END);
    EXECUTE format('COMMENT ON TABLE %s IS %L', v_name,
                   format('pgpart: archived partitions of %I.%I (model %s)', p_cfg.schema_name, p_cfg.table_name, p_cfg.model));
  END IF;
  RETURN v_name::regclass;
END;
$$;
