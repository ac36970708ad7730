/**
 * Django (5.2): a model class per model (`Tweet`, `Star`), `managed = False` (pgpart makes
 * and changes the tables; Django's migrations must not), the primary key as pgpart makes it
 * (`CompositePrimaryKey`), and the lockstep relation as a `ForeignObject` over both columns
 * (`star.tweet`, reverse `tweet.star`). What the database fills (identity, defaults) is a
 * `db_default`, so Django writes DEFAULT in the INSERT and reads the value back; generated
 * columns are `GeneratedField`s. Also the migration that installs pgpart: a `RunSQL` of the
 * install script of that moment, frozen in a sidecar file (see migrationFile).
 *
 * on_delete is DO_NOTHING on every relation: the database carries out the configured
 * ON DELETE (the partition foreign key), and Django's own emulation would fight it (SET_NULL
 * would clear the key column too, which routes the row).
 */
import { GenerateError, madeBy, pascal, uniqueNames, type OrmColumn, type OrmProject, type OrmTable } from './shared.js';
import { pyField, pyString } from './text.js';

/** Class names the generated module defines or imports itself. */
const RESERVED_CLASSES = new Set(['DatabaseFills', 'ArrayField', 'models', 'Model']);

export interface DjangoNames {
  classes: Map<string, string>;
  fields: Map<string, Map<string, string>>;
  relations: Map<string, string>;
}

export function djangoNames(project: OrmProject): DjangoNames {
  const classes = new Map(project.tables.map((t) => {
    let n = pascal(t.model);
    while (RESERVED_CLASSES.has(n)) n += 'Model';
    return [t.model, n];
  }));
  uniqueNames(project.tables, (t) => classes.get(t.model)!, 'Django model class');
  const fields = new Map<string, Map<string, string>>();
  const relations = new Map<string, string>();
  for (const t of project.tables) {
    if (!t.primaryKey.length) throw new GenerateError(`models.${t.model} has no primaryKey: Django needs one; give the model a primaryKey`);
    const taken = new Set<string>();
    const m = new Map<string, string>();
    for (const c of t.columns) {
      const f = pyField(c.name, taken);
      taken.add(f);
      m.set(c.name, f);
    }
    if (t.parent) {
      const rel = pyField(t.parent.childField, taken);
      taken.add(rel);
      relations.set(t.model, rel);
    }
    fields.set(t.model, m);
  }
  return { classes, fields, relations };
}

export function djangoModels(project: OrmProject, source: string): string {
  const names = djangoNames(project);
  const arrays = project.tables.some((t) => t.columns.some((c) => c.type.dims > 0));
  const out = [
    `# ${madeBy('django', source)}`,
    '#',
    '# pgpart makes and changes these tables and their partitions (managed = False): install it with',
    "# the migration `pgpart generate django` writes beside this file, never with Django's schema editor.",
    ...(arrays ? ['from django.contrib.postgres.fields import ArrayField'] : []),
    'from django.db import models',
    '',
    '',
    'class DatabaseFills(models.Expression):',
    '    """',
    '    A value the database fills in (an identity column, a DEFAULT): as db_default, Django writes',
    '    DEFAULT in the INSERT and reads the value back with RETURNING. The SQL is the default as the',
    '    config writes it; it is never used for DDL, since the tables are not managed by Django.',
    '    """',
    '',
    '    allowed_default = True',
    '',
    '    def __init__(self, sql, output_field=None):',
    '        super().__init__(output_field)',
    '        self.sql = sql',
    '',
    '    def as_sql(self, compiler, connection):',
    '        return self.sql, []',
  ];
  for (const t of project.tables) out.push('', '', ...modelClass(t, names, project));
  return `${out.join('\n')}\n`;
}

