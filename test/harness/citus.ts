// A throwaway Citus cluster for the tests that run pgpart distributed: a coordinator and two
// workers, each a cluster of the test run's major (test/harness/cluster.ts: temp dir, free
// port, the non-root OS user) with citus first in shared_preload_libraries. Citus is not
// packaged by Debian: it is built from source for Debian's PostgreSQL 15 where the tests
// should run it; elsewhere the citus suite is reported as not run (test/harness/needs.ts).
//
// A Citus database is a database of the same name on every node, each with the citus
// extension, the workers registered on the coordinator: citusDatabase makes one per test
// file, as freshDatabase does on a plain server, and drops it on every node afterwards.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startLocalCluster, type Cluster } from './cluster.js';
import { databaseUrl, newClient, quoteIdent, type FreshDatabase } from './db.js';
import { majorInfo } from './majors.js';

export interface CitusCluster {
  coordinator: Cluster;
  workers: Cluster[];
  stop(): Promise<void>;
}

/** Ports are in the URL the harness made: postgres://postgres@127.0.0.1:PORT/postgres. */
function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Starts a coordinator and `workers` workers of `major` with citus preloaded. */
export async function startCitus(major: number, workers = 2): Promise<CitusCluster> {
  const m = majorInfo(major);
  const options = {
    preload: ['citus'],
    // Citus commits a transaction that wrote on several nodes with two-phase commit.
    settings: { max_prepared_transactions: '200', 'citus.shard_count': '4' },
  };
  const started: Cluster[] = [];
  try {
    for (let i = 0; i <= workers; i++) started.push(await startLocalCluster(m, options));
  } catch (err) {
    await Promise.all(started.map((c) => c.stop().catch(() => {})));
    throw err;
  }
  const [coordinator, ...rest] = started as [Cluster, ...Cluster[]];
  return {
    coordinator,
    workers: rest,
    async stop() {
      await Promise.all(started.map((c) => c.stop().catch(() => {})));
    },
  };
}

async function onNode<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = newClient(url);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

/** The URL of database `name` on a node. */
export function nodeUrl(node: Cluster, name: string): string {
  return databaseUrl(node.url, name);
}

/**
 * A new database on every node of the cluster, with the citus extension and the workers
 * added on the coordinator; `client` and `url` are the coordinator's.
 */
export async function citusDatabase(cluster: CitusCluster, prefix: string): Promise<FreshDatabase> {
  const name = `${prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 40)}_${randomBytes(5).toString('hex')}`;
  const nodes = [cluster.coordinator, ...cluster.workers];
  const dropAll = async (): Promise<void> => {
    for (const n of nodes) await onNode(n.url, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)).catch(() => {});
  };
  try {
    for (const n of nodes) {
      await onNode(n.url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
      await onNode(nodeUrl(n, name), (c) => c.query('CREATE EXTENSION citus'));
    }
    await onNode(nodeUrl(cluster.coordinator, name), async (c) => {
      await c.query('SELECT citus_set_coordinator_host($1, $2)', ['127.0.0.1', portOf(cluster.coordinator.url)]);
      for (const w of cluster.workers) await c.query('SELECT citus_add_node($1, $2)', ['127.0.0.1', portOf(w.url)]);
    });
  } catch (err) {
    await dropAll();
    throw err;
  }
  const url = nodeUrl(cluster.coordinator, name);
  const client = newClient(url);
  await client.connect();
  let dropped = false;
  return {
    url,
    name,
    client,
    async drop() {
      if (dropped) return;
      dropped = true;
      await client.end().catch(() => {});
      await dropAll();
    },
  };
}
