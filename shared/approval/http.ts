import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApprovalError } from './errors.ts';
import { type Messages, messages, pickLocale } from './i18n.ts';
import type { Locale } from './model.ts';
import { renderMessagePage, STYLE_HASH, withCjkFont } from './page.ts';

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;
type Middleware = MiddlewareObj<Event, Result>;

/** A client error (< 500): its page names what is wrong and says that nothing changed. */
export class HttpError extends ApprovalError {
  override name = 'HttpError';
  readonly status: number;
  readonly messageKey: keyof Messages;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, messageKey: keyof Messages, headers: Record<string, string> = {}) {
    super(`HTTP ${status} ${messageKey}`);
    this.status = status;
    this.messageKey = messageKey;
    this.headers = headers;
  }
}

/** The page language of a request: `?lang=` (or a form's `lang`) first, then Accept-Language. */
export function localeOf(event: Event): Locale {
  return pickLocale(event.queryStringParameters?.lang, header(event, 'accept-language'));
}

/** A header, case-insensitively (API Gateway lower-cases them; other callers may not). */
export function header(event: Event, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** The id this request is logged under and shown to the user on a server error. */
export function correlationIdOf(event: Event): string {
  return event.requestContext?.requestId || randomUUID();
}

/**
 * The approval pages' CSP. A page with an embedded CJK font (page.ts withCjkFont) adds its style
 * sheet's hash and allows `data:` fonts; every other page keeps the one static sheet and no fonts.
 */
export function contentSecurityPolicy(extraStyleHashes: readonly string[] = []): string {
  const fonts = extraStyleHashes.length > 0 ? ' font-src data:;' : '';
  return `default-src 'none'; style-src ${[STYLE_HASH, ...extraStyleHashes].join(' ')};${fonts} img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;
}

/**
 * The headers of every approval response. The URL carries the link secret, so no referrer ever
 * leaves the page and nothing is cached; no script runs, no frame embeds the page.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy(),
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'X-Robots-Tag': 'noindex, nofollow',
};

/** Adds SECURITY_HEADERS to every response, error pages included (attach it first). */
export function securityHeaders(): Middleware {
  const apply = (request: { response: Result | null }) => {
    if (!request.response) return;
    // A page that embeds a font sets its own CSP (contentSecurityPolicy with that sheet's hash).
    const own = request.response.headers?.['Content-Security-Policy'];
    request.response = {
      ...request.response,
      headers: {
        ...request.response.headers,
        ...SECURITY_HEADERS,
        ...(typeof own === 'string' ? { 'Content-Security-Policy': own } : {}),
      },
    };
  };
  return { name: 'securityHeaders', after: apply, onError: apply };
}

/** Refuses bodies larger than `maxBytes` (a decision form is a few hundred bytes). */
export function bodyLimit(maxBytes: number): Middleware {
  return {
    name: 'bodyLimit',
    before: (request) => {
      const body = request.event.body;
      if (!body) return;
      const size = request.event.isBase64Encoded
        ? Math.floor((body.length * 3) / 4)
        : Buffer.byteLength(body);
      if (size > maxBytes) throw new HttpError(413, 'tooLarge');
    },
  };
}

/**
 * An HTML response. A page with Chinese text carries its embedded font (page.ts withCjkFont) and
 * the CSP that allows that style sheet; SECURITY_HEADERS add the rest.
 */
export async function htmlResponse(
  status: number,
  locale: Locale,
  body: string,
  headers: Record<string, string> = {},
): Promise<Result> {
  const page = await withCjkFont(body);
  return {
    statusCode: status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Language': locale,
      ...(page.styleHashes.length > 0
        ? { 'Content-Security-Policy': contentSecurityPolicy(page.styleHashes) }
        : {}),
      ...headers,
    },
    body: page.html,
  };
}

/**
 * Maps errors to pages: an HttpError shows its own message with its status; anything else is
 * logged in full and shown as a generic page with the correlation id. Nothing from the request
 * (the secret is in it) is logged.
 */
export function errorPages(logger: Logger): Middleware {
  return {
    name: 'errorPages',
    onError: async (request) => {
      const error = request.error;
      const locale = localeOf(request.event);
      if (error instanceof HttpError && error.status < 500) {
        request.response = await htmlResponse(
          error.status,
          locale,
          renderMessagePage(locale, messages(locale)[error.messageKey]),
          error.headers as Record<string, string>,
        );
        return;
      }
      const reference = correlationIdOf(request.event);
      logger.error('approval page failed', { correlationId: reference, error });
      request.response = await htmlResponse(
        500,
        locale,
        renderMessagePage(locale, messages(locale).serverError, reference),
      );
    },
  };
}
