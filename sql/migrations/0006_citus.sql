-- Citus: a distributed model's distribution column and the model it is colocated with
-- ({"column": …, "colocate_with": …}); NULL for a model that is not distributed.
ALTER TABLE parting.config ADD COLUMN distribution jsonb;
