import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { approvalHttpHandler } from '#approval/api.ts';
import type { ApprovalDeps } from '#approval/service.ts';
import { declareStep } from '#steps/declaration.ts';

/**
 * The approval page behind the tenant's HTTP API (the local runtime's server locally): GET shows the
 * summary and the form, POST decides once. Routing, form parsing and pages: shared/approval/api.ts.
 */
export const step = declareStep({
  states: 'http',
  input: z
    .object({ rawPath: z.string(), requestContext: z.object({ http: z.object({ method: z.string() }) }) })
    .passthrough(),
  timeoutSeconds: 20,
  access: {
    table: ['GetItem', 'PutItem', 'UpdateItem'],
    read: ['drafts'],
    // Above the tenant's code threshold the page emails a one-time code, kept under emails/ (code removed).
    write: ['emails'],
    sendMail: true,
    // A rejection is a decision too: it is delivered with SendTaskSuccess, never SendTaskFailure.
    stepFunctions: ['SendTaskSuccess'],
  },
});

const logger = new Logger({ serviceName: 'approval-api' });

/** The handler with some ports replaced (tests: a fake clock). */
export const makeApprovalApiHandler = (overrides: Partial<ApprovalDeps> = {}) =>
  approvalHttpHandler(logger, overrides);

export const handler = makeApprovalApiHandler();
