export { applyUninstall } from './apply';
export { gatherFacts, parseTwillConflist, type FactsInput } from './facts';
export { describeStep, iptablesLines, planUninstall, TWILL_TABLES, twillNetworks, type UninstallFacts, type UninstallSettings, type UninstallStep } from './plan';
