import { Charter, type CharterInput } from '#domain/charter.ts';
import type { CostRecord, EvidenceRecord, TaskRecord, TimeRecord } from '#domain/records.ts';

/** A small valid charter; tests override what they exercise. */
export function charterWith(overrides: Partial<CharterInput> = {}): Charter {
  return Charter.parse({
    schemaVersion: 1,
    projectId: 'p1',
    projectRef: 'p1',
    name: 'Test project',
    settlement: { mode: 'periodic' },
    counterparty: { type: 'client', name: 'Client' },
    basis: 'contract',
    contract: { type: 'time-and-materials' },
    currency: 'EUR',
    approvers: [{ role: 'pm', email: 'pm@example.com', name: 'PM' }],
    ...overrides,
  });
}

let seq = 0;

export function time(
  person: string,
  start: string,
  seconds: number,
  extra: Partial<TimeRecord> = {},
): TimeRecord {
  seq += 1;
  return {
    kind: 'time',
    source: 'toggl',
    sourceId: `t${seq}`,
    projectRef: 'p1',
    person,
    start,
    seconds,
    billable: true,
    billableSeconds: seconds,
    ...extra,
  };
}

export function cost(
  category: CostRecord['category'],
  amount: string,
  date: string,
  extra: Partial<CostRecord> = {},
): CostRecord {
  seq += 1;
  return {
    kind: 'cost',
    source: 'quickbooks',
    sourceId: `c${seq}`,
    projectRef: 'p1',
    category,
    amount,
    currency: 'EUR',
    date,
    vendor: 'Vendor',
    ...extra,
  };
}

export function evidence(
  type: EvidenceRecord['type'],
  milestone: string,
  date: string,
  reference: string,
  extra: Partial<EvidenceRecord> = {},
): EvidenceRecord {
  seq += 1;
  return {
    kind: 'evidence',
    source: 'csv',
    sourceId: `e${seq}`,
    projectRef: 'p1',
    type,
    milestone,
    date,
    reference,
    ...extra,
  };
}

export function task(
  key: string,
  points: number,
  done: boolean,
  extra: Partial<TaskRecord> = {},
): TaskRecord {
  return {
    kind: 'task',
    source: 'jira',
    sourceId: key,
    projectRef: 'p1',
    key,
    status: done ? 'Done' : 'Open',
    done,
    points,
    ...extra,
  };
}
