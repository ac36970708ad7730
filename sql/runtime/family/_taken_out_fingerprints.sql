-- The fingerprint of each table of a model's family that its parent does not hold
-- (parting._taken_out_tables), as parting._table_fingerprints gives it: the name, schema and
-- indexes (oid, name, validity), where pgpart finds its copy by name, and a dependent's
-- foreign keys (oid, name, validity, the table referenced). At most an index lookup or two
-- per table (scalar subqueries: joined, the planner hashes all of pg_class for every
-- model), plain 64-bit hashes folded by XOR, each seeded by its object's oid (so two objects
-- swapping names change it too); no concat or format, which look up their arguments' output
-- functions on every row.
CREATE OR REPLACE FUNCTION parting._taken_out_fingerprints(p_cfg parting.config)
RETURNS TABLE (rel regclass, kind text, fingerprint bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.rel, t.kind,
         (SELECT hashtextextended(c.relname::text, (t.rel::oid::int8 << 3) # t.ord) # hashint8extended(c.relnamespace::int8, t.rel::oid::int8)
            FROM pg_class c WHERE c.oid = t.rel::oid)
         # coalesce(
             (SELECT bit_xor(hashint8extended((x.indexrelid::int8 << 1) # x.indisvalid::int::int8, t.rel::oid::int8)
                             # hashtextextended(ic.relname::text, x.indexrelid::int8))
                FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid WHERE x.indrelid = t.rel::oid), 0)
         # CASE WHEN p_cfg.parent_model IS NOT NULL THEN coalesce(
             (SELECT bit_xor(hashtextextended(k.conname::text, (k.oid::int8 << 32) # (k.confrelid::int8 << 1) # k.convalidated::int::int8))
                FROM pg_constraint k WHERE k.conrelid = t.rel::oid AND k.contype = 'f'), 0) ELSE 0 END
    FROM parting._taken_out_tables(p_cfg) t
$$;
