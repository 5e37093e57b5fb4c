// Which programs the project's sources start, found where they start them (as the before-stop
// hook does, a little more precisely): in TypeScript/JavaScript the program of a spawn/exec call,
// the first element of an argv handed to a runner, what follows `ip netns exec NS` or
// `timeout N`, an absolute path to a program; in shell scripts and Makefile recipes the command
// word of every simple command (also inside $(…), after `ip netns exec NS`, `env`, `timeout N`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProgramUse {
  program: string;
  /** Where it is started first: "path:line". */
  at: string;
}

const SOURCE_DIRS = ['cni', 'ipam', 'daemonset', 'manifests', 'scripts', 'test'];
const ROOT_FILES = ['Makefile', '.ci/run'];
const SKIP_DIRS = new Set(['node_modules', 'generated', 'dist']);
const CODE = /\.(ts|mjs|js)$/;

/** Files whose contents start programs, relative to root. */
export function programSources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = join(dir, e.name);
      if (e.isDirectory() && !SKIP_DIRS.has(e.name)) walk(rel);
      else if (e.isFile() && (CODE.test(e.name) || e.name.endsWith('.sh'))) out.push(rel);
    }
  };
  for (const d of SOURCE_DIRS) if (existsSync(join(root, d))) walk(d);
  return [...out, ...ROOT_FILES.filter((f) => existsSync(join(root, f)))];
}

/** A quoted program as the pattern's first group (its quote) and second (the program). */
const Q = String.raw`(['"])([^'"\n]+)\1`;
/** Each pattern's last group is the program. */
const CODE_PATTERNS = [
  // spawn('socat', …), sh('ip', …), onPath('nft', …)
  new RegExp(String.raw`\b(?:spawn|spawnSync|execFile|execFileSync|sh|onPath)\(\s*${Q}`, 'g'),
  // runner(['nft', …]), node.tryExec(ns, ['ping', …]), node.background(ns, ['socat', …])
  new RegExp(String.raw`\b(?:runner|tryExec|exec|inNode|inNs|background)\([^\[\];\n]{0,80}?\[\s*${Q}`, 'g'),
  // namespaces.exec(pod, 'ping', [...])
  new RegExp(String.raw`\.exec\([^,\n]{1,40},\s*${Q}\s*,\s*\[`, 'g'),
  // ['netns', 'exec', ns, 'socat', …]
  new RegExp(String.raw`(['"])exec\1\s*,\s*[^,\]\n]+,\s*(['"])([^'"\n]+)\2`, 'g'),
  // ['timeout', '4', 'socat', …]
  new RegExp(String.raw`(['"])timeout\1\s*,\s*(['"])[^'"\n]*\2\s*,\s*(['"])([^'"\n]+)\3`, 'g'),
  // '/usr/sbin/runc', '/usr/lib/cni'
  /(['"`])((?:\/usr)?\/s?bin\/[\w.+-]+|\/usr\/lib\/cni(?:\/[\w.+-]+)?)\1/g,
];

const PROGRAM = /^(?:[a-z][a-z0-9.+_-]*|\/[\w./+-]+)$/;

/** Programs a TypeScript/JavaScript source starts, with their line numbers. */
export function programsInCode(text: string): Array<{ program: string; line: number }> {
  const found: Array<{ program: string; line: number }> = [];
  for (const re of CODE_PATTERNS) {
    for (const m of text.matchAll(re)) {
      const program = m[m.length - 1];
      if (PROGRAM.test(program)) found.push({ program, line: text.slice(0, m.index).split('\n').length });
    }
  }
  return found;
}

/** Every program the sources under root start, each with the first place that starts it. */
export function executedPrograms(root: string): ProgramUse[] {
  const uses = new Map<string, string>();
  for (const file of programSources(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    const found = CODE.test(file) ? programsInCode(text) : programsInShell(text, { makefile: file.endsWith('Makefile') });
    for (const f of found) if (!uses.has(f.program)) uses.set(f.program, `${file}:${f.line}`);
  }
  return [...uses].map(([program, at]) => ({ program, at })).sort((a, b) => a.program.localeCompare(b.program));
}

// ---- shell ---------------------------------------------------------------------------------

/** Words that are the shell's own, not programs. */
const BUILTINS = new Set(['cd', 'set', 'trap', 'exit', 'return', 'local', 'export', 'read', 'wait', 'shift', 'source', '.', 'eval', 'unset', 'break', 'continue', 'readonly', 'declare', 'let', 'alias', 'umask', 'getopts', 'type', ':']);
/** A command follows these words ('exec' before '{': else this very line reads as `exec … nohup`). */
const PREFIXES = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', 'time', 'command', 'nohup', 'exec', '{', '}']);
/** Segments starting with these hold no command. */
const NO_COMMAND = new Set(['for', 'case', 'select', 'function', 'fi', 'done', 'esac', 'in', ';;']);

interface Segment {
  words: string[];
  line: number;
  /** The character that ended it (a case label ends with ')'). */
  end: string;
}

/** Programs a shell script (or Makefile: its recipe lines) starts, with their line numbers. */
export function programsInShell(text: string, opts: { makefile?: boolean } = {}): Array<{ program: string; line: number }> {
  const src = opts.makefile ? makeRecipes(text) : text;
  const functions = new Set([...src.matchAll(/^\s*([A-Za-z_][\w-]*)\s*\(\)/gm)].map((m) => m[1]));
  const found: Array<{ program: string; line: number }> = [];
  let inCase = false;
  for (const seg of shellSegments(src)) {
    if (seg.words[0] === 'case') inCase = true;
    if (seg.words.includes('esac')) inCase = false;
    if (inCase && seg.words.length === 1 && (seg.end === ')' || seg.end === '|')) continue; // a case label
    for (const program of commandWords(seg.words)) {
      if (!functions.has(program) && !BUILTINS.has(program) && PROGRAM.test(program)) found.push({ program, line: seg.line });
    }
  }
  return found;
}

/** A Makefile's recipe lines as shell, other lines blanked (line numbers kept), make variables as a word. */
function makeRecipes(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.startsWith('\t') ? l.slice(1).replace(/^[@+-]+/, '').replace(/\$[({][^)}]*[)}]/g, 'MAKEVAR').replace(/\$\$/g, '$') : ''))
    .join('\n');
}

