/**
 * Microsoft accounts (issue 13): the Microsoft connections in the store (secrets shown only as
 * `configured: true`), and the Partner Center consent of the secure application model as an
 * OAuth redirect (API-REFERENCE.md §3.2): `/microsoft/consent/start` sends an editor to sign in
 * and consent; Microsoft sends the browser back to `/microsoft/consent/callback` with a code,
 * which is exchanged for the refresh token, stored (encrypted) on the Microsoft connection.
 * The flow is partner-center's `Consent` (as `seatsync consent` uses it); only the redirect
 * handling is here.
 *
 * The `state` carries what the callback needs, sealed (AES-256-GCM under a key derived from the
 * app's client secret, which every instance of the service has): the PKCE verifier, the redirect
 * URI, who started it and until when it is valid (10 minutes). So any instance can finish a flow
 * another started, nothing is kept between the two requests, and a state that was altered,
 * forged or is too old is refused (400).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto"
import { Store } from "@seatsync/core"
import { Transport } from "@seatsync/http"
import { Consent } from "@seatsync/partner-center"
import { Clock, Effect, Option, Redacted, Schema } from "effect"
import { AuditLog } from "../auth/Audit.js"
import type { Principal } from "../auth/Authenticator.js"
import { BadRequest, mapStoreError, Unavailable } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { type MicrosoftSettings, Settings } from "../Runtime.js"
import { nowIso } from "./Workflow.js"

export const callbackPath = "/microsoft/consent/callback"
const stateTtlMillis = 10 * 60 * 1000

const ConfiguredSecret = Schema.Struct({ configured: Schema.Literal(true) })

export const MicrosoftAccount = Schema.Struct({
  id: Store.ConnectionId,
  kind: Schema.String,
  name: Schema.String,
  enabled: Schema.Boolean,
  settings: Schema.Record({ key: Schema.String, value: Schema.String }),
  /** Each stored secret, never its value. */
  secrets: Schema.Record({ key: Schema.String, value: ConfiguredSecret })
}).annotations({ identifier: "MicrosoftAccount" })

export const MicrosoftAccounts = Schema.Struct({
  accounts: Schema.Array(MicrosoftAccount),
  consent: Schema.Struct({
    /** Whether the service has the Microsoft app the consent flow signs in to. */
    configured: Schema.Boolean,
    /** Where an editor's browser starts the Partner Center consent. */
    start: Schema.String
  })
}).annotations({ identifier: "MicrosoftAccounts" })

/** What the sealed state holds. */
const StatePayload = Schema.Struct({
  verifier: Schema.String,
  redirectUri: Schema.String,
  expiresAt: Schema.Number,
  principal: Schema.Struct({
    userId: Schema.String,
    role: Schema.Literal("owner", "editor", "viewer"),
    via: Schema.Literal("session", "token"),
    name: Schema.String
  })
})
type StatePayload = typeof StatePayload.Type

const keyOf = (secret: Redacted.Redacted<string>): Buffer =>
  Buffer.from(hkdfSync("sha256", Redacted.value(secret), "seatsync", "microsoft-consent-state", 32))

/** Seals the state: base64url of iv (12) ‖ tag (16) ‖ ciphertext. */
export const sealState = (secret: Redacted.Redacted<string>, payload: StatePayload): string => {
  const iv = randomBytes(12)
  const cipher = createCipheriv("aes-256-gcm", keyOf(secret), iv)
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), "utf8"), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")
}

/** Opens a sealed state; none when it was altered, sealed under another key or is not one. */
export const openState = (secret: Redacted.Redacted<string>, state: string): Option.Option<StatePayload> => {
  const raw = Buffer.from(state, "base64url")
  if (raw.length < 29) return Option.none()
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyOf(secret), raw.subarray(0, 12))
    decipher.setAuthTag(raw.subarray(12, 28))
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8")
    return Option.getRight(Schema.decodeUnknownEither(Schema.parseJson(StatePayload))(text))
  } catch {
    // A failed authentication tag: altered, forged, or sealed under another client secret.
    return Option.none()
  }
}

