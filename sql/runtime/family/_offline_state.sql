-- Whether a family's partition of one suffix is out of its parents for good ('offline':
-- detached, archived, or being detached by `pgpart maintain`), 'filling' (a batched drain
-- in progress), or neither (NULL). Maintenance never re-creates an offline family;
-- parting.attach_partition brings it back. A record whose table is gone (dropped by hand)
-- does not count: with all of them gone, the family can be made anew.
CREATE OR REPLACE FUNCTION parting._offline_state(p_root parting.config, p_suffix text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- One plan for every call: planned anew for each call's values (a custom plan, which
-- PL/pgSQL otherwise keeps choosing here), its statements cost more to plan than to run.
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  -- PL/pgSQL keeps the query's plan; a SQL function would plan it at every call.
  RETURN (SELECT CASE WHEN bool_or(o.state <> 'filling') THEN 'offline' WHEN bool_or(o.state = 'filling') THEN 'filling' END
    FROM parting.offline o JOIN parting.config c ON c.model = o.model
   WHERE c.root_model = p_root.root_model AND o.suffix = p_suffix
     AND to_regclass(format('%I.%I', o.schema_name, o.table_name)) IS NOT NULL);
END;
$$;