function modelClass(t: OrmTable, names: DjangoNames, project: OrmProject): string[] {
  const fields = names.fields.get(t.model)!;
  const lines = [`class ${names.classes.get(t.model)}(models.Model):`];
  lines.push(`    """${t.schema}.${t.table}: primary key (${t.primaryKey.join(', ')}), partitioned by ${t.partitionKey}${t.parent ? `, in lockstep with ${t.parent.parent}` : ''}."""`, '');
  lines.push(`    pk = models.CompositePrimaryKey(${t.primaryKey.map((c) => pyString(fields.get(c)!)).join(', ')})`);
  for (const c of t.columns) lines.push(`    ${fields.get(c.name)} = ${fieldOf(c, fields.get(c.name)!, true)}`);
  if (t.parent) {
    const r = t.parent;
    lines.push(
      `    # ${r.columns.join(', ')} → ${r.parentTable} (${r.references.join(', ')}): the partition foreign key with the key column.`,
      `    # ON DELETE ${r.onDelete.toUpperCase()} is the database's.`,
      `    ${names.relations.get(t.model)} = ${relationField(t, names, pyString(names.classes.get(r.parent)!))}`,
    );
  }
  lines.push('', '    class Meta:', '        managed = False');
  lines.push(`        db_table = ${pyString(project.schema === 'public' ? t.table : `"${project.schema}"."${t.table}"`)}`);
  if (t.unique.length) {
    lines.push(`        unique_together = [${t.unique.map((u) => `(${u.map((c) => pyString(fields.get(c)!)).join(', ')})`).join(', ')}]`);
  }
  return lines;
}

/** The ForeignObject of a dependent to its parent; `to` is the class (models.py) or 'app.model' (a migration). */
export function relationField(t: OrmTable, names: DjangoNames, to: string): string {
  const r = t.parent!;
  const fields = names.fields.get(t.model)!;
  const parentFields = names.fields.get(r.parent)!;
  return `models.ForeignObject(${to}, on_delete=models.DO_NOTHING, `
    + `from_fields=[${r.columns.map((c) => pyString(fields.get(c)!)).join(', ')}], `
    + `to_fields=[${r.references.map((c) => pyString(parentFields.get(c)!)).join(', ')}], `
    + `related_name=${pyString(r.parentField)})`;
}

/** The Django field of a column; `withDefaults` false leaves out db_default (the migration's historical models). */
export function fieldOf(c: OrmColumn, name: string, withDefaults: boolean): string {
  const args: string[] = [];
  const base = baseField(c);
  if (name !== c.name) args.push(`db_column=${pyString(c.name)}`);
  if (!c.notNull) args.push('null=True', 'blank=True');
  if (c.generatedAs) {
    if (!withDefaults) return field(base, args);
    return `models.GeneratedField(expression=DatabaseFills(${pyString(c.generatedAs)}), output_field=${field(base, [])}, db_persist=True${args.length ? `, ${args.filter((a) => !a.startsWith('null') && !a.startsWith('blank')).join(', ')}` : ''})`;
  }
  if (withDefaults) {
    if (c.identityAlways || c.identityByDefault || c.serial) args.push(`db_default=DatabaseFills('DEFAULT')`);
    else if (c.defaultSql) args.push(`db_default=DatabaseFills(${pyString(c.defaultSql)})`);
  }
  return field(base, args);
}

function field(base: { call: string; args: string[]; arrayOf: number }, extra: string[]): string {
  let inner = `${base.call}(${base.args.join(', ')})`;
  for (let i = 0; i < base.arrayOf; i++) inner = `ArrayField(${inner}${i === base.arrayOf - 1 && extra.length ? `, ${extra.join(', ')}` : ''})`;
  if (base.arrayOf === 0 && extra.length) inner = `${base.call}(${[...base.args, ...extra].join(', ')})`;
  return inner;
}

function baseField(c: OrmColumn): { call: string; args: string[]; arrayOf: number } {
  const [p0, p1] = c.type.params;
  const arrayOf = c.type.dims;
  const f = (call: string, ...args: string[]) => ({ call: `models.${call}`, args, arrayOf });
  switch (c.type.name) {
    case 'bigint': return f('BigIntegerField');
    case 'integer': return f('IntegerField');
    case 'smallint': return f('SmallIntegerField');
    case 'text': return f('TextField');
    case 'varchar': case 'char': return p0 === undefined ? f('CharField') : f('CharField', `max_length=${p0}`);
    case 'boolean': return f('BooleanField');
    // PostgreSQL's numeric without precision has none; Django's DecimalField needs one: the largest.
    case 'numeric': return f('DecimalField', `max_digits=${p0 ?? 1000}`, `decimal_places=${p0 === undefined ? 500 : (p1 ?? 0)}`);
    case 'real': case 'double precision': return f('FloatField');
    case 'timestamptz': case 'timestamp': return f('DateTimeField');
    case 'date': return f('DateField');
    case 'time': case 'timetz': return f('TimeField');
    case 'interval': return f('DurationField');
    case 'uuid': return f('UUIDField');
    case 'json': case 'jsonb': return f('JSONField');
    case 'bytea': return f('BinaryField');
    case 'inet': return f('GenericIPAddressField');
    // A type Django has no field for (cidr, a domain, citext): its text, as the driver returns it.
    default: return f('TextField');
  }
}

