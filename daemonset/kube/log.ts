// The agent's logger: one line per event, an event name plus flat fields, so lines grep and
// parse alike. Callers pass names, versions, CIDRs and error messages, never tokens or
// kubeconfig contents (nothing here could tell a secret from a name).
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface JsonLineLoggerOptions {
  write: (line: string) => void;
  level?: LogLevel;
  now?: () => Date;
}

/** One JSON object per line: {"ts","level","event",...fields}. */
export function jsonLineLogger(opts: JsonLineLoggerOptions): Logger {
  const threshold = RANK[opts.level ?? 'info'];
  const now = opts.now ?? (() => new Date());
  const emit = (level: LogLevel) => (event: string, fields: LogFields = {}) => {
    if (RANK[level] > threshold) return;
    opts.write(`${JSON.stringify({ ts: now().toISOString(), level, event, ...fields })}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

const ignore = () => undefined;
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** A message for a log field, whatever was thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
