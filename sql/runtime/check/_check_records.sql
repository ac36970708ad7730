-- pgpart's own records: 'forgotten table' (a parting.offline record whose table is gone),
-- 'config changed' (parting.config or parting.settings differs from what the last install wrote), 'builds
-- pending' (an index or validation the last pgpart apply left to do).
CREATE OR REPLACE FUNCTION parting._check_records()
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT o.model, format('%I.%I', o.schema_name, o.table_name), o.suffix, 'forgotten table',
         format('parting.offline says %s, but the table is gone (dropped by hand?)', o.state),
         'forget the record', true
    FROM parting.offline o
   WHERE to_regclass(format('%I.%I', o.schema_name, o.table_name)) IS NULL
  UNION ALL
  SELECT NULL, NULL, NULL, 'config changed',
         'parting.config or parting.settings differs from what the last install wrote (changed by hand?)',
         'none: install again (psql -f install.sql) to put the config back', false
    FROM parting.meta m WHERE m.config_rows_hash IS DISTINCT FROM parting._config_rows_hash()
  UNION ALL
  SELECT NULL, NULL, NULL, 'builds pending',
         'the last pgpart apply left index copies or foreign-key validations to do',
         'none here: run pgpart apply again (or psql -f install.sql)', false
    FROM parting.meta m WHERE m.pending_hash IS NOT NULL
$$;
