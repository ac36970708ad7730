-- What each table of a model looked like in the catalog when an install last found it
-- matching the config (parting._table_fingerprints), beside the model's own fingerprint in
-- parting.meta.fingerprints. An install or `pgpart plan` that finds the model as that
-- install left it compares only the tables whose fingerprint is not the one recorded here
-- (partitions made since, a table changed by hand), not every table of the family.
CREATE TABLE parting.table_fingerprints (
  model       text NOT NULL,
  rel         oid NOT NULL,
  fingerprint bigint NOT NULL,
  PRIMARY KEY (model, rel)
);
