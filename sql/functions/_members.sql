-- The models of a family, parents before dependents, each with its parent table, the name
-- its partition of one suffix has (or would have), that table if it exists, whether it is
-- attached, and the model's default partition if it has one.
CREATE OR REPLACE FUNCTION parting._members(p_root parting.config, p_suffix text)
RETURNS TABLE (cfg parting.config, parent regclass, part text, rel regclass, attached boolean, deflt regclass)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY
  SELECT c, p.parent, p.part, to_regclass(p.part),
         EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = to_regclass(p.part) AND i.inhparent = p.parent),
         (SELECT i.inhrelid::regclass FROM pg_inherits i
           WHERE i.inhparent = p.parent
             AND i.inhrelid = to_regclass(format('%I.%I', c.schema_name, parting._name(c.table_name, 'default'))))
    FROM parting.config c
   CROSS JOIN LATERAL (SELECT to_regclass(format('%I.%I', c.schema_name, c.table_name)) AS parent,
                              format('%I.%I', c.schema_name, parting._name(c.table_name, p_suffix)) AS part) p
   WHERE c.root_model = p_root.root_model
   ORDER BY c.family_order, c.model;
END;
$$;
