import { describe, expect, it } from 'vitest';
import { ClientThrottle, clientTag } from '#approval/throttle.ts';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 2, 9, 0, seconds));

describe('ClientThrottle', () => {
  it('asks a client to wait only after its own limit, for the rest of its window', () => {
    const throttle = new ClientThrottle(3, 60_000);
    for (let i = 0; i < 3; i += 1) {
      expect(throttle.retryAfterSeconds('a', at(i))).toBeUndefined();
      throttle.recordWrongSecret('a', at(i));
    }
    expect(throttle.retryAfterSeconds('a', at(10))).toBe(50);
    expect(throttle.retryAfterSeconds('b', at(10))).toBeUndefined();
    expect(throttle.retryAfterSeconds('a', at(60))).toBeUndefined();
  });

  it('forgets the oldest client first when it holds too many', () => {
    const throttle = new ClientThrottle(1, 60_000, 2);
    throttle.recordWrongSecret('a', at(0));
    throttle.recordWrongSecret('b', at(1));
    throttle.recordWrongSecret('c', at(2));
    expect(throttle.retryAfterSeconds('a', at(3))).toBeUndefined();
    expect(throttle.retryAfterSeconds('b', at(3))).toBe(58);
    expect(throttle.retryAfterSeconds('c', at(3))).toBe(59);
  });

  it('tags a client by a short hash, not its address', () => {
    expect(clientTag('198.51.100.66')).toMatch(/^[0-9a-f]{12}$/);
    expect(clientTag('198.51.100.66')).not.toContain('198');
  });
});
