/**
 * A setting twilld cannot run with. `field` names it as the operator wrote it: a config file
 * key path ("networks[1].vni"), a flag ("--mtu") or an environment variable ("NODE_NAME"), so
 * the fix is obvious from the first line of the log; the message starts with the same name.
 */
export class AgentConfigError extends Error {
  readonly field: string;

  constructor(opts: { field: string; detail: string }) {
    super(`${opts.field}: ${opts.detail}`);
    this.name = 'AgentConfigError';
    this.field = opts.field;
  }
}
