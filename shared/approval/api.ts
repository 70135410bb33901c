import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { approvalDeps } from './deps.ts';
import {
  bodyLimit,
  correlationIdOf,
  errorPages,
  HttpError,
  header,
  htmlResponse,
  localeOf,
  securityHeaders,
} from './http.ts';
import { type Messages, messages, pickLocale } from './i18n.ts';
import type { LinkProblem } from './links.ts';
import type { Locale } from './model.ts';
import { renderApprovalPage, renderCodePage, renderMessagePage } from './page.ts';
import { type ApprovalDeps, decideApproval, openApproval, type RefusedLink } from './service.ts';

/**
 * The approval page, behind an HTTP API (API Gateway v2 events) in the cloud and behind the local
 * runtime's HTTP server locally — the same handler.
 *
 * - `GET /approvals/{id}?s=<secret>` shows the settlement summary and the form; it decides nothing
 *   (mail scanners and link previews open links).
 * - `POST /approvals/{id}` (form: s, decision=approve|reject, comment, lang) decides, once. Above the
 *   tenant's code threshold an approval first answers with the code page (a code is emailed); the
 *   form posted again with `codeAction=confirm` and the `code` decides (one-time-code.ts).
 *
 * The secret is never logged: the event is not logged, and log lines carry the request id only.
 */
type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

const MAX_BODY_BYTES = 8 * 1024;
const PATH = /\/approvals\/([^/?#]+)\/?$/;

const DecisionForm = z.object({
  s: z.string().max(200).default(''),
  decision: z.enum(['approve', 'reject']),
  comment: z
    .string()
    .max(2000)
    .optional()
    .transform((c) => c?.replace(/\r\n/g, '\n').trim() || undefined),
  lang: z.string().max(16).optional(),
  /** The one-time code step (approvals above the tenant's threshold): the typed code and the button. */
  code: z.string().max(20).optional(),
  codeAction: z.enum(['send', 'confirm']).optional(),
});

const PROBLEMS: Readonly<Record<LinkProblem, { status: number; message: keyof Messages }>> = {
  unknown: { status: 404, message: 'unknown' },
  forbidden: { status: 403, message: 'forbidden' },
  malformed: { status: 403, message: 'forbidden' },
  throttled: { status: 429, message: 'throttled' },
  used: { status: 410, message: 'usedLink' },
  expired: { status: 410, message: 'expired' },
  superseded: { status: 410, message: 'superseded' },
  'code-locked': { status: 403, message: 'codeLocked' },
};

function page(status: number, locale: Locale, body: string): Promise<Result> {
  return htmlResponse(status, locale, body);
}

async function problemPage(refused: RefusedLink, locale: Locale): Promise<Result> {
  const { status, message } = PROBLEMS[refused.problem];
  const result = await page(status, locale, renderMessagePage(locale, messages(locale)[message]));
  if (refused.retryAfterSeconds === undefined) return result;
  return { ...result, headers: { ...result.headers, 'Retry-After': String(refused.retryAfterSeconds) } };
}

/** The caller's address: API Gateway's source IP (the local server sets the socket's). */
function clientOf(event: Event): string {
  return event.requestContext?.http?.sourceIp ?? 'unknown';
}

function requestIdOf(event: Event): string {
  const fromPath = event.pathParameters?.id ?? PATH.exec(event.rawPath ?? '')?.[1];
  if (!fromPath) throw new HttpError(404, 'notFound');
  try {
    return decodeURIComponent(fromPath);
  } catch {
    throw new HttpError(404, 'unknown');
  }
}

function formOf(event: Event): z.infer<typeof DecisionForm> {
  const type = header(event, 'content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded'))
    throw new HttpError(415, 'badRequest');
  const raw = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : (event.body ?? '');
  const params = new URLSearchParams(raw);
  const parsed = DecisionForm.safeParse(Object.fromEntries(params));
  if (!parsed.success) throw new HttpError(400, 'badRequest');
  return parsed.data;
}

async function show(deps: ApprovalDeps, event: Event, requestId: string, head: boolean): Promise<Result> {
  const locale = localeOf(event);
  const secret = event.queryStringParameters?.s ?? '';
  const opened = await openApproval(deps, requestId, secret, { record: !head, client: clientOf(event) });
  if (!opened.ok) return problemPage(opened, locale);
  const html = renderApprovalPage({ locale, ...opened, secret });
  return page(200, locale, head ? '' : html);
}

async function decide(deps: ApprovalDeps, event: Event, requestId: string): Promise<Result> {
  const form = formOf(event);
  const locale = pickLocale(form.lang, header(event, 'accept-language'));
  const decision = form.decision === 'approve' ? 'approved' : 'rejected';
  if (decision === 'rejected' && !form.comment) {
    // Re-show the form (nothing is decided) with the reason it was refused.
    const opened = await openApproval(deps, requestId, form.s, { record: false, client: clientOf(event) });
    if (!opened.ok) return problemPage(opened, locale);
    return page(
      400,
      locale,
      renderApprovalPage({ locale, ...opened, secret: form.s, problem: messages(locale).commentRequired }),
    );
  }
  const result = await decideApproval(deps, requestId, form.s, decision, form.comment, {
    client: clientOf(event),
    code: { action: form.codeAction ?? 'send', typed: form.code ?? '', locale },
  });
  if (!result.ok && result.problem === 'code') {
    // The code step: 200 when a code was just sent, 400 when the typed one did not do.
    const status = result.prompt.reason === 'sent' ? 200 : 400;
    return page(
      status,
      locale,
      renderCodePage({ ...result.prompt, locale, secret: form.s, comment: form.comment }),
    );
  }
  if (!result.ok) return problemPage(result, locale);
  const m = messages(locale);
  return page(
    200,
    locale,
    renderMessagePage(locale, decision === 'approved' ? m.approvedDone : m.rejectedDone),
  );
}

/**
 * The approval page's HTTP handler (API Gateway v2 events): security headers, a body limit and
 * error pages around the routing; `overrides` replace single ports (tests: a fake clock).
 */
export function approvalHttpHandler(logger: Logger, overrides: Partial<ApprovalDeps> = {}) {
  return middy<Event, Result>()
    .use(securityHeaders())
    .use(bodyLimit(MAX_BODY_BYTES))
    .use(errorPages(logger))
    .handler(async (event) => {
      const method = event.requestContext?.http?.method?.toUpperCase() ?? 'GET';
      const requestId = requestIdOf(event);
      logger.appendKeys({ correlationId: correlationIdOf(event) });
      try {
        const deps = approvalDeps(logger, overrides);
        if (method === 'GET' || method === 'HEAD')
          return await show(deps, event, requestId, method === 'HEAD');
        if (method === 'POST') return await decide(deps, event, requestId);
        throw new HttpError(405, 'methodNotAllowed', { Allow: 'GET, HEAD, POST' });
      } finally {
        logger.resetKeys();
      }
    });
}
