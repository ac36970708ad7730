// A throwaway cluster of one major for working by hand, stopped (and removed) with Ctrl-C:
//
//   node --import tsx test/harness/serve.ts 18
//
// Prints the server's URL; psql it, or run one test file against it with
// PGPART_TEST_DATABASE_URL=<url> node --import tsx test/run.ts <file>.

import { startCluster } from './cluster.js';

const cluster = await startCluster(Number(process.argv[2] ?? 15));
console.log(`PostgreSQL ${cluster.version}: ${cluster.url}`);
const stop = (): void => { void cluster.stop().then(() => process.exit(0)); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
