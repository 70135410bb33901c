import {
  SourceAuthError,
  SourceConfigError,
  SourcePayloadError,
  SourceRateLimitedError,
  SourceUnavailableError,
} from './errors.ts';
import type { RawPayload } from './types.ts';

/**
 * The one HTTP helper all live connectors share: timeouts, retries with exponential backoff and
 * full jitter on 429, 402 (Toggl's quota), 5xx, network errors and timeouts; Retry-After honoured
 * (seconds or HTTP date); 401/403 become SourceAuthError at once; a page cap for endless pagers.
 */
export interface HttpPolicy {
  /** Names the source in errors (binding id or connector). */
  readonly source: string;
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  /** Total attempts per request, first one included. Default 5. */
  readonly maxAttempts?: number;
  /** Backoff base in ms (attempt n waits up to base·2ⁿ⁻¹). Default 500. */
  readonly baseDelayMs?: number;
  /** Backoff ceiling in ms. Default 30 000. */
  readonly maxDelayMs?: number;
  /** Per-attempt timeout in ms. Default 30 000. */
  readonly timeoutMs?: number;
  /**
   * A Retry-After longer than this is not slept through inside a Lambda: the request fails with
   * SourceRateLimitedError (transient) so the state machine retries later. Default 60 000.
   */
  readonly maxRetryAfterMs?: number;
  /** Random source for jitter (tests pin it). Default Math.random. */
  readonly random?: () => number;
  /** Clock for Retry-After HTTP dates. Default Date.now. */
  readonly now?: () => number;
}

export interface HttpRequest {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  /** JSON body (POST). */
  readonly body?: unknown;
}

export interface HttpJsonResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
  readonly bytes: Uint8Array;
}

/** The URL without query or fragment: safe to put in messages and logs. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

/** Parses Retry-After: delta seconds or an HTTP date. Returns ms, or undefined when absent/unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^(attempt-1))). */
export function backoffDelay(attempt: number, policy: HttpPolicy): number {
  const base = policy.baseDelayMs ?? 500;
  const max = policy.maxDelayMs ?? 30_000;
  const ceiling = Math.min(max, base * 2 ** (attempt - 1));
  return Math.floor((policy.random ?? Math.random)() * ceiling);
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 402 || status >= 500;
}

/**
 * Sends one request with retries and returns the parsed JSON body.
 * @throws SourceAuthError on 401/403, SourceRateLimitedError / SourceUnavailableError when retries
 *   are exhausted, SourceConfigError on other 4xx, SourcePayloadError on a body that is not JSON.
 */
