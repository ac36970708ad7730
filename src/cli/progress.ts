/**
 * Progress through a known number of steps: on a terminal one line redrawn in place, with a
 * bar; elsewhere (a log, a pipe) a plain line per step.
 */
export class Progress {
  private n = 0;
  private readonly tty: boolean;

  constructor(private readonly total: number, private readonly stream: NodeJS.WriteStream) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Starts step n + 1, described by `what`. */
  step(what: string): void {
    this.n++;
    const count = `${String(this.n).padStart(String(this.total).length)}/${this.total}`;
    if (!this.tty) {
      this.stream.write(`  [${count}] ${what}\n`);
      return;
    }
    const width = 24;
    const filled = Math.round((this.n / this.total) * width);
    const line = `  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count} ${what}`;
    const columns = this.stream.columns || 100;
    this.stream.write(`\r\x1b[K${line.length > columns ? `${line.slice(0, columns - 1)}…` : line}`);
  }

  /** Ends the bar's line on a terminal. */
  done(): void {
    if (this.tty && this.n > 0) this.stream.write('\n');
  }
}