const notConfigured = () =>
  new Unavailable({
    detail:
      "The Microsoft app is not configured for this service (its client id and secret): the Partner Center consent cannot start."
  })

const microsoftSettings = Effect.flatMap(Settings, (s) =>
  s.microsoft === undefined ? Effect.fail(notConfigured()) : Effect.succeed(s.microsoft)
)

const consentOptions = (ms: MicrosoftSettings): Consent.ConsentOptions => {
  const endpoints = Object.fromEntries(Object.entries(ms.endpoints ?? {}).filter(([, v]) => v !== undefined))
  return {
    clientId: ms.clientId,
    clientSecret: ms.clientSecret,
    tenant: ms.tenant,
    ...(Object.keys(endpoints).length > 0 ? { endpoints } : {})
  }
}

/** The callback URL: the configured one, else this service as the browser reached it. */
const redirectUriFor = (ms: MicrosoftSettings, request: Route.RequestView): string => {
  if (ms.redirectUri !== undefined) return ms.redirectUri
  const host = typeof request.headers.host === "string" ? request.headers.host : "localhost"
  return `http://${host}${callbackPath}`
}

const page = (title: string, text: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c)

const badState = (value: string, message: string) =>
  new BadRequest({ detail: `query.state: ${message}`, errors: [{ field: "query.state", value, message }] })

