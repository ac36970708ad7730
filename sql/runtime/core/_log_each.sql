-- parting._log's rows for many at once, in one INSERT: model p_models[i], partition
-- p_partitions[i] (NULL: none for any), in the arrays' order (ids and `at` follow it), with
-- the same action, detail and duration: where a run or a family's creation logs several
-- tables alike. PL/pgSQL keeps the INSERT's plan for the session; a SQL function would plan
-- it at every call.
CREATE OR REPLACE FUNCTION parting._log_each(p_models text[], p_partitions text[], p_action text,
                                             p_detail jsonb DEFAULT NULL, p_duration interval DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- One plan for every call: planned anew for each call's values (a custom plan, which
-- PL/pgSQL otherwise keeps choosing here), its statements cost more to plan than to run.
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  INSERT INTO parting.history (model, partition, action, detail, duration)
  SELECT m.model, m.part, p_action, p_detail, p_duration
    FROM unnest(p_models, p_partitions) WITH ORDINALITY AS m(model, part, i)
   WHERE m.model IS NOT NULL
   ORDER BY m.i;
END;
$$;
