// Part 11: how long `pgpart build` takes as a command, process start included: the built CLI
// (dist/cli/main.js, so `npm run build` first; `npm run bench` does) on configs of 1, 10 and
// 100 models, against `node -e 0`, the floor of any Node command. Each config is a
// pgpart.config.ts importing defineConfig from 'pgpart', as users write it. Models come in
// families: a tweet-like root and a star-like dependent in lockstep (the 1-model config is
// the root alone). The commands take turns, round after round; medians are reported. A
// third baseline is Node loading only the libraries `build` needs (commander, jiti, zod,
// handlebars, as the CLI loads them, and libpg-query with one parse) and doing nothing with
// them: the floor a CLI built on them cannot go below.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { ConfigInput } from '../src/config/schema.js';
import { cli, writeConfig } from '../test/harness/cli.js';
import { size } from './mode.js';
import { starModel, tweetColumns } from './schema.js';
import { ms, percentile, ratio, table } from './stats.js';

const run = promisify(execFile);

export const MODEL_COUNTS: readonly number[] = [1, 10, 100];
const RUNS = size(7, 2);

function buildConfig(n: number): ConfigInput {
  const models: NonNullable<ConfigInput['models']> = {};
  for (let i = 0; i < n; i++) {
    const name = `m${String(i + 1).padStart(3, '0')}`;
    models[name] = i % 2 === 0
      ? {
          columns: tweetColumns,
          primaryKey: ['id'],
          indexes: [{ columns: ['user'] }],
          partition: { by: 'range', column: 'created_at', interval: '1 month', premake: 2, retention: { keep: '12 months' } },
        }
      : starModel(`m${String(i).padStart(3, '0')}`, 'parent_id');
  }
  return { schema: 'public', timezone: 'UTC', models };
}

/** Wall time of one command, from spawn to exit, ms. */
async function wall(args: string[], cwd = tmpdir()): Promise<number> {
  const t0 = performance.now();
  await run(process.execPath, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return performance.now() - t0;
}

/** Node loading build's libraries the way the CLI does, from the package's own node_modules. */
const LIBRARIES = [
  '--input-type=module', '-e',
  "import { createRequire } from 'node:module'; await import('commander'); await import('jiti'); await import('zod');"
  + " createRequire(import.meta.url)('handlebars/dist/handlebars.min.js');"
  // PostgreSQL's parser, which build loads to read column definitions: compiled, and its first parse.
  + " const q = await import('libpg-query'); await q.loadModule(); q.parseSync('CREATE TABLE t (x text)');",
];
const repoRoot = path.resolve(path.dirname(cli), '..', '..');
const libraries = (): Promise<number> => wall(LIBRARIES, repoRoot);

export type Part11 = { nodeE0: number[]; libraries: number[]; builds: { n: number; ms: number[]; bytes: number }[] };

export async function part11(log: (msg: string) => void): Promise<Part11> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm run bench does)`);
  const out = mkdtempSync(path.join(tmpdir(), 'pgpart-bench-build-'));
  const configs = MODEL_COUNTS.map((n) => ({ n, file: writeConfig(buildConfig(n)), sql: path.join(out, `install_${n}.sql`) }));
  // Once each, untimed: the first run of a file pays for the disk cache and jiti's transform cache.
  for (const c of configs) await wall([cli, 'build', '--config', c.file, '--out', c.sql]);
  await wall(['-e', '0']);
  await libraries();
  const nodeE0: number[] = [];
  const libs: number[] = [];
  const times = new Map<number, number[]>(configs.map((c) => [c.n, []]));
  for (let r = 0; r < RUNS; r++) {
    nodeE0.push(await wall(['-e', '0']));
    libs.push(await libraries());
    for (const c of r % 2 === 0 ? configs : [...configs].reverse()) {
      times.get(c.n)!.push(await wall([cli, 'build', '--config', c.file, '--out', c.sql]));
    }
  }
  const builds = configs.map((c) => ({ n: c.n, ms: times.get(c.n)!, bytes: statSync(c.sql).size }));
  log(`  node -e 0 ${ms(percentile(nodeE0, 50))} ms; libraries ${ms(percentile(libs, 50))} ms; ${builds.map((b) => `${b.n} models ${ms(percentile(b.ms, 50))} ms`).join(', ')}`);
  return { nodeE0, libraries: libs, builds };
}

export function formatPart11(p: Part11): string {
  const base = percentile(p.nodeE0, 50);
  const one = p.builds[0];
  const oneMs = one ? percentile(one.ms, 50) : Number.NaN;
  const lib = percentile(p.libraries, 50);
  const rows = [
    ['`node -e 0`', '—', ms(base), '1.00×', '—', '—', p.nodeE0.map(ms).join(', ')],
    ['node loading commander, jiti, zod, handlebars and libpg-query (one parse), nothing else', '—', ms(lib), ratio(lib, base), '—', '1.00×', p.libraries.map(ms).join(', ')],
    ...p.builds.map((b) => [
      `\`node dist/cli/main.js build --config <${b.n} model${b.n === 1 ? '' : 's'}> --out …\``,
      `${(b.bytes / 1024).toFixed(0)} kB`,
      ms(percentile(b.ms, 50)),
      ratio(percentile(b.ms, 50), base),
      ratio(percentile(b.ms, 50), oneMs),
      ratio(percentile(b.ms, 50), lib),
      b.ms.map(ms).join(', '),
    ]),
  ];
  return [
    table(['command', 'install.sql', 'median wall ms', '÷ `node -e 0`', '÷ 1 model', '÷ its libraries', 'each run, ms'], rows),
    '',
    `- ${RUNS} runs each, the commands taking turns (the order of the builds reversed every other round), after one untimed run`,
    '  of each; wall time from spawn to exit, measured by the benchmark\'s Node process, cwd a temp dir.',
    '- Models: families of a root (4 columns, an index, monthly range partitions, premake 2, retention 12 months) and a',
    '  dependent in lockstep; the 1-model config is one root.',
    '- The libraries row runs `node --input-type=module -e` importing them from the package\'s node_modules (handlebars as its',
    '  one-file build, as the CLI loads it; libpg-query compiled and one statement parsed, since its first parse compiles',
    '  what it runs): what start-up costs before pgpart\'s own code runs.',
  ].join('\n');
}
