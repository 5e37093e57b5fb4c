import { appendFileSync } from 'node:fs';

export type Level = 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

export interface LogOptions {
  stderr: (text: string) => void;
  /** From the config's `logFile`; every line at or above `level` is appended there too. */
  file?: string;
  level?: Level;
  /** Prefix that ties lines to one invocation, e.g. "ADD abc123/eth0". */
  context?: string;
}

/** Logs never touch stdout: it belongs to the result. Warnings and errors go to stderr, everything at `level` to the file. */
export function createLogger(opts: LogOptions): Logger {
  const fileRank = RANK[opts.level ?? 'info'];
  const emit = (level: Level, msg: string): void => {
    const line = `${new Date().toISOString()} ${level} ${opts.context ?? ''} ${msg}\n`;
    if (RANK[level] <= RANK.warn) opts.stderr(line);
    if (opts.file && RANK[level] <= fileRank) {
      try {
        appendFileSync(opts.file, line, { mode: 0o600 });
      } catch {
        // An unwritable log file must never fail the pod.
      }
    }
  };
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
  };
}
