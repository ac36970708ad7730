// A throwaway Citus cluster (coordinator + 2 workers, test/harness/citus.ts) for working by
// hand, with one database made on every node; stopped and removed with Ctrl-C:
//
//   node --import tsx test/harness/serve-citus.ts 15
import { citusDatabase, startCitus } from './citus.js';

const cluster = await startCitus(Number(process.argv[2] ?? 15));
const db = await citusDatabase(cluster, 'citus_by_hand');
await db.client.end();
console.log(`Citus coordinator: ${db.url}`);
const stop = (): void => { void cluster.stop().then(() => process.exit(0)); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
