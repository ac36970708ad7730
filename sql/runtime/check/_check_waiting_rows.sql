-- 'rows in default': rows waiting in a root's default partition (how many, up to 100,000
-- counted, and the oldest key); 'stray rows': rows kept in parting.stray_<table>, which no
-- partition could take.
CREATE OR REPLACE FUNCTION parting._check_waiting_rows(p_cfg parting.config, p_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_n bigint;
  v_oldest text;
  v_default text := parting._name(p_cfg.table_name, 'default');
  v_stray text := parting._name('stray', p_cfg.table_name);
BEGIN
  IF p_cfg.parent_model IS NULL
     AND EXISTS (SELECT FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t WHERE t.is_default) THEN
    EXECUTE format('SELECT count(*), min(%I)::text FROM (SELECT %I FROM %I.%I LIMIT 100001) s', p_cfg.key_column, p_cfg.key_column,
                   p_cfg.schema_name, v_default)
       INTO v_n, v_oldest;
    IF v_n > 0 THEN
      RETURN NEXT ROW(p_cfg.model, v_default, v_oldest, 'rows in default',
                      format('%s%s row(s), the oldest key %s', CASE WHEN v_n > 100000 THEN 'over ' ELSE '' END, least(v_n, 100000), v_oldest),
                      'none here: run_maintenance moves those within premake; ensure_partition(key) for the others', false)::parting.problem;
    END IF;
  END IF;
  IF to_regclass(format('parting.%I', v_stray)) IS NOT NULL THEN
    EXECUTE format('SELECT count(*) FROM parting.%I', v_stray) INTO v_n;
    IF v_n > 0 THEN
      RETURN NEXT ROW(p_cfg.model, format('parting.%I', v_stray), NULL, 'stray rows',
                      format('%s row(s) no partition could take (their parent row was elsewhere)', v_n),
                      'none: look at them, and put them back or delete them by hand', false)::parting.problem;
    END IF;
  END IF;
END;
$$;
