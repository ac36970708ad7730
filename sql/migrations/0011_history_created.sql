-- The partitions pgpart made, by model: where parting._current finds an integer model's
-- highest partition (the largest lower bound logged as created) without reading the
-- model's other history rows (every run logs one).
CREATE INDEX history_created_idx ON parting.history (model) WHERE action = 'created';
