-- What each model's tables looked like in the catalog when the install last made them match
-- the config: {model: fingerprint} (parting._fingerprints). An install or `pgpart plan`
-- whose fingerprint of a model is the one recorded skips comparing that model's partitions
-- one by one (nothing the comparison reads has changed since it found nothing to do). NULL
-- (an older install, or one whose index builds `pgpart apply` has yet to finish): every
-- model is compared in full.
ALTER TABLE parting.meta ADD COLUMN fingerprints jsonb;
