-- The tables of a model's family as parting._model_tables lists them, in no order, each with
-- its kind and the kind's place in that order: 1 'partition' (attached to the parent, from
-- pg_inherits), then the tables taken out (parting._taken_out_tables: 2 offline, 3 archive,
-- 4 archived).
CREATE OR REPLACE FUNCTION parting._family_tables(p_cfg parting.config)
RETURNS TABLE (rel regclass, kind text, ord integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT i.inhrelid::regclass, 'partition'::text, 1
    FROM pg_inherits i WHERE i.inhparent = to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name))
  UNION ALL
  SELECT t.rel, t.kind, t.ord FROM parting._taken_out_tables(p_cfg) t
$$;
