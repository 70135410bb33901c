import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { validateCharter } from '#domain/charter.ts';

const USAGE = 'usage: settle charter validate FILE';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * `settle charter validate FILE`: checks a charter against the schema and prints every problem
 * with its JSON path (`$.milestones[1].plannedEnd: plannedEnd is before plannedStart`).
 * Exit 0 valid; 1 invalid (or not JSON); 2 usage error or unreadable file.
 */
export async function runCharterValidate(argv: string[], io: Io): Promise<number> {
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} }));
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (positionals[0] === 'validate') positionals = positionals.slice(1);
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) {
    io.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    io.stderr.write(
      `settle charter validate: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})\n`,
    );
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    io.stdout.write(
      `${file}: invalid\n  $: not JSON (${error instanceof Error ? error.message : String(error)})\n`,
    );
    return 1;
  }
  const result = validateCharter(json);
  if (result.ok) {
    io.stdout.write(
      `${file}: valid (project ${result.charter.projectId}, ${result.charter.contract.type}, ${result.charter.currency})\n`,
    );
    return 0;
  }
  io.stdout.write(
    `${file}: invalid, ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}\n`,
  );
  for (const p of result.problems) io.stdout.write(`  ${p.path}: ${p.message}\n`);
  return 1;
}

/** `settle charter schema`: the charter's JSON Schema on stdout. */
export async function runCharterSchema(io: Pick<Io, 'stdout'>): Promise<number> {
  const { charterJsonSchema } = await import('#domain/charter-schema.ts');
  io.stdout.write(`${JSON.stringify(charterJsonSchema(), null, 2)}\n`);
  return 0;
}

/** `settle charter reference`: the Markdown reference of docs/charter-reference.md on stdout. */
export async function runCharterReference(io: Pick<Io, 'stdout'>): Promise<number> {
  const { charterJsonSchema } = await import('#domain/charter-schema.ts');
  io.stdout.write(renderCharterReference(charterJsonSchema()));
  return 0;
}

type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
};

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(' | ');
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) {
    const tags = variants.map(
      (v) => Object.values(v.properties ?? {}).find((p) => p.const !== undefined)?.const,
    );
    if (tags.every((t) => t !== undefined))
      return `object, one of ${tags.map((t) => `\`${String(t)}\``).join(', ')}`;
    return variants.map(typeOf).join(' or ');
  }
  if (schema.type === 'array') return `array of ${schema.items ? typeOf(schema.items) : 'any'}`;
  if (schema.type === 'object' && !schema.properties) return 'object (free keys)';
  if (Array.isArray(schema.type)) return schema.type.join(' or ');
  if (schema.format) return `${schema.type ?? 'string'} (${schema.format})`;
  return schema.type ?? 'any';
}

function constraints(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.pattern && !schema.format) parts.push(`pattern \`${schema.pattern}\``);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined && schema.minLength > 1)
    parts.push(`at least ${schema.minLength} characters`);
  if (schema.minItems !== undefined) parts.push(`at least ${schema.minItems}`);
  if (schema.default !== undefined) parts.push(`default \`${JSON.stringify(schema.default)}\``);
  return parts.join('; ');
}

/** One table row per field, depth first: `sources[].options`, `contract (retainer).monthlyFee`. */
function rows(schema: JsonSchema, prefix: string, out: string[]): void {
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants?.every((v) => v.type === 'object' && v.properties)) {
    for (const variant of variants) {
      const tag = Object.values(variant.properties ?? {}).find((p) => p.const !== undefined)?.const;
      rows(variant, tag === undefined ? prefix : `${prefix} (${String(tag)})`, out);
    }
    return;
  }
  const required = new Set(schema.required ?? []);
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    out.push(
      `| \`${cell(path)}\` | ${cell(typeOf(field))} | ${required.has(name) ? 'yes' : ''} | ${cell(
        [field.description, constraints(field)].filter(Boolean).join(' — '),
      )} |`,
    );
    if (field.type === 'object' && field.properties) rows(field, path, out);
    const nested = field.oneOf ?? field.anyOf;
    if (nested?.some((v) => v.properties)) rows(field, path, out);
    if (
      field.type === 'array' &&
      field.items &&
      (field.items.properties || field.items.oneOf || field.items.anyOf)
    ) {
      rows(field.items, `${path}[]`, out);
    }
  }
}

/** The charter reference in Markdown, generated from the JSON Schema (pure: same schema, same text). */
export function renderCharterReference(schema: Record<string, unknown>): string {
  const table: string[] = [];
  rows(schema as JsonSchema, '', table);
  return `# Charter reference

<!-- Generated by \`npm run docs:charter\` (settle charter reference) from the charter schema. Do not edit: a test compares it with the schema. -->

A charter is one JSON file per project: the settlement terms fixed when the project starts. Check one
with \`npx settle charter validate FILE\` (every problem with its path); \`npx settle charter schema\`
prints the JSON Schema for editors. Objects are strict: a misspelt key is an error, not ignored.
Amounts are decimal strings (\`"1234.50"\`) in the charter's \`currency\` unless the object carries its own;
dates are \`YYYY-MM-DD\`. Examples: \`demo/acme/charter.json\` and \`demo/charters/*.json\`.

| field | type | required | description |
|---|---|---|---|
${table.join('\n')}
`;
}
