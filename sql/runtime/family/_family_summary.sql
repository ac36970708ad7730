-- A model's family as one value: how many tables it has and the XOR of their fingerprints,
-- the same as count(*) and bit_xor(fingerprint) over parting._table_fingerprints (a test
-- holds the two together), without listing the attached partitions: theirs (a hash of each
-- oid) is aggregated straight from pg_inherits, about three times cheaper than passing
-- thousands of rows through a set-returning function. parting._changes compares it with the
-- same aggregate of the fingerprints the last install recorded: equal, the family has the
-- tables it had, each as it was.
CREATE OR REPLACE FUNCTION parting._family_summary(p_cfg parting.config, OUT tables bigint, OUT fingerprint bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT a.n + o.n, a.x # o.x
    FROM (SELECT count(*) AS n, coalesce(bit_xor(hashint8extended(i.inhrelid::int8, 1)), 0) AS x
            FROM pg_inherits i WHERE i.inhparent = to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name))) a,
         (SELECT count(*) AS n, coalesce(bit_xor(t.fingerprint), 0) AS x FROM parting._taken_out_fingerprints(p_cfg) t) o
$$;
