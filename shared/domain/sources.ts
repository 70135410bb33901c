import { z } from 'zod';
import { SourceName } from './records.ts';

/**
 * A data-source binding in a charter: which connector, live or file mode, and its options.
 * File mode reads `path` from the tenant's inbox (S3 `inbox/<projectId>/<path>`; the local runtime
 * uploads files there with `settle import`). Live mode calls the vendor API with the credentials in
 * `secret` (Secrets Manager in the cloud, environment / `.env` locally).
 */
export const DataSourceBinding = z.object({
  /** Unique within the charter; names the source in quarantine counts and raw archives. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  connector: SourceName,
  mode: z.enum(['live', 'file']),
  /** File mode: path under the project's inbox. */
  path: z.string().min(1).optional(),
  /** Live mode: the secret name holding the credentials (never the credentials themselves). */
  secret: z.string().min(1).optional(),
  /** Connector-specific options (time zone of a CSV export, tag key, column mapping, points field…). */
  options: z.record(z.string(), z.unknown()).default({}),
});
export type DataSourceBinding = z.infer<typeof DataSourceBinding>;
