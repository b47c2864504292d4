/** What the simulated identity platform has issued: opaque access tokens, refresh tokens and auth codes. */
import { opaqueToken } from "./Ids.js"

/** The API a token is for. */
export type Audience = "graph" | "partnerCenter"

export const RESOURCES: Readonly<Record<Audience, string>> = {
  graph: "https://graph.microsoft.com",
  partnerCenter: "https://api.partnercenter.microsoft.com"
}

/** The resource (application ID URI) of a scope or resource string, or undefined when it is not one we serve. */
export const audienceOf = (resource: string): Audience | undefined => {
  const normalized = resource.toLowerCase().replace(/\/+$/, "")
  if (normalized === RESOURCES.graph || normalized === "00000003-0000-0000-c000-000000000000") return "graph"
  if (normalized === RESOURCES.partnerCenter || normalized === "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd") {
    return "partnerCenter"
  }
  return undefined
}

export interface AccessTokenRecord {
  readonly token: string
  /** The tenant the token was issued in (its `tid`). */
  readonly tenantId: string
  readonly audience: Audience
  readonly appId: string
  /** `app`: client credentials (app-only); `user`: App+User (delegated). */
  readonly kind: "app" | "user"
  readonly scopes: ReadonlyArray<string>
  readonly userId: string | undefined
  readonly userPrincipalName: string | undefined
  /** Whether the sign-in behind a delegated token used MFA (`amr` contains `mfa`). */
  readonly mfa: boolean
  readonly issuedAt: number
  expiresAt: number
}

export interface RefreshTokenRecord {
  readonly token: string
  readonly appId: string
  readonly userId: string
  readonly issuedAt: number
  readonly expiresAt: number
  revoked: boolean
}

export interface AuthCodeRecord {
  readonly code: string
  readonly appId: string
  readonly tenantId: string
  readonly redirectUri: string
  readonly scopes: ReadonlyArray<string>
  readonly nonce: string | undefined
  readonly codeChallenge: string | undefined
  readonly codeChallengeMethod: string | undefined
  readonly expiresAt: number
  used: boolean
}

const REFRESH_TOKEN_LIFETIME_MS = 90 * 24 * 3600 * 1000
const AUTH_CODE_LIFETIME_MS = 10 * 60 * 1000

export class TokenStore {
  private readonly accessTokens = new Map<string, AccessTokenRecord>()
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>()
  private readonly codes = new Map<string, AuthCodeRecord>()

  constructor(
    private readonly now: () => number,
    public lifetimeSeconds: number
  ) {}

  issueAccess(
    fields: Omit<AccessTokenRecord, "token" | "issuedAt" | "expiresAt">
  ): AccessTokenRecord & { readonly expiresIn: number } {
    const issuedAt = this.now()
    const record: AccessTokenRecord = {
      ...fields,
      token: opaqueToken(),
      issuedAt,
      expiresAt: issuedAt + this.lifetimeSeconds * 1000
    }
    this.accessTokens.set(record.token, record)
    return { ...record, expiresIn: this.lifetimeSeconds }
  }

  findAccess(token: string): AccessTokenRecord | undefined {
    return this.accessTokens.get(token)
  }

  /** Ends the life of every access token issued so far (or of one). */
  expireAccessTokens(token?: string): number {
    const now = this.now()
    let count = 0
    for (const record of this.accessTokens.values()) {
      if (token !== undefined && record.token !== token) continue
      if (record.expiresAt > now) count++
      record.expiresAt = Math.min(record.expiresAt, now)
    }
    return count
  }

  /** Registers a refresh token from the seed (never expires). */
  preload(token: string, appId: string, userId: string): void {
    this.refreshTokens.set(token, {
      token,
      appId,
      userId,
      issuedAt: this.now(),
      expiresAt: Number.MAX_SAFE_INTEGER,
      revoked: false
    })
  }

  issueRefresh(appId: string, userId: string): string {
    const token = `0.${opaqueToken(48)}`
    const issuedAt = this.now()
    this.refreshTokens.set(token, {
      token,
      appId,
      userId,
      issuedAt,
      expiresAt: issuedAt + REFRESH_TOKEN_LIFETIME_MS,
      revoked: false
    })
    return token
  }

  findRefresh(token: string): RefreshTokenRecord | undefined {
    return this.refreshTokens.get(token)
  }

  /** Revokes every refresh token (as "revoke sessions" or a password reset does). */
  revokeRefreshTokens(): void {
    for (const record of this.refreshTokens.values()) record.revoked = true
  }

  issueCode(fields: Omit<AuthCodeRecord, "code" | "expiresAt" | "used">): string {
    const code = `1.${opaqueToken(48)}`
    this.codes.set(code, { ...fields, code, expiresAt: this.now() + AUTH_CODE_LIFETIME_MS, used: false })
    return code
  }

  findCode(code: string): AuthCodeRecord | undefined {
    return this.codes.get(code)
  }
}
