#!/usr/bin/env node
/**
 * The pgpart command. The only module that reads argv, prints, or sets the exit code:
 * 0 ok, 1 a user error (config, arguments), 2 a database error.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/errors.js';
import { packageVersion } from '../emit/package.js';
import { buildCommand } from './build.js';
import { demoCommand } from './demo.js';
import { maintainCommand } from './maintain.js';

export const EXIT = { ok: 0, user: 1, database: 2 } as const;

const program = new Command('pgpart')
  .description('Partitioned tables with lockstep partition foreign keys, managed inside PostgreSQL')
  .version(packageVersion())
  .exitOverride();

program.command('build')
  .description('compile pgpart.config.ts into an idempotent install.sql (stdout is SQL only)')
  .option('-c, --config <path>', 'config file (default: pgpart.config.ts in the current directory)')
  .option('-o, --out <file>', 'write the SQL to a file instead of stdout')
  .option('--no-transaction', 'leave out BEGIN/COMMIT (for tools that open their own transaction)')
  .action(async (opts: { config?: string; out?: string; transaction: boolean }) => buildCommand(opts));

program.command('demo')
  .description('build the bundled example, install it and show partitions made and rows routed '
    + '(into --database-url / DATABASE_URL when set: idempotent, drops nothing; else on an embedded PostgreSQL)')
  .option('--database-url <url>', 'PostgreSQL to run on (default: DATABASE_URL; embedded when unset)')
  .action(async (opts: { databaseUrl?: string }) => demoCommand(opts));

program.command('maintain')
  .description('run maintenance from outside the database: retire partitions with DETACH ... CONCURRENTLY where '
    + 'the family has no default partition, then CALL parting.run_maintenance() for the rest')
  .option('--database-url <url>', 'PostgreSQL to maintain (default: DATABASE_URL, then the PG* variables)')
  .option('-m, --model <model>', 'only this root model (and its family)')
  .option('--no-concurrently', 'retire in the database too (plain DETACH, as run_maintenance does)')
  .action(async (opts: { databaseUrl?: string; model?: string; concurrently: boolean }) => maintainCommand(opts));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.user;
  } else if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = EXIT.user;
  } else if (isDatabaseError(err)) {
    const e = err as { message: string; detail?: string; hint?: string };
    process.stderr.write(`database error: ${e.message}\n${e.detail ? `detail: ${e.detail}\n` : ''}${e.hint ? `hint: ${e.hint}\n` : ''}`);
    process.exitCode = EXIT.database;
  } else {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT.user;
  }
}

/** node-postgres and PGlite errors carry the SQLSTATE in `code` (five characters). */
function isDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}
