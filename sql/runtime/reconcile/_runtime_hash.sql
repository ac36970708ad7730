-- A hash of the runtime as installed: every routine of parting, its signature and its body.
-- Part of every model's fingerprint (parting._fingerprint), so that a new runtime, which may
-- compare differently (a new shape of foreign key, a check added), never skips a
-- comparison on the strength of what an older one found.
CREATE OR REPLACE FUNCTION parting._runtime_hash()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT md5(string_agg(p.proname || '(' || p.proargtypes::text || ')' || md5(p.prosrc), ',' ORDER BY p.proname, p.proargtypes::text))
    FROM pg_proc p
   WHERE p.pronamespace = 'parting'::regnamespace
$$;
