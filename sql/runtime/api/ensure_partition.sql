CREATE OR REPLACE FUNCTION parting.ensure_partition(p_model text, p_key text DEFAULT NULL)
RETURNS SETOF regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL keeps the statement's plan; a SQL function would plan it at every call.
  RETURN QUERY SELECT * FROM parting._ensure_families(parting._root(p_model, 'ensure_partition'), p_key);
END;
$$;

COMMENT ON FUNCTION parting.ensure_partition(text, text) IS
$c$Creates missing partitions of a model's whole family (parents before dependents, each dependent with its partition foreign key) and returns those it created. With no key: the current partition and premake ahead (range models). With a key ('2013-03', '2013-03-15 10:00', 'baz', 42): the partition holding it. Idempotent.$c$;
