-- The locks one maintenance step needs, under the project's lock_timeout and lock_tries
-- (parting._settings(), parting._lock_all; p_cfg is the model the step is for): SHARE UPDATE EXCLUSIVE on p_share_update, then EXCLUSIVE on
-- p_exclusive, then ACCESS EXCLUSIVE on p_access_exclusive, each list in the order given.
-- Every step needs its weaker locks on relations writers reach first (parents) or never
-- (archive tables), so weakest first is the writers' order too.
CREATE OR REPLACE FUNCTION parting._lock(p_cfg parting.config, p_share_update regclass[] DEFAULT '{}',
                                         p_exclusive regclass[] DEFAULT '{}', p_access_exclusive regclass[] DEFAULT '{}')
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_s parting.settings := parting._settings();
BEGIN
  RETURN parting._lock_all(v_s.lock_timeout, v_s.lock_tries,
                           p_share_update || p_exclusive || p_access_exclusive,
                           array_fill('SHARE UPDATE EXCLUSIVE'::text, ARRAY[cardinality(p_share_update)])
                           || array_fill('EXCLUSIVE'::text, ARRAY[cardinality(p_exclusive)])
                           || array_fill('ACCESS EXCLUSIVE'::text, ARRAY[cardinality(p_access_exclusive)]));
END;
$$;
