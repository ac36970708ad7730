-- One row of parting.history: what pgpart did (or could not do) to a model's table, with
-- the details a person or `pgpart status` reads back. The action is one of the words the
-- history table's CHECK allows (src/contract.ts lists them, and a test holds the two
-- together). `at` is the clock time of the call, not the transaction's start, so a run's
-- rows are in the order their work was done.
CREATE OR REPLACE FUNCTION parting._log(p_model text, p_partition text, p_action text,
                                        p_detail jsonb DEFAULT NULL, p_duration interval DEFAULT NULL)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO parting.history (model, partition, action, detail, duration)
  VALUES (p_model, p_partition, p_action, p_detail, p_duration)
$$;
