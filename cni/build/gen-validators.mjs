// Compiles each JSON schema into a standalone validator at build time, so no plugin pays
// ajv's ~20 ms compile at start, and each bundle carries only its own schema.
// Output: cni/generated/<name>.js (+ .d.ts) exporting validate<Name>, and validators.d.ts
// with the shared types. Beside each, <name>-keys.js exports <name>Keys: the key names the
// schema declares, nested as in the schema, which cni/core/keys.ts folds runtime keys onto
// (Go's case-insensitive decoding), so the schema is the one list of the names we read.
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'schemas');
const outDir = join(root, 'generated');
const baseName = (file) => file.replace('.schema.json', '');
const exportName = (file) => 'validate' + baseName(file).replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase());

/** Two shapes as one: a value that may be either (anyOf) has the keys and items of both. */
function mergeShapes(a, b) {
  const shape = {};
  if (a.keys || b.keys) {
    shape.keys = { ...a.keys };
    for (const [k, s] of Object.entries(b.keys ?? {})) shape.keys[k] = shape.keys[k] ? mergeShapes(shape.keys[k], s) : s;
  }
  if (a.items || b.items) shape.items = a.items && b.items ? mergeShapes(a.items, b.items) : (a.items ?? b.items);
  return shape;
}

/** The schema's property names, nested through properties, items, anyOf and local $refs. */
function keyShape(schema, root) {
  if (schema.$ref) return keyShape(schema.$ref.slice(2).split('/').reduce((node, part) => node[part], root), root);
  let shape = {};
  if (schema.properties) shape.keys = Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, keyShape(s, root)]));
  if (schema.items) shape.items = keyShape(schema.items, root);
  for (const alternative of schema.anyOf ?? []) shape = mergeShapes(shape, keyShape(alternative, root));
  return shape;
}

mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'validators.d.ts'),
  'export interface ValidationError { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }\n' +
    'export interface Validator { (data: unknown): boolean; errors?: ValidationError[] | null }\n',
);
const names = [];
for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json')).sort()) {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: true, code: { source: true, esm: false } });
  ajv.addSchema(schema);
  const name = exportName(file);
  writeFileSync(join(outDir, `${baseName(file)}.js`), standaloneCode(ajv, { [name]: schema.$id }));
  writeFileSync(join(outDir, `${baseName(file)}.d.ts`), `import type { Validator } from './validators';\nexport declare const ${name}: Validator;\n`);
  const keysName = `${baseName(file).replace(/-(\w)/g, (_, c) => c.toUpperCase())}Keys`;
  writeFileSync(join(outDir, `${baseName(file)}-keys.js`), `"use strict";\nexports.${keysName} = ${JSON.stringify(keyShape(schema, schema))};\n`);
  writeFileSync(join(outDir, `${baseName(file)}-keys.d.ts`), `import type { KeyShape } from '../core/keys';\nexport declare const ${keysName}: KeyShape;\n`);
  names.push(name);
}
console.log(`validators: ${names.join(', ')}`);
