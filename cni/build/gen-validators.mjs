// Compiles each JSON schema into a standalone validator at build time, so no plugin pays
// ajv's ~20 ms compile at start, and each bundle carries only its own schema.
// Output: cni/generated/<name>.js (+ .d.ts) exporting validate<Name>, and validators.d.ts
// with the shared types.
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
  names.push(name);
}
console.log(`validators: ${names.join(', ')}`);
