/**
 * How much one install may make. install.sql is one transaction, and every table and index
 * it creates stays locked until it commits; PostgreSQL keeps those locks in a shared table
 * sized at start-up, max_locks_per_transaction × max_connections objects (64 × 100 by
 * default), shared with every other session. An install that makes more fails at the end
 * with "out of shared memory" and changes nothing, again at each try.
 *
 * The initial partitions of a root (the current one and premake ahead, listed keys, the
 * default) are made in every model of its family, so the count is per family, and all
 * families are made in the same transaction. Measured on PostgreSQL 15 with the default
 * settings: a family of two models (5 and 6 objects per partition) installs 748 premade
 * partitions, not 749; of three (17 objects), 489, not 490; about 8,200 objects in all.
 */
import type { Model } from './types.js';

/** Objects one install may lock: the default lock table (64 × 100), less room for the install's own catalog locks and other sessions'. */
export const INSTALL_LOCK_BUDGET = 6000;

/** Objects each partition of a model locks while it is made: the table, its TOAST table and index, and each of its indexes. */
export function objectsPerPartition(m: Model): number {
  return 3 + m.indexes.length;
}

/** The partitions install.sql makes for a root model's family, per model of it. */
export function initialPartitions(root: Model): number {
  const s = root.strategy;
  if (s.kind === 'list') return s.initial.length + (s.default ? 1 : 0);
  return (s.initial ? s.premake + 1 : 0) + (s.default ? 1 : 0);
}

/** One root's share of what the install locks. */
export interface FamilyLoad {
  root: Model;
  members: Model[];
  partitions: number;
  objects: number;
  /** Objects one partition of the whole family locks. */
  perPartition: number;
}

export function familyLoads(models: Model[]): FamilyLoad[] {
  return models.filter((m) => m.root === m.name).map((root) => {
    const members = models.filter((m) => m.root === root.name);
    const perPartition = members.reduce((n, m) => n + objectsPerPartition(m), 0);
    const partitions = initialPartitions(root);
    return { root, members, partitions, objects: partitions * perPartition, perPartition };
  });
}
