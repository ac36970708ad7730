-- Where a dependent's rows that can go to no partition are kept: a table in schema parting,
-- stray_<table>, with the model's columns (no keys, no foreign key), the time each row was
-- put there and why. Such a row is one in a default partition whose parent row is in another
-- partition or gone, which only a database older than the default partition's key-carrying
-- foreign key can hold; left there, it would stop its key's partition from ever being made.
CREATE OR REPLACE FUNCTION parting._stray_table(p_cfg parting.config)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_name text := format('parting.%I', parting._name('stray', p_cfg.table_name));
  v_parent regclass := format('%I.%I', p_cfg.schema_name, p_cfg.table_name)::regclass;
BEGIN
  IF to_regclass(v_name) IS NULL THEN
    EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING STORAGE, '
                   'quarantined_at timestamptz NOT NULL DEFAULT now(), reason text NOT NULL)', v_name, v_parent);
    EXECUTE format('COMMENT ON TABLE %s IS %L', v_name,
                   format('pgpart: rows of model %s that no partition can take (their parent row is elsewhere or gone)', p_cfg.model));
    PERFORM parting._own_like(v_name::regclass, v_parent);
  END IF;
  RETURN v_name::regclass;
END;
$$;
