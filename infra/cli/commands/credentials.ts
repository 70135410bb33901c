import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { CredentialsDocument } from '#adapters/credentials.ts';
import { UsageError } from '../usage-error.ts';

/**
 * `settle credentials set NAME --tenant T`: adds or replaces one connector's static credentials in the
 * tenant's SecureString (read, change one key, write a new version), from a JSON object on stdin — never
 * from the command line, where it would stay in the shell's history and the process list.
 */

const Credential = z.record(z.string(), z.string().min(1), 'a JSON object of string values');

/** Parses `{"apiToken":"…"}` from stdin; a usage error names what is wrong. */
export function parseCredential(name: string, text: string): Record<string, string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new UsageError(
      `credential name '${name}': letters, digits, '.', '_' or '-' (the charter's sources[].secret)`,
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`stdin: the credentials of '${name}' as one JSON object, e.g. {"apiToken":"…"}`);
  }
  const parsed = Credential.safeParse(json);
  if (!parsed.success || Object.keys(parsed.data).length === 0)
    throw new UsageError(
      `stdin: the credentials of '${name}' must be a non-empty JSON object of string values`,
    );
  return parsed.data;
}

/** Stores `value` under `name` in the parameter, keeping the other credentials; returns the new version and the names. */
export async function setCredential(
  ssm: SSMClient,
  parameter: string,
  name: string,
  value: Record<string, string>,
  keyId?: string,
): Promise<{ version: number; names: string[] }> {
  let document: CredentialsDocument = {};
  try {
    const current = await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
    document = CredentialsDocument.parse(JSON.parse(current.Parameter?.Value ?? '{}'));
  } catch (error) {
    if ((error as Error).name !== 'ParameterNotFound') throw error;
  }
  document = { ...document, [name]: value };
  const result = await ssm.send(
    new PutParameterCommand({
      Name: parameter,
      Type: 'SecureString',
      Value: JSON.stringify(document),
      Overwrite: true,
      ...(keyId ? { KeyId: keyId } : {}),
    }),
  );
  return { version: Number(result.Version ?? 0), names: Object.keys(document).sort() };
}
