import { randomUUID } from 'node:crypto';
import type { LiveContext } from './connector.ts';
import { SourceAuthError, SourceConfigError, SourceUnavailableError } from './errors.ts';
import { basicAuth, describeUrl } from './http.ts';
import { isObject, stringOption, text } from './record-sink.ts';

/**
 * OAuth 2 access tokens for live connectors.
 *
 * Refresh-token grant with rotation (Intuit/QuickBooks): every refresh returns a new refresh token and
 * the old one stops working soon after, so the new one is written to the tenant's secret before the
 * access token is used, and only one run refreshes at a time. The secret holds `clientId`,
 * `clientSecret`, `refreshToken` and, once refreshed, `accessToken`, `accessTokenExpiresAt` and
 * `accessTokenRefreshAfter` (epoch ms; a minute before expiry).
 * A run takes a short lease in the secret itself (a compare-and-swap on the version it read), calls the
 * token endpoint, and writes the rotated tokens with another compare-and-swap; a run that finds a live
 * lease waits and re-reads, then uses the access token the other run stored.
 *
 * Client-credentials grant (Azure): `tenantId`, `clientId`, `clientSecret`; nothing to write back.
 */

export const INTUIT_TOKEN_URL = 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer';
/** An access token this close to expiry is refreshed first. */
const EXPIRY_MARGIN_MS = 60_000;
const LEASE_MS = 30_000;
const WAIT_STEP_MS = 250;

interface TokenResponse {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly expiresInMs: number;
}

/** POSTs a form to a token endpoint and reads the standard token response. */
async function requestToken(
  ctx: LiveContext,
  url: string,
  form: Record<string, string>,
  clientAuth?: string,
): Promise<TokenResponse> {
  const source = ctx.binding.id;
  const where = describeUrl(url);
  let response: Response;
  try {
    response = await ctx.policy.fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...(clientAuth ? { authorization: clientAuth } : {}),
      },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(ctx.policy.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new SourceUnavailableError(`${source}: token endpoint ${where} unreachable`, {
      source,
      url: where,
      cause: error,
    });
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.status >= 500 || response.status === 429) {
    throw new SourceUnavailableError(`${source}: token endpoint ${where} answered HTTP ${response.status}`, {
      source,
      url: where,
      status: response.status,
    });
  }
  const accessToken = isObject(body) ? text(body.access_token) : undefined;
  if (!response.ok || accessToken === undefined) {
    const reason = isObject(body) ? (text(body.error) ?? '') : '';
    throw new SourceAuthError(
      `${source}: token endpoint ${where} refused the ${form.grant_type} grant (HTTP ${response.status}${reason ? ` ${reason}` : ''}); store new credentials in the secret`,
      { source, url: where, status: response.status },
    );
  }
  const expiresIn = isObject(body) ? Number(body.expires_in) : Number.NaN;
  return {
    accessToken,
    refreshToken: isObject(body) ? text(body.refresh_token) : undefined,
    expiresInMs: Number.isFinite(expiresIn) ? expiresIn * 1000 : 3_600_000,
  };
}

/** How long a token is used before it is refreshed: a minute before expiry, or half-way for short ones. */
function refreshAfterMs(lifetimeMs: number): number {
  return Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2);
}

function secretName(ctx: LiveContext): string {
  const name = ctx.binding.secret;
  if (name === undefined) {
    throw new SourceConfigError(`${ctx.binding.id}: live mode needs a secret name in the binding (secret)`, {
      source: ctx.binding.id,
    });
  }
  return name;
}

/**
 * A current access token for a refresh-token-rotating provider (Intuit). Secrets holding only a
 * static `accessToken` (no `refreshToken`) are used as they are.
 */
