import { parseDocument } from 'yaml';
import { validateTwilld } from '../../cni/generated/twilld';
import { AgentConfigError } from './errors';
import type { ConfigLayer } from './layer';
import { schemaError } from './schema-errors';

/** Reads a whole file as UTF-8 text; throws (ENOENT, EACCES) as fs.readFileSync does. */
export type ReadFile = (path: string) => string;

function parseText(path: string, text: string): unknown {
  // YAML 1.2's core schema: JSON is a subset, and "no"/"on" stay strings. Duplicate keys are errors.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) throw new AgentConfigError({ field: '--config', detail: `${path} is not valid YAML or JSON: ${err.message}` });
  return doc.toJS() ?? {};
}

/** Network names are the conflist's and the IPAM store's: with several networks none is implied. */
function requireNames(layer: ConfigLayer): void {
  const networks = layer.networks ?? [];
  if (networks.length < 2) return;
  const i = networks.findIndex((n) => n.name === undefined);
  if (i >= 0) throw new AgentConfigError({ field: `networks[${i}].name`, detail: 'required when the file lists more than one network' });
}

/** The --config file as a layer: parsed (YAML or JSON) and checked against twilld.schema.json. */
export function readConfigFile(path: string, readFile: ReadFile): ConfigLayer {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new AgentConfigError({ field: '--config', detail: `cannot read ${path}: ${(err as Error).message}` });
  }
  const data = parseText(path, text);
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new AgentConfigError({ field: '--config', detail: `${path} must hold a mapping of settings (key: value) at the top` });
  }
  if (!validateTwilld(data)) throw schemaError(validateTwilld.errors ?? [], data);
  const layer = data as ConfigLayer;
  requireNames(layer);
  return layer;
}
