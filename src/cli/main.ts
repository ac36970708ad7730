#!/usr/bin/env node
/**
 * The pgpart command. The only module that reads argv or sets the exit code, by the one
 * convention of errors.ts (0 ok, 1 user error, 2 database error). Errors are one line (with
 * the database's detail and hint), never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../emit/package.js';
import { EXIT, explain, UserError } from './errors.js';

// Each command's module is imported when the command runs, not before: `pgpart build` then
// loads the compiler alone, not node-postgres, the embedded PostgreSQL or the others.

// A reader that stops early (`pgpart build | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    throw err;
  });
}

const databaseUrl = '--database-url <url>';
const databaseUrlHelp = 'PostgreSQL to use (default: DATABASE_URL, then the PG* variables, as psql)';
const configOption = ['-c, --config <path>', 'config file (default: pgpart.config.ts in the current directory)'] as const;

const program = new Command('pgpart')
  .description('Partitioned tables with lockstep partition foreign keys, managed inside PostgreSQL')
  .version(packageVersion())
  .exitOverride();

program.command('build')
  .description('compile pgpart.config.ts into an idempotent install.sql (stdout is SQL only)')
  .option(...configOption)
  .option('-o, --out <file>', 'write the SQL to a file instead of stdout')
  .option('--no-transaction', 'leave out BEGIN/COMMIT (for tools that open their own transaction)')
  .action(async (opts: { config?: string; out?: string; transaction: boolean }) => (await import('./build.js')).buildCommand(opts));

program.command('plan')
  .description('show what installing the config would change in a database, in order, with the locks each change takes, '
    + 'and what it would refuse; changes nothing')
  .option(...configOption)
  .option(databaseUrl, databaseUrlHelp)
  .option('--json', 'print the plan as JSON')
  .option('--sql', 'also print the statements of each change')
  .action(async (opts: { config?: string; databaseUrl?: string; json?: boolean; sql?: boolean }) =>
    (await import('./plan.js')).planCommand({ ...opts, json: Boolean(opts.json), sql: Boolean(opts.sql) }));

program.command('apply')
  .description('install the config: its changes in one transaction, then index builds CONCURRENTLY (no writer waits), '
    + 'with progress')
  .option(...configOption)
  .option(databaseUrl, databaseUrlHelp)
  .option('--lock-retries <n>', 'times to try the install again when its locks cannot be had (a long transaction holds one)', '3')
  .option('--wait-limit <seconds>', 'how long an index build CONCURRENTLY (or a validation) may wait, in all, for other sessions\' '
    + 'transactions (named as it waits) before apply gives up on it with exit 2 (0: no limit)', '3600')
  .action(async (opts: { config?: string; databaseUrl?: string; lockRetries: string; waitLimit: string }) => {
    const lockRetries = Number(opts.lockRetries);
    if (!Number.isInteger(lockRetries) || lockRetries < 0 || lockRetries > 100) throw new UserError(`--lock-retries ${opts.lockRetries}: give a whole number from 0 to 100`);
    const waitLimit = Number(opts.waitLimit);
    if (!/^\d+$/.test(opts.waitLimit) || waitLimit > 604_800) throw new UserError(`--wait-limit ${opts.waitLimit}: give whole seconds from 0 (no limit) to 604800`);
    await (await import('./apply.js')).applyCommand({ ...opts, lockRetries, waitLimit });
  });

program.command('adopt <model>')
  .description('adopt a family whose tables exist unpartitioned (its root model named): the partitioned family is made '
    + 'beside them, follows every write, is filled in batches, verified and swapped in one short transaction; '
    + 'resumable (run it again); `pgpart plan` says what it would do')
  .option(...configOption)
  .option(databaseUrl, databaseUrlHelp)
  .option('--finish', 'drop the old tables, kept since the swap')
  .option('--abort', 'undo an adoption before its swap: the old tables as they were, with every write made meanwhile')
  .option('--batch <rows>', 'rows copied per transaction', '10000')
  .option('--lock-retries <n>', 'times to try a step again when its locks cannot be had within lockTimeout', '5')
  .action(async (model: string, opts: { config?: string; databaseUrl?: string; finish?: boolean; abort?: boolean; batch: string; lockRetries: string }) => {
    const batch = Number(opts.batch);
    if (!Number.isInteger(batch) || batch < 1 || batch > 1_000_000) throw new UserError(`--batch ${opts.batch}: give a whole number from 1 to 1000000`);
    const lockRetries = Number(opts.lockRetries);
    if (!Number.isInteger(lockRetries) || lockRetries < 1 || lockRetries > 100) throw new UserError(`--lock-retries ${opts.lockRetries}: give a whole number from 1 to 100`);
    if (opts.finish && opts.abort) throw new UserError('--finish and --abort: give one');
    await (await import('./adopt.js')).adoptCommand(model, { ...opts, finish: Boolean(opts.finish), abort: Boolean(opts.abort), batch, lockRetries });
  });

program.command('migration')
  .description('node-pg-migrate migrations')
  .command('new <name>')
  .description('write <dir>/<timestamp>_<name>.mjs for node-pg-migrate: the change as a comment (pgpart plan against '
    + '--database-url / DATABASE_URL, when given), running the install script of this moment, frozen in '
    + 'pgpart-frozen/<sha256>.sql beside <dir>')
  .option(...configOption)
  .option('-d, --dir <dir>', 'the migrations directory', 'migrations')
  .option(databaseUrl, 'PostgreSQL to plan the change against, for the comment (default: DATABASE_URL; none: the comment says so)')
  .action(async (name: string, opts: { config?: string; dir: string; databaseUrl?: string }) => (await import('./migration.js')).migrationNewCommand(name, opts));

program.command('generate <orm>')
  .description('write the application\'s model definitions from the config, for drizzle, prisma, kysely or django: '
    + 'each model as one table (never its partitions), the primary key as pgpart makes it, the lockstep relation '
    + 'both ways over both columns')
  .option(...configOption)
  .option('-o, --out <path>', 'the file to write (default: stdout); for django, the app directory: pgpart_models.py and a migration '
    + 'installing pgpart when the config changed')
  .option('--app <label>', 'django: the app label the migration names (default: the --out directory\'s name)')
  .option(databaseUrl, 'django: PostgreSQL to plan the change against, for the migration\'s comment (default: DATABASE_URL)')
  .addHelpText('after', '\nExamples:\n  pgpart generate drizzle --out src/db/pgpart.ts\n  pgpart generate prisma --out prisma/schema/pgpart.prisma\n'
    + '  pgpart generate kysely --out src/db/pgpart.ts\n  pgpart generate django --out shop   # shop/pgpart_models.py, shop/migrations/NNNN_pgpart_<hash>.py')
  .action(async (orm: string, opts: { config?: string; out?: string; app?: string; databaseUrl?: string }) =>
    (await import('./generate.js')).generateCommand(orm, opts));

program.command('demo')
  .description('build the bundled example, install it and show partitions made and rows routed '
    + '(into --database-url / DATABASE_URL when set: idempotent, drops nothing; else on an embedded PostgreSQL)')
  .option('--database-url <url>', 'PostgreSQL to run on (default: DATABASE_URL; embedded when unset)')
  .action(async (opts: { databaseUrl?: string }) => (await import('./demo.js')).demoCommand(opts));

program.command('maintain')
  .description('run maintenance from outside the database: retire partitions with DETACH ... CONCURRENTLY where '
    + 'the family has no default partition, then CALL parting.run_maintenance() for the rest')
  .option(databaseUrl, databaseUrlHelp)
  .option('-m, --model <model>', 'only this root model (and its family)')
  .option('--no-concurrently', 'retire in the database too (plain DETACH, as run_maintenance does)')
  .action(async (opts: { databaseUrl?: string; model?: string; concurrently: boolean }) => (await import('./maintain.js')).maintainCommand(opts));

program.command('status')
  .description('show each model\'s partitions (state, tablespace, size), the rows waiting in its DEFAULT partition '
    + 'and its last maintenance run; changes nothing')
  .option(databaseUrl, databaseUrlHelp)
  .option('-m, --model <model>', 'only this model')
  .option('--json', 'print the status as JSON')
  .action(async (opts: { databaseUrl?: string; model?: string; json?: boolean }) => {
    process.exitCode = EXIT[await (await import('./status.js')).statusCommand({ ...opts, json: Boolean(opts.json) })];
  });

program.command('check')
  .description('list what is wrong with pgpart\'s partitions (parting.check()), each with its fix; exit 1 when anything is')
  .option(databaseUrl, databaseUrlHelp)
  .option('--json', 'print the problems as JSON')
  .option('--repair', 'fix the safe ones first (parting.repair(), each under lockTimeout, logged), then check again')
  .action(async (opts: { databaseUrl?: string; json?: boolean; repair?: boolean }) => {
    process.exitCode = EXIT[await (await import('./check.js')).checkCommand({ ...opts, json: Boolean(opts.json), repair: Boolean(opts.repair) })];
  });

program.command('move <model> <key> <tablespace>')
  .description('move the family\'s partition holding a key (every model\'s table of it, attached, detached or archived) '
    + 'to a tablespace: parting.set_tablespace (ACCESS EXCLUSIVE for the copy), or --online with pg_repack (writers keep writing)')
  .option(databaseUrl, databaseUrlHelp)
  .option('--online', 'rewrite each table with pg_repack: ACCESS EXCLUSIVE only briefly, at its start, swap and drop '
    + '(needs the pg_repack extension, its client of the same version, a superuser)')
  .option('--pg-repack <path>', 'the pg_repack binary (default: on PATH, in pg_config --bindir, in /usr/lib/postgresql/<major>/bin)')
  .option('--wait-timeout <seconds>', 'with --online: how long pg_repack tries for each of its locks before it gives up on the table '
    + '(it never cancels other sessions)', '60')
  .option('--json', 'print the tables moved as JSON')
  .action(async (model: string, key: string, tablespace: string,
                 opts: { databaseUrl?: string; online?: boolean; pgRepack?: string; waitTimeout: string; json?: boolean }) => {
    const waitTimeout = Number(opts.waitTimeout);
    if (!Number.isInteger(waitTimeout) || waitTimeout < 1 || waitTimeout > 86_400) throw new UserError(`--wait-timeout ${opts.waitTimeout}: give whole seconds from 1 to 86400`);
    process.exitCode = EXIT[await (await import('./move.js')).moveCommand(model, key, tablespace, { ...opts, waitTimeout, online: Boolean(opts.online), json: Boolean(opts.json) })];
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.user;
  } else {
    const { kind, text } = explain(err);
    process.stderr.write(`${text}\n`);
    process.exitCode = EXIT[kind];
  }
}
