import { describe, expect, it } from 'vitest';
import { type Charter, Charter as CharterSchema } from '#domain/charter.ts';
import { recipientGroupsOf } from '#domain/recipients.ts';

const base = {
  schemaVersion: 1,
  projectId: 'p',
  projectRef: 'p',
  name: 'P',
  settlement: { mode: 'periodic' },
  counterparty: { type: 'client', name: 'C' },
  basis: 'contract',
  contract: { type: 'time-and-materials' },
  currency: 'EUR',
  approvers: [{ role: 'pm', email: 'pm@a.example', name: 'PM' }],
};
const charter = (extra: object): Charter => CharterSchema.parse({ ...base, ...extra });

describe('recipientGroupsOf', () => {
  it('makes one group per audience and language, internal first', () => {
    const groups = recipientGroupsOf(
      charter({
        businessUnitHeads: ['bu@a.example'],
        distribution: ['ap@c.example'],
        recipients: [
          { email: 'cfo@c.example', audience: 'client' },
          { email: 'li@a.example', audience: 'internal', locale: 'zh-CN' },
        ],
      }),
      'en',
    );
    expect(groups).toEqual([
      { audience: 'internal', locale: 'en', to: ['bu@a.example'] },
      { audience: 'internal', locale: 'zh-CN', to: ['li@a.example'] },
      { audience: 'client', locale: 'en', to: ['cfo@c.example', 'ap@c.example'] },
    ]);
  });

  it('uses the charter language over the tenant language', () => {
    expect(recipientGroupsOf(charter({ locale: 'zh-CN', distribution: ['ap@c.example'] }), 'en')).toEqual([
      { audience: 'client', locale: 'zh-CN', to: ['ap@c.example'] },
    ]);
  });
});
