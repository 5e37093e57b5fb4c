export type { AgentConfig, NetworkSettings } from './types';
export { loadAgentConfig, type LoadOptions, type LoadResult } from './load';
export { AgentConfigError } from './errors';
export { DEFAULTS, networkDefaults } from './defaults';
export { parseListen, type ListenAddress } from './listen';
export { agentVersion } from './version';
export type { ReadFile } from './file';