export async function requestJson(policy: HttpPolicy, request: HttpRequest): Promise<HttpJsonResponse> {
  const maxAttempts = policy.maxAttempts ?? 5;
  const where = describeUrl(request.url);
  const source = policy.source;
  let lastStatus: number | undefined;
  let lastCause: unknown;
  let lastRetryAfterMs: number | undefined;

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let response: Response;
    try {
      const init: RequestInit = {
        method: request.method ?? 'GET',
        headers: {
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...request.headers,
        },
        signal: AbortSignal.timeout(policy.timeoutMs ?? 30_000),
      };
      if (request.body !== undefined) init.body = JSON.stringify(request.body);
      response = await policy.fetch(request.url, init);
    } catch (error) {
      // Network failure or AbortSignal timeout: transient.
      lastCause = error;
      lastStatus = undefined;
      lastRetryAfterMs = undefined;
      if (attempt < maxAttempts) await policy.sleep(backoffDelay(attempt, policy));
      continue;
    }

    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new SourceAuthError(
        `${source}: the credential was rejected (HTTP ${response.status}) by ${where}; it may have expired or lack permission — renew the secret and re-run`,
        { source, url: where, status: response.status, attempts: attempt },
      );
    }

    if (isRetryableStatus(response.status)) {
      await response.body?.cancel();
      lastStatus = response.status;
      lastCause = undefined;
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), (policy.now ?? Date.now)());
      lastRetryAfterMs = retryAfterMs;
      const isRateLimit = response.status === 429 || response.status === 402;
      if (isRateLimit && retryAfterMs !== undefined && retryAfterMs > (policy.maxRetryAfterMs ?? 60_000)) {
        const error = new SourceRateLimitedError(
          `${source}: rate limited (HTTP ${response.status}) by ${where}; the source asks to wait ${Math.ceil(retryAfterMs / 1000)} s, longer than this step waits — retry later`,
          { source, url: where, status: response.status, attempts: attempt },
        );
        error.retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
        throw error;
      }
      if (attempt < maxAttempts) await policy.sleep(retryAfterMs ?? backoffDelay(attempt, policy));
      continue;
    }

    const bytes = new Uint8Array(await response.arrayBuffer());
    if (response.status >= 400) {
      throw new SourceConfigError(
        `${source}: the request was refused (HTTP ${response.status}) by ${where}; check the binding options (base URL, ids, query)`,
        { source, url: where, status: response.status, attempts: attempt },
      );
    }
    let json: unknown;
    try {
      json = bytes.length === 0 ? null : JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new SourcePayloadError(
        `${source}: ${where} answered HTTP ${response.status} with a body that is not valid JSON (${bytes.length} bytes)`,
        { source, url: where, status: response.status, attempts: attempt, cause: error },
      );
    }
    return { status: response.status, headers: response.headers, json, bytes };
  }

  if (lastStatus === 429 || lastStatus === 402) {
    const error = new SourceRateLimitedError(
      `${source}: still rate limited (HTTP ${lastStatus}) by ${where} after ${maxAttempts} attempts`,
      { source, url: where, status: lastStatus, attempts: maxAttempts },
    );
    error.retryAfterSeconds = lastRetryAfterMs === undefined ? undefined : Math.ceil(lastRetryAfterMs / 1000);
    throw error;
  }
  const reason =
    lastStatus === undefined
      ? `no answer (${lastCause instanceof Error ? lastCause.name : 'network error'})`
      : `HTTP ${lastStatus}`;
  throw new SourceUnavailableError(
    `${source}: ${where} unavailable after ${maxAttempts} attempts: ${reason}`,
    {
      source,
      url: where,
      status: lastStatus,
      attempts: maxAttempts,
      cause: lastCause,
    },
  );
}

/** A page fetched by a live connector, with its raw bytes for the archive. */
export interface FetchedPage {
  readonly json: unknown;
  readonly raw: RawPayload;
}

/**
 * Follows a pager to the end. `first` fetches page 1; `next` returns the request for the following
 * page or undefined when done. Stops with SourcePayloadError after `maxPages` pages or when a cursor
 * repeats (a source that pages forever).
 */
export async function fetchAllPages(
  policy: HttpPolicy,
  first: HttpRequest,
  next: (
    page: unknown,
    index: number,
    request: HttpRequest,
    response: HttpJsonResponse,
  ) => HttpRequest | undefined,
  options: { readonly maxPages?: number; readonly rawPrefix: string },
): Promise<FetchedPage[]> {
  const maxPages = options.maxPages ?? 500;
  const pages: FetchedPage[] = [];
  const seen = new Set<string>();
  let request: HttpRequest | undefined = first;
  while (request !== undefined) {
    const cursor = `${request.url} ${JSON.stringify(request.body ?? null)}`;
    if (seen.has(cursor)) {
      throw new SourcePayloadError(
        `${policy.source}: the pager returned the same next page twice (${describeUrl(request.url)}, page ${pages.length + 1}); stopping instead of looping forever`,
        { source: policy.source, url: describeUrl(request.url) },
      );
    }
    if (pages.length >= maxPages) {
      throw new SourcePayloadError(
        `${policy.source}: more than ${maxPages} pages from ${describeUrl(request.url)}; the source seems to page forever (raise options.maxPages if the data really is that large)`,
        { source: policy.source, url: describeUrl(request.url) },
      );
    }
    seen.add(cursor);
    const response = await requestJson(policy, request);
    const index = pages.length;
    pages.push({
      json: response.json,
      raw: {
        name: `${options.rawPrefix}/page-${String(index + 1).padStart(4, '0')}.json`,
        contentType: 'application/json',
        body: response.bytes,
      },
    });
    request = next(response.json, index, request, response);
  }
  return pages;
}

/** Resolves a URL relative to a base (next links are sometimes relative). */
export function resolveUrl(link: string, base: string): string {
  return new URL(link, base).toString();
}

/** Joins a base URL and a path, keeping any path prefix of the base. */
export function joinUrl(
  base: string,
  path: string,
  query?: Record<string, string | number | undefined>,
): string {
  const url = new URL(base.replace(/\/+$/, '') + path);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
