/**
 * The single-table layout of a tenant's DynamoDB table (one table per tenant, so no tenant prefix).
 * Every access is by key (GetItem / Query on `pk` with an `sk` prefix); nothing Scans on a hot path.
 *
 * | item                | pk                          | sk                               |
 * |---------------------|-----------------------------|----------------------------------|
 * | charter (versioned) | `PROJECT#<projectId>`       | `CHARTER#<version, 6 digits>`    |
 * | settlement          | `PROJECT#<projectId>`       | `SETTLEMENT#<period>#R<rev 3 digits>` |
 * | period lock         | `PROJECT#<projectId>`       | `LOCK#<period>`                  |
 * | late-edit ledger    | `PROJECT#<projectId>`       | `LOCK#<period>#LATE-EDITS`       |
 * | record              | `RECORDS#<projectId>`       | `<source>#<sourceId>`            |
 * | record change log   | `RECCHANGE#<projectId>`     | `<source>#<sourceId>#<iso time>` |
 * | quarantined record  | `QUARANTINE#<settlementId>` | `<bindingId>#<position>`         |
 * | approval request    | `APPROVAL#<requestId>`      | `REQUEST`                        |
 * | approval step       | `APPROVALSTEP#<settlementId>` | `STEP#<step 3 digits>`         |
 * | approval event      | `APPROVALLOG#<settlementId>`| `<iso time>#<seq>`               |
 * | delegation          | `DELEGATION#<email>`        | `<validFrom>#<id>`               |
 * | statement counter   | `COUNTER#STATEMENT`         | `<year>`                         |
 * | statement number    | `NUMBER#<year>`             | `<settlementId>`                 |
 * | archive chain head  | `ARCHIVE#HEAD`              | `HEAD`                           |
 * | project index       | `PROJECTS`                  | `<projectId>`                    |
 * | delivery            | `DELIVERY#<settlementId>`   | `<audience>-<locale>`            |
 * | slots (semaphore)   | `SLOTS#<SETTLEMENTS\|ARCHIVE>` | `SLOTS`                        |
 */
export const keys = {
  /** A semaphore of the tenant: one attribute per holding execution, and the count in use. */
  slots: (name: 'SETTLEMENTS' | 'ARCHIVE') => ({ pk: `SLOTS#${name}`, sk: 'SLOTS' }),
  charter: (projectId: string, version: number) => ({
    pk: `PROJECT#${projectId}`,
    sk: `CHARTER#${String(version).padStart(6, '0')}`,
  }),
  charterPrefix: 'CHARTER#',
  settlement: (projectId: string, period: string, revision: number) => ({
    pk: `PROJECT#${projectId}`,
    sk: `SETTLEMENT#${period}#R${String(revision).padStart(3, '0')}`,
  }),
  settlementPrefix: (period: string) => `SETTLEMENT#${period}#R`,
  periodLock: (projectId: string, period: string) => ({ pk: `PROJECT#${projectId}`, sk: `LOCK#${period}` }),
  /** Next to the period's lock, so one Query (`LOCK#`) reads a project's locks and late-edit ledger. */
  lateEdit: (projectId: string, period: string) => ({
    pk: `PROJECT#${projectId}`,
    sk: `LOCK#${period}#LATE-EDITS`,
  }),
  record: (projectId: string, source: string, sourceId: string) => ({
    pk: `RECORDS#${projectId}`,
    sk: `${source}#${sourceId}`,
  }),
  recordsPk: (projectId: string) => `RECORDS#${projectId}`,
  recordChange: (projectId: string, source: string, sourceId: string, at: string) => ({
    pk: `RECCHANGE#${projectId}`,
    sk: `${source}#${sourceId}#${at}`,
  }),
  quarantine: (settlementId: string, bindingId: string, position: string) => ({
    pk: `QUARANTINE#${settlementId}`,
    sk: `${bindingId}#${position}`,
  }),
  quarantinePk: (settlementId: string) => `QUARANTINE#${settlementId}`,
  approvalRequest: (requestId: string) => ({ pk: `APPROVAL#${requestId}`, sk: 'REQUEST' }),
  /** Which request a settlement's approver step uses (the wait rounds of one step share it). */
  approvalStep: (settlementId: string, step: number) => ({
    pk: `APPROVALSTEP#${settlementId}`,
    sk: `STEP#${String(step).padStart(3, '0')}`,
  }),
  approvalEvent: (settlementId: string, at: string, seq: number) => ({
    pk: `APPROVALLOG#${settlementId}`,
    sk: `${at}#${String(seq).padStart(4, '0')}`,
  }),
  approvalLogPk: (settlementId: string) => `APPROVALLOG#${settlementId}`,
  delegation: (email: string, validFrom: string, id: string) => ({
    pk: `DELEGATION#${email.toLowerCase()}`,
    sk: `${validFrom}#${id}`,
  }),
  delegationPk: (email: string) => `DELEGATION#${email.toLowerCase()}`,
  statementCounter: (year: number) => ({ pk: 'COUNTER#STATEMENT', sk: String(year) }),
  archiveHead: () => ({ pk: 'ARCHIVE#HEAD', sk: 'HEAD' }),
  project: (projectId: string) => ({ pk: 'PROJECTS', sk: projectId }),
  delivery: (settlementId: string, group: string) => ({ pk: `DELIVERY#${settlementId}`, sk: group }),
} as const;
