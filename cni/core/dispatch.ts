import { checkCommonFields, COMMON_KEYS, decodeConfig, negotiateVersion, type NetConf } from './config';
import { loadEnv, type CniEnv, type Command } from './env';
import { CniError, DelegatedError, ErrorCode, toCniError } from './errors';
import type { DecodedIo, Io } from './io';
import { canonicalKeys, mergeKeyShapes, type KeyShape } from './keys';
import { createLogger, type Level, type Logger } from './log';
import { convertResult, type Result } from './result';
import { decodeUtf8, lenientText } from './utf8';
import { LATEST_VERSION, SUPPORTED_VERSIONS, atLeast, isSupported } from './versions';

export interface Context {
  env: CniEnv;
  /** The decoded stdin, keys spelt as ours, common fields checked; the plugin validates its own fields. */
  conf: NetConf;
  /** The negotiated spec version; results are printed in it. */
  version: string;
  io: DecodedIo;
  log: Logger;
}

type Handler<R> = (ctx: Context) => R | Promise<R>;

/** A plugin is its verbs; ADD returns a result, the others only succeed or throw. */
export interface Plugin {
  add: Handler<Result>;
  del: Handler<void>;
  check: Handler<void>;
  status: Handler<void>;
  gc: Handler<void>;
  /** The configuration keys the plugin reads, matched case-insensitively as Go plugins do (cni/core/keys.ts). */
  keys?: KeyShape;
}

/** The oldest spec version each verb exists in. */
const SINCE: Record<Exclude<Command, 'VERSION'>, string> = { ADD: '0.3.0', DEL: '0.3.0', CHECK: '0.4.0', STATUS: '1.1.0', GC: '1.1.0' };

function printError(io: Io, version: string, err: CniError): void {
  const body = err instanceof DelegatedError
    ? err.raw
    : { cniVersion: version, code: err.code, msg: err.message, ...(err.details ? { details: err.details } : {}) };
  io.stdout(JSON.stringify(body) + '\n');
}

function versionReply(): string {
  return JSON.stringify({ cniVersion: LATEST_VERSION, supportedVersions: SUPPORTED_VERSIONS }) + '\n';
}

type Decoded = { raw: Record<string, unknown>; text: string; error?: undefined } | { raw?: undefined; error: unknown };

/** stdin decoded once, keys spelt as ours; a decode error is kept so environment errors can be reported first. */
function tryDecode(stdin: string | Uint8Array, keys: KeyShape): Decoded {
  try {
    const text = decodeUtf8(stdin);
    return { raw: canonicalKeys(decodeConfig(text), keys) as Record<string, unknown>, text };
  } catch (error) {
    return { error };
  }
}

/**
 * Best effort: the version the caller asked for, so even early errors come back in its dialect.
 * The top-level key when stdin parses (a prevResult's cniVersion may come first), else the first match.
 */
function requestedVersion(decoded: Decoded, stdin: string | Uint8Array): string {
  const v = decoded.raw ? decoded.raw.cniVersion : /"cniVersion"\s*:\s*"([^"]*)"/i.exec(lenientText(stdin))?.[1];
  return typeof v === 'string' && isSupported(v) ? v : LATEST_VERSION;
}

async function runVerb(plugin: Plugin, ctx: Context): Promise<void> {
  const { command } = ctx.env;
  if (command === 'VERSION') return;
  if (!atLeast(ctx.version, SINCE[command])) {
    throw new CniError(ErrorCode.incompatibleVersion, `${command} is not defined for cniVersion ${ctx.version}`, `${command} needs ${SINCE[command]} or newer`);
  }
  switch (command) {
    case 'ADD':
      ctx.io.stdout(JSON.stringify(convertResult(await plugin.add(ctx), ctx.version)) + '\n');
      return;
    case 'DEL':
      return plugin.del(ctx);
    case 'CHECK':
      return plugin.check(ctx);
    case 'STATUS':
      return plugin.status(ctx);
    case 'GC':
      return plugin.gc(ctx);
  }
}

/** Runs one invocation: env and stdin in, result or error JSON out. Returns the exit code. */
export async function dispatch(plugin: Plugin, io: Io): Promise<number> {
  if (io.env.CNI_COMMAND === 'VERSION') {
    io.stdout(versionReply());
    return 0;
  }
  const decoded = tryDecode(io.stdin, plugin.keys ? mergeKeyShapes(COMMON_KEYS, plugin.keys) : COMMON_KEYS);
  let version = requestedVersion(decoded, io.stdin);
  try {
    const env = loadEnv(io.env);
    if (!decoded.raw) throw decoded.error;
    const raw = decoded.raw;
    version = negotiateVersion(raw);
    checkCommonFields(raw);
    const conf = raw as NetConf;
    const log = createLogger({
      stderr: io.stderr,
      file: typeof conf.logFile === 'string' ? conf.logFile : undefined,
      level: (conf.logLevel as Level) ?? 'info',
      context: `${env.command} ${conf.name} ${env.containerId}/${env.ifname}`,
    });
    await runVerb(plugin, { env, conf, version, io: { ...io, stdin: decoded.text }, log });
    return 0;
  } catch (err) {
    printError(io, version, toCniError(err));
    return 1;
  }
}
