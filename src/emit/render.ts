/**
 * Plan → install.sql. The parting schema comes from sql/migrations (numbered, each applied
 * once, by revision), the runtime from sql/runtime (replaced on every install), the model
 * document from the plan; templates/install.sql.hbs puts them together. An isolated
 * Handlebars instance with noEscape and strict: values reach the SQL only through the typed
 * helpers below, which call quote.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type HandlebarsModule from 'handlebars';
import type { Plan } from '../plan/plan.js';
import { CHANGE_KINDS } from '../contract.js';
import { commentText, dollarQuoted, jsonLiteral, literal } from './quote.js';
import { packageRoot } from './package.js';

export interface RenderOptions {
  version: string;
  hash: string;
  /** Shown in the header: where the config came from. */
  source: string;
  /** Wrap in BEGIN/COMMIT (default). Off for tools that open their own transaction (node-pg-migrate). */
  transaction: boolean;
  /** Leave out the models: the parting schema and runtime only (what `pgpart plan` loads). */
  runtimeOnly: boolean;
}

const root = packageRoot();

// The package's own one-file build of the same version: loading it takes a third of the
// time its CommonJS tree takes through the ESM loader, and `pgpart build` is mostly start-up.
const Handlebars = createRequire(import.meta.url)('handlebars/dist/handlebars.min.js') as typeof HandlebarsModule;

/** One migration of the parting schema: sql/migrations/NNNN_name.sql. */
export interface Migration {
  number: number;
  file: string;
  body: string;
  /** The dollar-quote tag its body is carried in. */
  tag: string;
}

const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

/** The migrations in order; their numbers run 1, 2, 3, … with no gap. */
export function migrations(): Migration[] {
  const files = readdirSync(join(root, 'sql', 'migrations')).filter((f) => f.endsWith('.sql')).sort();
  return files.map((f, i) => {
    const m = MIGRATION_FILE.exec(f);
    if (!m || Number(m[1]) !== i + 1) throw new Error(`sql/migrations/${f}: expected ${String(i + 1).padStart(4, '0')}_<name>.sql`);
    return { number: i + 1, file: `sql/migrations/${f}`, body: readFileSync(join(root, 'sql', 'migrations', f), 'utf8').trimEnd(), tag: `pgpart_migration_${m[1]}` };
  });
}

/** The parting schema revision this build installs: its last migration's number. */
export function schemaRevision(): number {
  return migrations().length;
}

/**
 * The runtime: sql/runtime/<room>/<routine>.sql, each file CREATE OR REPLACE of the one
 * routine it is named for, in path order (the install makes them with check_function_bodies
 * off, so their order does not matter to PostgreSQL; a fixed one keeps the script stable).
 */
export function runtimeFiles(): { file: string; routine: string; body: string }[] {
  const dir = join(root, 'sql', 'runtime');
  return readdirSync(dir, { withFileTypes: true })
    .filter((room) => room.isDirectory())
    .map((room) => room.name)
    .sort()
    .flatMap((room) => readdirSync(join(dir, room)).filter((f) => f.endsWith('.sql')).sort()
      .map((f) => ({ file: `sql/runtime/${room}/${f}`, routine: f.slice(0, -'.sql'.length), body: readFileSync(join(dir, room, f), 'utf8').trimEnd() })));
}

type HelperOptions = HandlebarsModule.HelperOptions & { loc?: { start: { line: number; column: number } } };

/**
 * Handlebars' strict mode refuses a missing field only where a template prints it
 * (`{{model.name}}`); a helper's argument comes through as undefined without a word. Every
 * helper here quotes SQL, where a silently missing value would become `NULL` or `''`, so each
 * refuses one and names where it was asked for.
 */
function given(helper: string, arity: number, args: unknown[]): void {
  const options = args[args.length - 1] as HelperOptions;
  const values = Array.from({ length: arity }, (_, i) => (i < args.length - 1 ? args[i] : undefined));
  const missing = values.findIndex((v) => v === undefined);
  if (missing >= 0) {
    const at = options.loc ? ` at line ${options.loc.start.line}, column ${options.loc.start.column}` : '';
    throw new Error(`template helper "${helper}"${at}: argument ${missing + 1} of ${arity} is missing (a field the template names that the plan does not have, or none given)`);
  }
}

/** The template engine: handlebars with the quoting helpers, each refusing a missing field. */
export function createEngine(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper('literal', (...args: unknown[]) => { given('literal', 1, args); return literal(args[0]); });
  hb.registerHelper('json', (...args: unknown[]) => { given('json', 1, args); return jsonLiteral(args[0]); });
  hb.registerHelper('dollar', (...args: unknown[]) => { given('dollar', 2, args); return dollarQuoted(args[0] as string, args[1] as string); });
  // Text inside a `--` comment: one line, nothing that could end it.
  hb.registerHelper('comment', (...args: unknown[]) => { given('comment', 1, args); return commentText(String(args[0])); });
  return hb;
}

const templates = new Map<string, HandlebarsModule.TemplateDelegate>();

function template(name: string): HandlebarsModule.TemplateDelegate {
  let t = templates.get(name);
  if (!t) {
    t = createEngine().compile(readFileSync(join(root, 'templates', name), 'utf8'), { noEscape: true, strict: true });
    templates.set(name, t);
  }
  return t;
}

/** The runtime's routines rendered from src/contract.ts: the vocabularies SQL and TypeScript share. */
export function contractFiles(): { file: string; routine: string; body: string }[] {
  const changeKinds = Object.entries(CHANGE_KINDS).map(([kind, k]) => ({ kind, phase: k.phase, lock: k.lock }));
  return [{ file: 'templates/contract.sql.hbs', routine: '_change_kinds', body: template('contract.sql.hbs')({ changeKinds }).trimEnd() }];
}

export function render(plan: Plan, options: RenderOptions): string {
  const compiled = template('install.sql.hbs');
  const steps = migrations();
  const files = [...runtimeFiles(), ...contractFiles()];
  return compiled({
    ...options,
    revision: steps.length,
    notes: plan.notes,
    desired: plan.desired,
    migrations: steps,
    runtime: files,
    routines: files.map((f) => f.routine),
  });
}
