// Compiles the JSON schemas into standalone validators at build time, so no plugin pays
// ajv's ~20 ms compile at start. Output: cni/generated/validators.js (+ .d.ts).
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'schemas');
const outDir = join(root, 'generated');
const exportName = (file) => 'validate' + file.replace('.schema.json', '').replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase());

const schemas = readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json')).sort();
const ajv = new Ajv({ allErrors: true, strict: true, code: { source: true, esm: false } });
const mapping = {};
for (const file of schemas) {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), 'utf8'));
  ajv.addSchema(schema);
  mapping[exportName(file)] = schema.$id;
}
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'validators.js'), standaloneCode(ajv, mapping));
const types = Object.keys(mapping)
  .map((name) => `export declare const ${name}: Validator;`)
  .join('\n');
writeFileSync(
  join(outDir, 'validators.d.ts'),
  `export interface ValidationError { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }\n` +
    `export interface Validator { (data: unknown): boolean; errors?: ValidationError[] | null }\n${types}\n`,
);
console.log(`validators: ${Object.keys(mapping).join(', ')}`);