/** The command word(s) of one simple command: wrappers (env, timeout, ip netns exec) count their command too. */
function commandWords(words: string[]): string[] {
  let i = 0;
  // keywords, VAR=value, redirections (a bare `>` takes the next word with it)
  while (i < words.length && (PREFIXES.has(words[i]) || /^[A-Za-z_]\w*=/.test(words[i]) || /^\d*[<>]/.test(words[i]))) i += /^\d*[<>]+&?$/.test(words[i]) ? 2 : 1;
  if (i >= words.length || NO_COMMAND.has(words[i])) return [];
  const out = [words[i]];
  const w = words[i];
  if (w === 'env' || w === 'timeout' || (w === 'ip' && words[i + 1] === 'netns' && words[i + 2] === 'exec')) {
    i += w === 'ip' ? 4 : 1;
    while (i < words.length && (/^-/.test(words[i]) || (w === 'timeout' && /^\d/.test(words[i])))) i++;
    out.push(...commandWords(words.slice(i)));
  }
  return out;
}

/**
 * Splits shell text into simple commands: quotes kept whole, $(…) bodies as commands of their
 * own, comments and here-document bodies dropped, \-newline joined.
 */
function shellSegments(text: string): Segment[] {
  const segs: Segment[] = [];
  const scan = new ShellScanner(text, segs);
  scan.run(0, '');
  return segs;
}

class ShellScanner {
  private line = 1;
  private word = '';
  private words: string[] = [];
  private heredocs: string[] = [];

  constructor(
    private readonly text: string,
    private readonly out: Segment[],
  ) {}

  /** Scans from i until `close` (')' for a $(…) body, '' for the end); returns the index after it. */
  run(i: number, close: string): number {
    const t = this.text;
    while (i < t.length) {
      const c = t[i];
      if (close && c === close) {
        this.flush(c);
        return i + 1;
      }
      i = this.step(i, c);
    }
    this.flush('');
    return i;
  }

  private step(i: number, c: string): number {
    const t = this.text;
    if (c === '\\' && t[i + 1] === '\n') return this.newline(i + 1, false);
    if (c === '\\') return this.add(t.slice(i, i + 2), i + 2);
    if (c === '$' && t[i + 1] === '(') return this.substitution(i + 2);
    if (c === '$' && t[i + 1] === '{') return this.add('X', this.skipTo(i + 2, '}'));
    if (c === "'") return this.add('Q', t.indexOf("'", i + 1) + 1 || t.length);
    if (c === '"') return this.doubleQuoted(i + 1);
    if (c === '#' && !this.word) return t.indexOf('\n', i) < 0 ? t.length : t.indexOf('\n', i);
    if (c === '\n') return this.newline(i, true);
    if (c === '<' && t[i + 1] === '<') return this.heredoc(i + 2);
    if (c === '&' && /[<>]/.test(t[i - 1] + t[i + 1])) return this.add(c, i + 1);
    if (';&|()`'.includes(c)) {
      this.flush(c);
      return i + 1;
    }
    if (c === ' ' || c === '\t') {
      this.endWord();
      return i + 1;
    }
    return this.add(c, i + 1);
  }

  private add(s: string, next: number): number {
    this.word += s;
    return next;
  }

  private endWord(): void {
    if (this.word) this.words.push(this.word);
    this.word = '';
  }

  private flush(end: string): void {
    this.endWord();
    if (this.words.length) this.out.push({ words: this.words, line: this.line, end });
    this.words = [];
  }

  private newline(i: number, ends: boolean): number {
    if (ends) this.flush('\n');
    this.line += 1;
    i += 1;
    for (const tag of this.heredocs.splice(0)) i = this.skipHeredocBody(i, tag);
    return i;
  }

  private skipHeredocBody(i: number, tag: string): number {
    const t = this.text;
    while (i < t.length) {
      const eol = t.indexOf('\n', i) < 0 ? t.length : t.indexOf('\n', i);
      const body = t.slice(i, eol);
      this.line += 1;
      i = eol + 1;
      if (body.replace(/^\t+/, '') === tag) break;
    }
    return i;
  }

  private heredoc(i: number): number {
    const m = /^-?\s*(['"]?)(\w+)\1/.exec(this.text.slice(i));
    if (!m) return i;
    this.heredocs.push(m[2]);
    return i + m[0].length;
  }

  private substitution(i: number): number {
    const outer = { word: this.word, words: this.words };
    this.word = '';
    this.words = [];
    const next = this.run(i, ')');
    this.word = `${outer.word}X`;
    this.words = outer.words;
    return next;
  }

  private doubleQuoted(i: number): number {
    const t = this.text;
    while (i < t.length && t[i] !== '"') {
      if (t[i] === '\\') i += 2;
      else if (t[i] === '$' && t[i + 1] === '(') i = this.substitution(i + 2);
      else i += t[i] === '\n' ? (this.line++, 1) : 1;
    }
    this.word += 'Q';
    return i + 1;
  }

  private skipTo(i: number, close: string): number {
    const j = this.text.indexOf(close, i);
    return j < 0 ? this.text.length : j + 1;
  }
}
