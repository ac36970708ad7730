-- The highest lower bound pgpart logged as created for an integer model, found at the top of
-- an index: parting._current asks for it on every run, and the index on the model alone
-- (0011) had it read every created row of the model, thousands for a model of thousands of
-- partitions, on every run. Only rows whose lower bound is an integer are indexed (a time
-- model's is a timestamp), so the cast in the index never meets anything else.
DROP INDEX parting.history_created_idx;
CREATE INDEX history_created_lower_idx ON parting.history (model, ((detail ->> 'lower')::numeric))
  WHERE action = 'created' AND detail ->> 'lower' ~ '^-?[0-9]+$';
