import { describe, expect, it } from 'vitest';
import { loadTenants, parseTenants, TenantsFileError } from '../../../infra/cdk/tenants.ts';
import { TENANTS_FILE } from './synth.ts';

const valid = {
  id: 'initech',
  name: 'Initech',
  region: 'eu-west-1',
  timeZone: 'Europe/Dublin',
  nightlyTime: '03:05',
  currency: 'EUR',
  retentionYears: 6,
  mailFrom: 'billing@initech.example',
  approvals: { timeoutDays: 4, reminderAfterHours: 24 },
  secrets: ['toggl'],
};

describe('the tenants file', () => {
  it('ships three valid tenants in different time zones, one of them in Chinese', () => {
    const tenants = loadTenants(TENANTS_FILE);
    expect(tenants.map((t) => t.id)).toEqual(['acme', 'globex', 'huajian']);
    expect(tenants.map((t) => t.timeZone)).toEqual(['Europe/Berlin', 'America/New_York', 'Asia/Shanghai']);
    expect(tenants.map((t) => t.locale)).toEqual(['en', 'en', 'zh-CN']);
  });

  it('accepts a complete tenant and defaults its secrets to none', () => {
    const { secrets: _omitted, ...withoutSecrets } = valid;
    expect(parseTenants({ tenants: [withoutSecrets] })[0]?.secrets).toEqual([]);
  });

  it.each([
    ['a time zone Intl does not know', { timeZone: 'Europe/Atlantis' }, /timeZone/],
    ['a nightly time that is not HH:MM', { nightlyTime: '24:00' }, /nightlyTime/],
    ['an upper-case tenant id', { id: 'Initech' }, /id/],
    ['a currency that is not ISO 4217 shaped', { currency: 'euro' }, /currency/],
    ['zero retention years', { retentionYears: 0 }, /retentionYears/],
    ['a secret name with a slash', { secrets: ['a/b'] }, /secrets/],
    ['an account id that is not 12 digits', { account: '1234' }, /account/],
  ])('rejects %s', (_label, change, message) => {
    expect(() => parseTenants({ tenants: [{ ...valid, ...change }] })).toThrow(message);
  });

  it('rejects two tenants with the same id', () => {
    expect(() => parseTenants({ tenants: [valid, valid] })).toThrow(/duplicate tenant id initech/);
  });

  it('names the file in the error', () => {
    expect(() => parseTenants({ tenants: [] }, 'x.json')).toThrow(TenantsFileError);
    expect(() => parseTenants({ tenants: [] }, 'x.json')).toThrow(/x\.json is invalid/);
  });
});
