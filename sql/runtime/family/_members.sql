-- The models of a family, parents before dependents, each with its parent table, the name
-- its partition of one suffix has (or would have), that table if it exists, whether it is
-- attached, and the model's default partition if it has one.
CREATE OR REPLACE FUNCTION parting._members(p_root parting.config, p_suffix text)
RETURNS TABLE (cfg parting.config, parent regclass, part text, rel regclass, attached boolean, deflt regclass)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- One plan for every call: planned anew for each call's values (a custom plan, which
-- PL/pgSQL otherwise keeps choosing here), its statements cost more to plan than to run.
SET plan_cache_mode = force_generic_plan
-- Each model's pg_inherits probes through its index on inhrelid. At the default cost of a
-- page read at random, a catalog of a few hundred rows (tens of families) looks cheaper to
-- read whole, and the plan read and hashed all of pg_inherits at every call, for two rows;
-- the catalog pages are in memory, where reading them at random costs what reading them in
-- order does.
SET random_page_cost = 1
AS $$
BEGIN
  -- Every name is computed and looked up once per model (OFFSET 0 keeps the planner from
  -- folding the lookups into the pg_inherits probes, where they ran once for each of the
  -- parent's partitions), so each probe compares oids.
  RETURN QUERY
  SELECT c, p.parent, p.part, p.rel,
         EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = p.rel AND i.inhparent = p.parent),
         (SELECT i.inhrelid::regclass FROM pg_inherits i WHERE i.inhrelid = p.deflt AND i.inhparent = p.parent)
    FROM parting.config c
   CROSS JOIN LATERAL (SELECT to_regclass(format('%I.%I', c.schema_name, c.table_name)) AS parent,
                              format('%I.%I', c.schema_name, parting._name(c.table_name, p_suffix)) AS part) p0
   CROSS JOIN LATERAL (SELECT p0.parent, p0.part, to_regclass(p0.part) AS rel,
                              to_regclass(format('%I.%I', c.schema_name, parting._name(c.table_name, 'default'))) AS deflt
                        OFFSET 0) p
   WHERE c.root_model = p_root.root_model
   ORDER BY c.family_order, c.model;
END;
$$;