export interface DjangoMigration {
  app: string;
  /** The migration this one follows, or null for the app's first. */
  after: string | null;
  /** The sidecar with the install script, relative to the migrations directory, and its sha256. */
  sqlFile: string;
  sqlHash: string;
  configHash: string;
  /** Models this migration adds to Django's state (new since the last pgpart migration), and removes. */
  added: string[];
  removed: string[];
  /** `pgpart plan`'s text of the change, or why there is none, for the comment. */
  plan: string;
}

/**
 * A migration that runs the install script frozen at generation time (read from its sidecar,
 * checked against its hash) and records the unmanaged models in Django's state. Frozen, so a
 * fresh database replaying the migrations passes through every config the live one did.
 */
export function djangoMigration(project: OrmProject, m: DjangoMigration, source: string): string {
  const names = djangoNames(project);
  const ops: string[] = ['        migrations.RunSQL([install_sql()], elidable=False),'];
  for (const t of project.tables.filter((x) => m.added.includes(x.model))) {
    const fields = names.fields.get(t.model)!;
    const rows = [`                ('pk', models.CompositePrimaryKey(${t.primaryKey.map((c) => pyString(fields.get(c)!)).join(', ')}, blank=True, editable=False, primary_key=True, serialize=False)),`];
    for (const c of t.columns) rows.push(`                (${pyString(fields.get(c.name)!)}, ${fieldOf(c, fields.get(c.name)!, false)}),`);
    if (t.parent) rows.push(`                (${pyString(names.relations.get(t.model)!)}, ${relationField(t, names, pyString(`${m.app}.${names.classes.get(t.parent.parent)!.toLowerCase()}`))}),`);
    ops.push(
      '        migrations.CreateModel(',
      `            name=${pyString(names.classes.get(t.model)!)},`,
      '            fields=[',
      ...rows,
      '            ],',
      `            options={'db_table': ${pyString(project.schema === 'public' ? t.table : `"${project.schema}"."${t.table}"`)}, 'managed': False},`,
      '        ),',
    );
  }
  for (const r of m.removed) ops.push(`        migrations.DeleteModel(name=${pyString(pascal(r))}),`);
  const plan = m.plan.split('\n').map((l) => `# ${l}`.trimEnd());
  return [
    `# ${madeBy('django', source)}`,
    `# pgpart models: ${project.tables.map((t) => t.model).join(', ')}`,
    `# config ${m.configHash}`,
    '#',
    '# What it changes (as `pgpart plan` printed it when it was made):',
    ...plan,
    '#',
    `# The install script of that moment is frozen in ${m.sqlFile} (sha256 ${m.sqlHash}),`,
    '# so replaying the migrations on a fresh database passes through the same configs. It has no',
    '# reverse: to undo, change the config back and generate again.',
    'import hashlib',
    'from pathlib import Path',
    '',
    ...(project.tables.some((t) => m.added.includes(t.model) && t.columns.some((c) => c.type.dims > 0)) ? ['from django.contrib.postgres.fields import ArrayField'] : []),
    'from django.db import migrations, models',
    '',
    `SQL_FILE = Path(__file__).parent / ${pyString(m.sqlFile)}`,
    `SQL_SHA256 = ${pyString(m.sqlHash)}`,
    '',
    '',
    'def install_sql():',
    '    sql = SQL_FILE.read_bytes()',
    '    if hashlib.sha256(sql).hexdigest() != SQL_SHA256:',
    "        raise RuntimeError(f'{SQL_FILE} is not the install script this migration was made with (sha256 {SQL_SHA256})')",
    "    return sql.decode('utf-8')",
    '',
    '',
    'class Migration(migrations.Migration):',
    `    dependencies = [${m.after ? `(${pyString(m.app)}, ${pyString(m.after)})` : ''}]`,
    '',
    '    operations = [',
    ...ops,
    '    ]',
    '',
  ].join('\n');
}
