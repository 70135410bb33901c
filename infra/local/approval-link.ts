/**
 * Deciding an approval link as its approver would: GET the page (as a browser does), then POST the
 * form's decision. Kept apart from the demo so that `settle approve` loads nothing else.
 */

/** An approval link that cannot be used; the message says what to do. */
export class ApprovalLinkError extends Error {
  override readonly name = 'ApprovalLinkError';
}

/**
 * The one-time code of an approval above the tenant's threshold: the code itself (`settle approve
 * --code`), or a function that waits for the code email Approve sends (the demo and tests read the
 * outbox).
 */
export type ApprovalCode = string | (() => Promise<string>);

/** The code page (shared/approval/page.ts renderCodePage) answers an Approve that needs a code. */
function isCodePage(html: string): boolean {
  return /name="codeAction"/.test(html);
}

/**
 * Opens the link (GET, as a person would) and decides with the form's POST. An approval that needs
 * a one-time code is confirmed with `code`: a given code is posted at once; a function is called
 * after Approve has emailed the code. Without a code such an approval stops with the page's words.
 */
export async function approveByLink(
  link: string,
  decision: 'approve' | 'reject' = 'approve',
  comment = '',
  code?: ApprovalCode,
) {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new ApprovalLinkError(
      `'${link}' is not a link: paste the whole address from the email (http://127.0.0.1:<port>/approvals/<id>?s=<secret>)`,
    );
  }
  if (!/^\/approvals\/[^/]+$/.test(url.pathname) || !url.searchParams.get('s')) {
    throw new ApprovalLinkError(
      `${url.origin}${url.pathname} is not an approval link: it needs /approvals/<id>?s=<secret>, as in the email`,
    );
  }
  const reach = async (init?: RequestInit) => {
    try {
      return await fetch(init ? new URL(url.pathname, url) : url, init);
    } catch (error) {
      throw new ApprovalLinkError(
        `nothing answers at ${url.origin}: the run that sent this link has ended (its approval server lives while ` +
          '`settle run` or `npm start` waits for a decision). Start the run again and use the new link.',
        { cause: error },
      );
    }
  };
  const page = await reach();
  if (page.status !== 200)
    throw new ApprovalLinkError(`the approval page answered ${page.status}: ${pageText(await page.text())}`);
  const post = async (fields: Record<string, string>) => {
    const response = await reach({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ s: url.searchParams.get('s') ?? '', decision, comment, ...fields }),
    });
    const text = await response.text();
    if (
      response.status !== 200 ||
      (decision === 'approve' && isCodePage(text) && fields.codeAction === 'confirm')
    )
      throw new ApprovalLinkError(`the decision was not taken (${response.status}): ${pageText(text)}`);
    return text;
  };
  if (decision === 'approve' && typeof code === 'string') return post({ codeAction: 'confirm', code });
  const text = await post({});
  if (decision !== 'approve' || !isCodePage(text)) return text;
  if (!code)
    throw new ApprovalLinkError(
      `${pageText(text)} — approve with the emailed code: settle approve '${link}' --code <code>`,
    );
  return post({ codeAction: 'confirm', code: typeof code === 'string' ? code : await code() });
}

/** The readable text of an HTML page, shortened for one line. */
function pageText(html: string): string {
  const text = html
    .replace(/<(script|style|title)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}
