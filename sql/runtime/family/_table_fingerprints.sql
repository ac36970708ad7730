-- Each table of a model's family (parting._family_tables: attached partitions, detached and
-- filling tables, the archive table, the archived partitions; unsorted), with
-- a fingerprint of what an install's comparison reads of it: its oid and kind; the name,
-- schema and indexes (oid, name, validity) of the tables no parent holds and of the
-- archive's, where pgpart finds its copy by name; a dependent's foreign keys (oid, name,
-- validity, the table referenced). Of an attached partition nothing else is read: the
-- comparison takes it as having its index copy when one is attached to the parent's
-- index, and PostgreSQL keeps a valid partitioned index attached to a valid copy on every
-- partition (such a copy cannot be dropped or detached on its own), so the parent's indexes
-- (parting._model_fingerprint) say it all; its name matters to the comparison only as the
-- name of the foreign key it looks for, which is read (a partition renamed by hand compares
-- as one without that key: nothing to do, as before the rename).
-- At most an index lookup or two per table (scalar subqueries: joined, the planner hashes
-- all of pg_class for every model), plain 64-bit hashes folded by XOR, each seeded by its
-- object's oid (so two objects swapping names change it too); no concat or format, which
-- look up their arguments' output functions on every row, several times the cost of the
-- lookups. It cannot see an object changed in place by hand (a foreign key made
-- DEFERRABLE): check() reports it, repair() fixes it.
CREATE OR REPLACE FUNCTION parting._table_fingerprints(p_cfg parting.config)
RETURNS TABLE (rel regclass, kind text, fingerprint bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.rel, t.kind,
         CASE WHEN t.ord = 1 THEN hashint8extended(t.rel::oid::int8, 1)
              ELSE (SELECT hashtextextended(c.relname::text, (t.rel::oid::int8 << 3) # t.ord) # hashint8extended(c.relnamespace::int8, t.rel::oid::int8)
                      FROM pg_class c WHERE c.oid = t.rel::oid) END
         # CASE WHEN t.ord > 1 THEN coalesce(
             (SELECT bit_xor(hashint8extended((x.indexrelid::int8 << 1) # x.indisvalid::int::int8, t.rel::oid::int8)
                             # hashtextextended(ic.relname::text, x.indexrelid::int8))
                FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid WHERE x.indrelid = t.rel::oid), 0) ELSE 0 END
         # CASE WHEN p_cfg.parent_model IS NOT NULL THEN coalesce(
             (SELECT bit_xor(hashtextextended(k.conname::text, (k.oid::int8 << 32) # (k.confrelid::int8 << 1) # k.convalidated::int::int8))
                FROM pg_constraint k WHERE k.conrelid = t.rel::oid AND k.contype = 'f'), 0) ELSE 0 END
    FROM parting._family_tables(p_cfg) t
$$;
