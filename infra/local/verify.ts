import { type ArchiveVerification, verifyArchive } from '#archive/archive.ts';
import { recordedHead, tenantBlobStore } from '#archive/settlement-archive.ts';

/** Verifies the tenant's archive in the running local runtime against the recorded chain head. */
export async function verifyLocalArchive(tenantId: string): Promise<ArchiveVerification> {
  return verifyArchive(tenantBlobStore(), tenantId, { head: await recordedHead() });
}
