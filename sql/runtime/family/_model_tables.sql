-- Every table that holds a model's rows besides its parent, which a change to the model's
-- columns or indexes must reach so that a partition taken out can always be put back:
--   'partition'  attached to the parent (the default partition too), from pg_inherits;
--   'offline'    detached, filling or detaching tables no parent holds (parting.offline);
--   'archive'    the model's archive table (archive.<table>), if it exists;
--   'archived'   the archive table's partitions.
-- Ordered as writers reach them: attached partitions, then the rest; each kind by name as
-- regclass prints it here (schema-qualified: no schema of the user is on this search_path),
-- written out with format() so that the sort needs no catalog lookup per table. The list
-- itself is parting._family_tables' (which parting._table_fingerprints reads unsorted).
CREATE OR REPLACE FUNCTION parting._model_tables(p_cfg parting.config)
RETURNS TABLE (rel regclass, kind text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.rel, t.kind
    FROM parting._family_tables(p_cfg) t
   ORDER BY t.ord, (SELECT format('%I.%I', n.nspname, c.relname)
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = t.rel)
$$;