export async function rotatingAccessToken(
  ctx: LiveContext,
  tokenUrl: string,
  rejected?: string,
): Promise<string> {
  if (!ctx.secret.refreshToken && ctx.secret.accessToken) {
    if (rejected !== undefined)
      throw new SourceAuthError(
        `${ctx.binding.id}: the stored access token was rejected and there is no refreshToken to renew it`,
        {
          source: ctx.binding.id,
        },
      );
    return ctx.secret.accessToken;
  }
  const name = secretName(ctx);
  const owner = randomUUID();
  const deadline = ctx.now() + LEASE_MS * 2;
  for (;;) {
    const current = await ctx.secrets.read(name);
    const value = current.value;
    const now = ctx.now();
    if (
      value.accessToken &&
      value.accessToken !== rejected &&
      now < Number(value.accessTokenRefreshAfter ?? 0)
    )
      return value.accessToken;
    if (Number(value.refreshLeaseUntil ?? 0) > now && value.refreshLeaseOwner !== owner) {
      if (now > deadline) {
        throw new SourceUnavailableError(
          `${ctx.binding.id}: another run has been refreshing the OAuth token of secret "${name}" for too long; retry later`,
          { source: ctx.binding.id },
        );
      }
      await ctx.policy.sleep(WAIT_STEP_MS);
      continue;
    }
    if (!value.refreshToken || !value.clientId || !value.clientSecret) {
      throw new SourceAuthError(
        `${ctx.binding.id}: the secret "${name}" lacks the key(s) clientId + clientSecret + refreshToken`,
        { source: ctx.binding.id },
      );
    }
    const leased = await ctx.secrets.replace(
      name,
      { ...value, refreshLeaseOwner: owner, refreshLeaseUntil: String(now + LEASE_MS) },
      current.version,
    );
    if (leased === undefined) continue; // another run changed the secret first: look again
    const token = await requestToken(
      ctx,
      tokenUrl,
      { grant_type: 'refresh_token', refresh_token: value.refreshToken },
      basicAuth(value.clientId, value.clientSecret),
    );
    const { refreshLeaseOwner: _owner, refreshLeaseUntil: _until, ...rest } = value;
    const next = {
      ...rest,
      accessToken: token.accessToken,
      accessTokenExpiresAt: String(ctx.now() + token.expiresInMs),
      accessTokenRefreshAfter: String(ctx.now() + refreshAfterMs(token.expiresInMs)),
      refreshToken: token.refreshToken ?? value.refreshToken,
    };
    await storeRotated(ctx, name, next, leased);
    return token.accessToken;
  }
}

/**
 * Writes the rotated tokens. The old refresh token is already spent, so this must not give up on a
 * conflict (a lease that expired while the token endpoint was slow): it re-reads and writes again.
 */
async function storeRotated(
  ctx: LiveContext,
  name: string,
  next: Record<string, string>,
  expected: string,
): Promise<void> {
  let version = expected;
  for (let attempt = 0; attempt < 10; attempt++) {
    if ((await ctx.secrets.replace(name, next, version)) !== undefined) return;
    version = (await ctx.secrets.read(name)).version;
  }
  throw new SourceAuthError(
    `${ctx.binding.id}: could not store the rotated refresh token in secret "${name}" after 10 attempts; store it by hand`,
    { source: ctx.binding.id },
  );
}

/**
 * The QuickBooks access token: refreshed through Intuit's token endpoint when due, or when the API
 * has just rejected `rejected` (revoked or expired early).
 */
export function intuitAccessToken(ctx: LiveContext, rejected?: string): Promise<string> {
  return rotatingAccessToken(
    ctx,
    stringOption(ctx.binding.options, 'tokenUrl') ?? INTUIT_TOKEN_URL,
    rejected,
  );
}

const clientCredentialTokens = new Map<string, { token: string; refreshAfter: number }>();

/**
 * An Azure Resource Manager token from the client-credentials grant (Microsoft identity platform),
 * kept in memory until a minute before it expires. Secrets with only a static `accessToken` are used as is.
 */
export async function azureAccessToken(ctx: LiveContext): Promise<string> {
  const { tenantId, clientId, clientSecret, accessToken } = ctx.secret;
  if (!(tenantId && clientId && clientSecret)) return accessToken ?? '';
  const authority = stringOption(ctx.binding.options, 'authorityUrl') ?? 'https://login.microsoftonline.com';
  const url = `${authority.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
  const key = `${url} ${clientId}`;
  const cached = clientCredentialTokens.get(key);
  if (cached && ctx.now() < cached.refreshAfter) return cached.token;
  const token = await requestToken(ctx, url, {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
    scope: stringOption(ctx.binding.options, 'scopeUrl') ?? 'https://management.azure.com/.default',
  });
  clientCredentialTokens.set(key, {
    token: token.accessToken,
    refreshAfter: ctx.now() + refreshAfterMs(token.expiresInMs),
  });
  return token.accessToken;
}
