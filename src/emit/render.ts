/**
 * Plan → install.sql. The static runtime comes from sql/ (files in name order), the
 * model-dependent part from templates/. An isolated Handlebars instance with noEscape and
 * strict: values reach the SQL only through the typed helpers below, which call quote.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { Column } from '../model/types.js';
import type { Plan } from '../plan/plan.js';
import { ident, identList, literal, qualified } from './quote.js';
import { packageRoot } from './package.js';

/** Bumped when the `parting` schema changes shape; recorded in parting.meta. */
export const SCHEMA_REVISION = 2;

export interface RenderOptions {
  version: string;
  hash: string;
  /** Shown in the header: where the config came from. */
  source: string;
  /** Wrap in BEGIN/COMMIT (default). Off for tools that open their own transaction (node-pg-migrate). */
  transaction: boolean;
}

const root = packageRoot();

function createEngine(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper('ident', (name: string) => ident(name));
  hb.registerHelper('qualified', (schema: string, name: string) => qualified(schema, name));
  hb.registerHelper('identList', (names: string[]) => identList(names));
  hb.registerHelper('literal', (value: unknown) => literal(value));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // Column definitions are SQL the user wrote; validate() has already refused ones that
  // could end the statement (semicolons, comments, unbalanced quotes or parentheses).
  hb.registerHelper('definition', (column: Column) => column.definition);
  hb.registerHelper('keyword', (word: string) => {
    if (word !== 'range' && word !== 'list') throw new Error(`not a partition strategy: ${word}`);
    return word.toUpperCase();
  });
  // Text inside a `--` comment: one line, nothing that could end it.
  hb.registerHelper('comment', (text: string) => String(text).replace(/[\r\n]+/g, ' '));
  for (const file of readdirSync(join(root, 'templates', 'partials'))) {
    hb.registerPartial(file.replace(/\.sql\.hbs$/, ''), readFileSync(join(root, 'templates', 'partials', file), 'utf8'));
  }
  return hb;
}

/** The static runtime: sql/tables then sql/functions, each folder in file-name order. */
export function runtimeFiles(): { file: string; body: string }[] {
  return ['tables', 'functions'].flatMap((dir) =>
    readdirSync(join(root, 'sql', dir))
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .map((f) => ({ file: `sql/${dir}/${f}`, body: readFileSync(join(root, 'sql', dir, f), 'utf8').trimEnd() })));
}

let compiled: Handlebars.TemplateDelegate | null = null;

export function render(plan: Plan, options: RenderOptions): string {
  compiled ??= createEngine().compile(readFileSync(join(root, 'templates', 'install.sql.hbs'), 'utf8'), { noEscape: true, strict: true });
  return compiled({ ...options, revision: SCHEMA_REVISION, notes: plan.notes, steps: plan.steps, runtime: runtimeFiles() });
}
