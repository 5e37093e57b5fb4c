/** `twillctl completion bash`: a bash completion script built from the program's own commands and options. */
import type { Command } from 'commander';

function longOptions(cmd: Command): string[] {
  // Hidden options (the older path spellings) still work but are not offered.
  return cmd.options.filter((o) => !o.hidden).map((o) => o.long).filter((l): l is string => Boolean(l) && l !== '--version');
}

export function bashCompletion(program: Command): string {
  const globals = longOptions(program).join(' ');
  const cases = program.commands
    .map((c) => `    ${c.name()}) opts="${[...longOptions(c), '--help'].join(' ')} ${globals}" ;;`)
    .join('\n');
  const names = program.commands.map((c) => c.name()).join(' ');
  return `# bash completion for twillctl: source <(twillctl completion bash)
_twillctl() {
  local cur cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W "${names} ${globals} --help --version" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
    *) opts="${globals}" ;;
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _twillctl twillctl
`;
}
