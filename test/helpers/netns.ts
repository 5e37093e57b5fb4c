import { execFileSync } from 'node:child_process';

/** Runs a command, throwing with its stderr when it fails. */
export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Unique per test process, so parallel or leftover runs never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** Test-owned network namespaces, all deleted by cleanup() even when a test fails. */
export class Namespaces {
  private readonly names = new Set<string>();

  create(prefix = 'twt'): string {
    const name = uniqueName(prefix);
    sh('ip', ['netns', 'add', name]);
    this.names.add(name);
    return name;
  }

  path(name: string): string {
    return `/run/netns/${name}`;
  }

  exec(name: string, cmd: string, args: string[]): string {
    return sh('ip', ['netns', 'exec', name, cmd, ...args]);
  }

  /** Deletes one namespace now (a pod that went away before its DEL). */
  remove(name: string): void {
    sh('ip', ['netns', 'del', name]);
    this.names.delete(name);
  }

  cleanup(): void {
    for (const name of this.names) {
      try {
        sh('ip', ['netns', 'del', name]);
      } catch {
        // already gone
      }
    }
    this.names.clear();
  }
}

/** `describe` when root, otherwise skipped with the reason in the name. */
export const describeRoot: jest.Describe = isRoot() ? describe : (describe.skip as jest.Describe);
