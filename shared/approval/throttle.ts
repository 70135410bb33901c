import { createHash } from 'node:crypto';

/**
 * Per-client slowing of wrong approval secrets. A link secret has 256 random bits, so guessing is
 * hopeless and nothing is ever locked: the right secret always opens its link, whoever else tried
 * before. The throttle only keeps one client from hammering the store; it answers that client —
 * and no one else — with 429 and `Retry-After`.
 *
 * The counts live in the memory of one function instance (bounded, oldest client forgotten
 * first): it slows a single client down without a store write per guess. Limits across instances
 * are the HTTP API's stage throttling; every wrong secret is counted on the request and in the
 * `ApprovalWrongSecret` metric, which is alarmed.
 */

/** The metric every wrong secret adds one to (namespace from POWERTOOLS_METRICS_NAMESPACE). */
export const WRONG_SECRET_METRIC = 'ApprovalWrongSecret';

/** Wrong secrets one client may try per window before it is asked to wait. */
export const CLIENT_WRONG_SECRET_LIMIT = 20;
export const CLIENT_WINDOW_MS = 60_000;
const MAX_CLIENTS = 10_000;

interface Window {
  readonly startedAt: number;
  count: number;
}

export class ClientThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxClients: number;

  constructor(limit = CLIENT_WRONG_SECRET_LIMIT, windowMs = CLIENT_WINDOW_MS, maxClients = MAX_CLIENTS) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.maxClients = maxClients;
  }

  private current(client: string, now: Date): Window | undefined {
    const window = this.windows.get(client);
    if (window && now.getTime() - window.startedAt >= this.windowMs) {
      this.windows.delete(client);
      return undefined;
    }
    return window;
  }

  /** Seconds `client` must still wait, or undefined when it may try (it is under the limit). */
  retryAfterSeconds(client: string, now: Date): number | undefined {
    const window = this.current(client, now);
    if (!window || window.count < this.limit) return undefined;
    return Math.max(1, Math.ceil((window.startedAt + this.windowMs - now.getTime()) / 1000));
  }

  /** Counts one wrong secret by `client`. */
  recordWrongSecret(client: string, now: Date): void {
    const window = this.current(client, now);
    if (window) {
      window.count += 1;
      return;
    }
    if (this.windows.size >= this.maxClients) {
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
    this.windows.set(client, { startedAt: now.getTime(), count: 1 });
  }
}

/** A client's address as logged: a short hash, so logs correlate attempts without keeping the IP. */
export function clientTag(client: string): string {
  return createHash('sha256').update(client, 'utf8').digest('hex').slice(0, 12);
}
