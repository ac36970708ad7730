-- Each table of a model's family, unsorted (the attached partitions, read here straight from
-- pg_inherits as parting._family_tables does, and the tables taken out), with a fingerprint
-- of what an install's comparison reads of it that can change without a new table: of a
-- table no parent holds and of the archive, where pgpart finds its copy by name, the name,
-- schema, indexes and a dependent's foreign keys (parting._taken_out_fingerprints); of an
-- attached partition, a hash of its oid alone.
-- Why so little of an attached partition: the comparison takes it as having its index copy
-- when one is attached to the parent's index, and PostgreSQL keeps a valid partitioned index
-- attached to a valid copy on every partition (such a copy cannot be dropped or detached on
-- its own), so the parent's indexes (parting._model_fingerprint) say it all; its name
-- matters only as the name of the foreign key the comparison looks for. A dependent's
-- partition foreign key the comparison acts on (one of another shape, or NOT VALID) is made
-- by hand as a new constraint, so it is found by being newer than the last install
-- (parting._changes reads the constraints above the oid that install recorded), not by
-- reading every partition's foreign keys: one dropped or validated by hand leaves nothing
-- for the comparison to do (check() reports a missing one, repair() adds it).
-- So a family of thousands is compared with its record as one count and one XOR
-- (parting._family_summary, which computes the attached partitions' part the same way
-- without listing them; a test holds the two together). What no fingerprint sees is an
-- object changed in place by hand (a foreign key made DEFERRABLE, or another renamed to
-- pgpart's name): check() reports it, repair() fixes it.
CREATE OR REPLACE FUNCTION parting._table_fingerprints(p_cfg parting.config)
RETURNS TABLE (rel regclass, kind text, fingerprint bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT i.inhrelid::regclass, 'partition'::text, hashint8extended(i.inhrelid::int8, 1)
    FROM pg_inherits i WHERE i.inhparent = to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name))
  UNION ALL
  SELECT t.rel, t.kind, t.fingerprint FROM parting._taken_out_fingerprints(p_cfg) t
$$;