const accountOf = (c: Store.Connection) => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  enabled: c.enabled,
  settings: c.settings,
  secrets: Object.fromEntries(Object.keys(c.secrets).map((name) => [name, { configured: true as const }]))
})

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/microsoft/accounts",
    summary: "The Microsoft connections",
    description: "The stored Microsoft connections (partner accounts); each secret shows only as configured: true.",
    tags: ["Microsoft"],
    access: "viewer",
    response: MicrosoftAccounts,
    handler: () =>
      Effect.gen(function* () {
        const store = yield* Store.AdminStore
        const settings = yield* Settings
        const connections = yield* mapStoreError(store.listConnections)
        return {
          accounts: connections.filter((c) => c.role === "microsoft").map(accountOf),
          consent: { configured: settings.microsoft !== undefined, start: "/microsoft/consent/start" }
        }
      })
  }),
  Route.make({
    method: "GET",
    path: "/microsoft/consent/start",
    summary: "Start the Partner Center consent (redirects to Microsoft's sign-in)",
    description:
      "302 to the Microsoft sign-in page, where a partner Admin agent signs in (with MFA) and consents; Microsoft then redirects to /microsoft/consent/callback. 503 when the Microsoft app is not configured.",
    tags: ["Microsoft"],
    access: "editor",
    query: Schema.Struct({ loginHint: Schema.optional(Schema.String.pipe(Schema.minLength(1))) }),
    response: Schema.Void,
    status: 302,
    handler: ({ principal, query, request }) =>
      Effect.gen(function* () {
        const ms = yield* microsoftSettings
        const redirectUri = redirectUriFor(ms, request)
        const { url, codeVerifier } = yield* Consent.authorizationUrl(consentOptions(ms), {
          redirectUri,
          // Replaced below by the sealed state, which needs the verifier this call makes.
          state: "pending",
          prompt: "consent",
          loginHint: query.loginHint
        }).pipe(
          Effect.provide(Transport.layer()),
          Effect.mapError(
            (e) => new Unavailable({ detail: `The Microsoft sign-in URL could not be made: ${e.message}` })
          )
        )
        const now = yield* Clock.currentTimeMillis
        const state = sealState(ms.clientSecret, {
          verifier: Redacted.value(codeVerifier),
          redirectUri,
          expiresAt: now + stateTtlMillis,
          principal: { userId: principal.userId, role: principal.role, via: principal.via, name: principal.name }
        })
        const location = new URL(url)
        location.searchParams.set("state", state)
        return Route.reply(undefined, { status: 302, headers: { location: location.toString() } })
      })
  }),
  Route.make({
    method: "GET",
    path: callbackPath,
    summary: "The Partner Center consent's redirect (Microsoft sends the browser here)",
    description:
      "Exchanges the code for the partner's refresh token and stores it (encrypted) on the Microsoft connection. A state that was altered or is older than 10 minutes is refused (400).",
    tags: ["Microsoft"],
    access: "public",
    query: Schema.Struct({
      code: Schema.optional(Schema.String),
      state: Schema.optional(Schema.String),
      session_state: Schema.optional(Schema.String),
      client_info: Schema.optional(Schema.String),
      error: Schema.optional(Schema.String),
      error_description: Schema.optional(Schema.String),
      error_uri: Schema.optional(Schema.String)
    }),
    response: Schema.String,
    produces: "text/html",
    handler: ({ query }) =>
      Effect.gen(function* () {
        const ms = yield* microsoftSettings
        if (query.state === undefined || query.state === "") return yield* badState("", "the redirect carries no state")
        const opened = openState(ms.clientSecret, query.state)
        if (Option.isNone(opened))
          return yield* badState(query.state, "not a state this service issued (altered, or from another app)")
        const state = opened.value
        if ((yield* Clock.currentTimeMillis) > state.expiresAt)
          return yield* badState(query.state, "expired: start the consent again")
        if (query.error !== undefined) {
          const description = (query.error_description ?? "").split(/\s+Trace ID:/)[0] ?? ""
          return yield* new BadRequest({
            detail: `Consent was not given: ${query.error}${description === "" ? "" : `: ${description}`}`,
            errors: [{ field: "query.error", value: query.error, message: description || "consent was not given" }]
          })
        }
        if (query.code === undefined || query.code === "")
          return yield* new BadRequest({
            detail: "query.code: the redirect carries no code",
            errors: [{ field: "query.code", value: null, message: "the redirect carries no code" }]
          })
        const redeemed = yield* Consent.redeemCode(consentOptions(ms), {
          code: query.code,
          redirectUri: state.redirectUri,
          codeVerifier: Redacted.make(state.verifier)
        }).pipe(
          Effect.provide(Transport.layer()),
          Effect.mapError((e) =>
            e.reason === "Unauthorized" || e.reason === "ConsentMissing" || e.reason === "NotFound"
              ? new BadRequest({
                  detail: `query.code: Microsoft refused the code: ${e.message}`,
                  errors: [{ field: "query.code", value: query.code, message: e.message }]
                })
              : new Unavailable({
                  detail: `Microsoft could not be reached to redeem the code: ${e.message}`,
                  retryAfter: 5
                })
          )
        )
        const partnerTenant = redeemed.tenantId ?? ms.tenant ?? "organizations"
        const id = Store.ConnectionId.make(`microsoft-partner-${partnerTenant}`)
        const store = yield* Store.AdminStore
        const existing = yield* mapStoreError(store.getConnection(id))
        const at = yield* nowIso
        const connection: Store.Connection = {
          id,
          role: "microsoft",
          kind: "partner-center",
          name: Option.match(existing, { onNone: () => "Partner Center", onSome: (c) => c.name }),
          settings: {
            // `seededFrom` (which configured token a kept one came from) goes: this consent is newer
            // than any configured token, so the host uses its token (host-cli Wiring.ts).
            ...Option.match(existing, {
              onNone: () => ({}),
              onSome: ({ settings: { seededFrom: _, ...kept } }) => kept
            }),
            clientId: ms.clientId,
            partnerTenantId: partnerTenant,
            consentedAt: at,
            ...(redeemed.username !== undefined ? { consentedBy: redeemed.username } : {})
          },
          secrets: {
            ...Option.match(existing, { onNone: () => ({}), onSome: (c) => c.secrets }),
            refreshToken: redeemed.refreshToken
          },
          enabled: true
        }
        yield* mapStoreError(store.saveConnection(connection))
        const audit = yield* AuditLog
        yield* audit.record({
          principal: state.principal as Principal,
          action: "microsoft.consent",
          target: `connection:${id}`,
          ...(Option.isSome(existing) ? { before: accountOf(existing.value) } : {}),
          after: accountOf(connection)
        })
        return page(
          "Consent recorded",
          escapeHtml(
            `SeatSync now reads Partner Center as ${redeemed.username ?? "the partner admin"} (tenant ${partnerTenant}). You can close this window.`
          )
        )
      })
  })
]
