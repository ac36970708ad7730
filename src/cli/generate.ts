/**
 * `pgpart generate <drizzle|prisma|kysely|django> [--out FILE|DIR] [--config path]`: the
 * application's model definitions from the config (src/generate). Drizzle, Prisma and Kysely
 * write one file (stdout without --out). Django writes into an app directory (--out, the
 * app's directory): `pgpart_models.py`, and, when the config changed since the app's last
 * pgpart migration, a migration that installs it (its script frozen in
 * `pgpart-frozen/<sha256>.sql` beside `migrations/`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { validate } from '../model/validate.js';
import { djangoMigration, generate, GenerateError, ORMS, ormProject, type Orm } from '../generate/index.js';
import { compile, type Compiled } from '../build.js';
import { ConfigError } from '../config/errors.js';
import type { Project } from '../model/types.js';
import { UserError } from './errors.js';
import { FROZEN_DIR, changeText, freeze } from './frozen.js';
import { findConfig, loadConfigFile } from '../config/load.js';

export interface GenerateOptions {
  config?: string;
  out?: string;
  app?: string;
  databaseUrl?: string;
}

export async function generateCommand(orm: string, opts: GenerateOptions): Promise<void> {
  if (!(ORMS as readonly string[]).includes(orm)) throw new UserError(`unknown ORM "${orm}": give one of ${ORMS.join(', ')}`);
  const { config, name } = await loadConfigFile(findConfig(process.cwd(), opts.config));
  let project: Project;
  let compiled: Compiled & { source: string };
  try {
    project = validate(config);
    compiled = Object.assign(compile(config, { transaction: false, source: name }), { source: name });
  } catch (err) {
    throw err instanceof ConfigError ? err.inFile(name) : err;
  }
  let text: string;
  try {
    text = generate(orm as Orm, project, name);
  } catch (err) {
    if (err instanceof GenerateError) throw new UserError(`${name}: ${err.message}`);
    throw err;
  }
  if (orm !== 'django') {
    if (!opts.out) {
      process.stdout.write(text);
      return;
    }
    write(opts.out, text);
    process.stderr.write(`wrote ${opts.out}\n`);
    return;
  }
  if (!opts.out) throw new UserError('pgpart generate django writes into your app: give its directory with --out (e.g. --out myapp)');
  const app = opts.app ?? basename(resolve(opts.out));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(app)) throw new UserError(`app label "${app}": give the Django app's label with --app (letters, digits, _)`);
  const migrations = join(opts.out, 'migrations');
  mkdirSync(migrations, { recursive: true });
  if (!existsSync(join(migrations, '__init__.py'))) write(join(migrations, '__init__.py'), '');
  write(join(opts.out, 'pgpart_models.py'), text);
  process.stderr.write(`wrote ${join(opts.out, 'pgpart_models.py')}\n`);

  const previous = lastMigrations(migrations);
  if (previous.pgpart?.config === compiled.hash) {
    process.stderr.write(`no new migration: ${previous.pgpart.name} installs this config already\n`);
    return;
  }
  const change = await changeText(compiled, opts.databaseUrl);
  const frozen = freeze(join(opts.out, FROZEN_DIR), compiled.sql);
  const had = previous.pgpart?.models ?? [];
  const now = project.models.map((m) => m.name);
  const number = String(previous.number + 1).padStart(4, '0');
  const migrationName = `${number}_pgpart_${compiled.hash.replace(/^sha256:/, '').slice(0, 8)}`;
  const migration = djangoMigration(ormProject(project), {
    app, after: previous.latest, sqlFile: `../${FROZEN_DIR}/${basename(frozen.file)}`, sqlHash: frozen.hash, configHash: compiled.hash,
    added: now.filter((m) => !had.includes(m)), removed: had.filter((m) => !now.includes(m)), plan: change,
  }, name);
  const file = join(migrations, `${migrationName}.py`);
  write(file, migration);
  process.stderr.write(`wrote ${file} (install script ${relative(process.cwd(), frozen.file) || frozen.file})\n`);
}

function write(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new UserError(`cannot write ${file}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
}

/** The app's newest migration, its number, and the newest one pgpart made (its config and models, from its header). */
function lastMigrations(dir: string): { latest: string | null; number: number; pgpart: { name: string; config: string; models: string[] } | null } {
  const names = readdirSync(dir).filter((f) => /^\d{4}_\w+\.py$/.test(f)).map((f) => f.replace(/\.py$/, '')).sort();
  const latest = names.at(-1) ?? null;
  let pgpart = null;
  for (const n of [...names].reverse()) {
    const head = readFileSync(join(dir, `${n}.py`), 'utf8').split('\n', 4).join('\n');
    const models = /^# pgpart models: (.*)$/m.exec(head);
    const config = /^# config (sha256:[0-9a-f]+)$/m.exec(head);
    if (models && config) {
      pgpart = { name: n, config: config[1]!, models: models[1]!.split(', ').filter(Boolean) };
      break;
    }
  }
  return { latest, number: latest ? Number(latest.slice(0, 4)) : 0, pgpart };
}
