-- What an install of these models would change here, in order, with the locks each change
-- takes, and what it would refuse: parting._changes, the very list parting._install
-- carries out, in words. Changes nothing (it reads the catalog and makes one temporary
-- table per model, gone at commit) and locks nothing beyond ACCESS SHARE. `pgpart plan`
-- calls it with the document `pgpart build` writes into install.sql.
CREATE OR REPLACE FUNCTION parting.plan(p_desired jsonb, p_search_path text DEFAULT current_setting('search_path'))
RETURNS TABLE (step integer, model text, change text, target text, detail text, locks text, refused text,
               statements text[], later text[])
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT (row_number() OVER ())::integer, c.model, c.change, c.target, c.detail, c.lock_text, c.refusal,
         c.sql || c.inline, ARRAY(SELECT s.sql FROM unnest(c.later) s)
    FROM parting._changes(p_desired, p_search_path) c
$$;

COMMENT ON FUNCTION parting.plan(jsonb, text) IS
$c$What installing these models (the document install.sql carries) would change in this database, in order, with the locks each change takes and what it would refuse; changes nothing.$c$;
