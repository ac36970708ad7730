/**
 * Standard output whose reader may go away (`pgpart apply | head -3`). A command that must not
 * stop half way when it does (apply: its work is the database's, not the reader's) sets
 * `keepGoing`; main.ts then marks stdout closed instead of exiting, and the command's writes
 * through `out` are dropped from there on.
 */
export const stdoutState = { closed: false, keepGoing: false };

/** process.stdout as Progress and a command's lines need it, silent once the reader is gone. */
export const out = {
  get isTTY(): boolean { return Boolean(process.stdout.isTTY); },
  get columns(): number { return process.stdout.columns; },
  write(text: string): boolean {
    if (!stdoutState.closed) process.stdout.write(text);
    return true;
  },
} as unknown as NodeJS.WriteStream;
