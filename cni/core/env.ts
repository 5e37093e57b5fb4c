import { CniError, ErrorCode } from './errors';
import { nonUtf8Problem, unsafeIfname, unsafePath } from './safe-names';

export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'] as const;
export type Command = (typeof COMMANDS)[number];

/** The spec's rule for container IDs and network names. */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** Longest container ID we accept: it becomes part of a file name (255 bytes) in the IPAM store. */
const MAX_CONTAINER_ID = 200;

export interface CniEnv {
  command: Command;
  containerId: string;
  netns: string;
  ifname: string;
  args: string;
  path: string[];
}

type Requirement = 'containerId' | 'netns' | 'ifname' | 'path';

/**
 * Verbs that hand the interface name and namespace path to `ip`: those must be safe to write
 * into its scripts (cni/core/safe-names.ts). DEL only derives names from them, so it keeps the
 * kernel's rules: a name refused on ADD created nothing, and refusing its DEL too would leave
 * the runtime retrying it for ever.
 */
const STRICT: ReadonlySet<Command> = new Set(['ADD', 'CHECK']);

/** Which variables each verb needs (spec section 2). */
const REQUIRED: Record<Command, Requirement[]> = {
  ADD: ['containerId', 'netns', 'ifname', 'path'],
  CHECK: ['containerId', 'netns', 'ifname', 'path'],
  DEL: ['containerId', 'ifname', 'path'],
  VERSION: [],
  STATUS: ['path'],
  GC: ['path'],
};

const VARIABLE: Record<Requirement, string> = {
  containerId: 'CNI_CONTAINERID',
  netns: 'CNI_NETNS',
  ifname: 'CNI_IFNAME',
  path: 'CNI_PATH',
};

function invalid(variable: string, msg: string, details?: string): CniError {
  return new CniError(ErrorCode.invalidEnvironment, `${variable}: ${msg}`, details);
}

export function validateIfname(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (Buffer.byteLength(name) > 15) return `"${name}" is longer than 15 bytes`;
  if (name === '.' || name === '..') return `"${name}" is not a valid interface name`;
  if (/[/:\s]/.test(name)) return `"${name}" contains "/", ":" or whitespace`;
  return undefined;
}

export function validateContainerId(id: string): string | undefined {
  if (!NAME_PATTERN.test(id)) return `"${id}" must match ${NAME_PATTERN.source}`;
  if (id.length > MAX_CONTAINER_ID) return `is longer than ${MAX_CONTAINER_ID} characters`;
  return undefined;
}

function netnsProblem(netns: string, strict: boolean): string | undefined {
  if (!netns.startsWith('/')) return `${JSON.stringify(netns)} is not an absolute path`;
  return strict ? unsafePath(netns) : undefined;
}

function checkRequirement(req: Requirement, env: CniEnv, raw: NodeJS.ProcessEnv): void {
  const name = VARIABLE[req];
  if (!raw[name]) throw invalid(name, 'required but not set', `${env.command} needs ${name}`);
  const strict = STRICT.has(env.command);
  const problem =
    req === 'containerId' ? (nonUtf8Problem(env.containerId) ?? validateContainerId(env.containerId))
    : req === 'ifname' ? (validateIfname(env.ifname) ?? (strict ? unsafeIfname(env.ifname) : undefined))
    : req === 'netns' ? netnsProblem(env.netns, strict)
    : undefined;
  if (problem) throw invalid(name, problem);
}

/** Reads the CNI_* variables and checks what the verb requires. */
export function loadEnv(raw: NodeJS.ProcessEnv): CniEnv {
  const command = raw.CNI_COMMAND ?? '';
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw invalid('CNI_COMMAND', command ? `unknown command "${command}"` : 'required but not set', `expected one of ${COMMANDS.join(', ')}`);
  }
  const env: CniEnv = {
    command: command as Command,
    containerId: raw.CNI_CONTAINERID ?? '',
    netns: raw.CNI_NETNS ?? '',
    ifname: raw.CNI_IFNAME ?? '',
    args: raw.CNI_ARGS ?? '',
    path: (raw.CNI_PATH ?? '').split(':').filter(Boolean),
  };
  for (const req of REQUIRED[env.command]) checkRequirement(req, env, raw);
  if (env.command === 'DEL' && env.netns && !env.netns.startsWith('/')) {
    throw invalid('CNI_NETNS', `"${env.netns}" is not an absolute path`);
  }
  // Its values (IP, MAC) reach the pod: bytes that were not UTF-8 are not what the runtime meant.
  const argsProblem = STRICT.has(env.command) ? nonUtf8Problem(env.args) : undefined;
  if (argsProblem) throw invalid('CNI_ARGS', argsProblem);
  return env;
}
