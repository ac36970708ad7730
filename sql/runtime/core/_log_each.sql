-- parting._log's row for each model of p_models, in one INSERT, in the array's order (ids
-- and `at` follow it): one statement where a run logs many families alike.
CREATE OR REPLACE FUNCTION parting._log_each(p_models text[], p_action text,
                                             p_detail jsonb DEFAULT NULL, p_duration interval DEFAULT NULL)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO parting.history (model, partition, action, detail, duration)
  SELECT m.model, NULL, p_action, p_detail, p_duration
    FROM unnest(p_models) WITH ORDINALITY AS m(model, i)
   ORDER BY m.i
$$;
