/**
 * A config problem, located: `file: models.star.partitionForeignKey.references: message`.
 * The CLI prints `message` and exits 1; tests match on it.
 */
export interface ConfigIssue {
  /** Path inside the config, e.g. `['models', 'star', 'partitionForeignKey', 'references']`. */
  path: (string | number)[];
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  readonly file: string;

  constructor(issues: ConfigIssue[], file = 'config') {
    super(issues.map((i) => formatIssue(file, i)).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
    this.file = file;
  }

  /** The same issues, reported against a file name (the loader knows it, `build` does not). */
  inFile(file: string): ConfigError {
    return new ConfigError(this.issues, file);
  }
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${file}: ${where}${issue.message}`;
}
