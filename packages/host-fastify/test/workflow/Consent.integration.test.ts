/**
 * The Microsoft accounts and the Partner Center consent flow over real HTTP, against the
 * Microsoft simulator's authorize and token endpoints: start (302 to the sign-in) → the
 * simulator's redirect with a code → the callback, which stores the refresh token on the
 * Microsoft connection; and the token works against Partner Center.
 */
import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { MicrosoftLicenseSource } from "@seatsync/partner-center"
import { MicrosoftSimulator, type MicrosoftSimulatorHandle } from "@seatsync/partner-center/simulator"
import { Effect, Option, Redacted } from "effect"
import { sealState } from "../../src/routes/Microsoft.js"
import { startTestService, type TestService, tokenOf } from "../support/TestService.js"

const SAMPLE = {
  partner: "a0a0a0a0-0000-4000-8000-000000000001",
  clientId: "c0c0c0c0-0000-4000-8000-000000000001",
  clientSecret: "seatsync-sim-secret"
} as const
const connectionId = Store.ConnectionId.make(`microsoft-partner-${SAMPLE.partner}`)

let sim: MicrosoftSimulatorHandle
let service: TestService
beforeAll(async () => {
  sim = await MicrosoftSimulator.start({ port: 0 })
  service = await startTestService({
    microsoft: {
      clientId: SAMPLE.clientId,
      clientSecret: Redacted.make(SAMPLE.clientSecret),
      endpoints: { login: sim.url }
    }
  })
})
afterAll(async () => {
  await service?.close()
  await sim?.stop()
})

/** One browser step: GET without following the redirect. */
const step = (url: string, headers: Record<string, string> = {}) => fetch(url, { redirect: "manual", headers })

const startConsent = async () => {
  const start = await step(`${service.url}/microsoft/consent/start`, { authorization: `Bearer ${tokenOf("editor")}` })
  expect(start.status).toBe(302)
  const signIn = start.headers.get("location") ?? ""
  return signIn
}

describe("the Partner Center consent flow", () => {
  it("start → sign-in → callback stores the refresh token on the Microsoft connection, audited", async () => {
    const signIn = await startConsent()
    expect(signIn.startsWith(`${sim.url}/organizations/oauth2/v2.0/authorize?`)).toBe(true)
    const query = new URL(signIn).searchParams
    expect(query.get("client_id")).toBe(SAMPLE.clientId)
    expect(query.get("redirect_uri")).toBe(`${service.url}/microsoft/consent/callback`)
    expect(query.get("code_challenge_method")).toBe("S256")
    // The state is sealed: the PKCE verifier is not readable in it.
    const state = query.get("state") ?? ""
    expect(state.length).toBeGreaterThan(40)
    expect(Buffer.from(state, "base64url").toString("utf8")).not.toContain("verifier")

    const back = await step(signIn)
    expect(back.status).toBe(302)
    const callback = back.headers.get("location") ?? ""
    expect(callback.startsWith(`${service.url}/microsoft/consent/callback?`)).toBe(true)
    const done = await step(callback)
    expect(done.status).toBe(200)
    expect(done.headers.get("content-type")).toContain("text/html")
    expect(await done.text()).toContain("Consent recorded")

    const stored = Option.getOrThrow(await Effect.runPromise(service.store.getConnection(connectionId)))
    expect(stored).toMatchObject({
      role: "microsoft",
      kind: "partner-center",
      settings: {
        clientId: SAMPLE.clientId,
        partnerTenantId: SAMPLE.partner,
        consentedBy: "admin@adatumit.onmicrosoft.com"
      }
    })
    const token = stored.secrets.refreshToken
    if (token === undefined) throw new Error("no refresh token stored")
    // The stored token reads Partner Center.
    const tenants = await Effect.runPromise(
      Effect.flatMap(
        MicrosoftLicenseSource.make({
          mode: "partner",
          clientId: SAMPLE.clientId,
          clientSecret: Redacted.make(SAMPLE.clientSecret),
          partnerTenantId: SAMPLE.partner,
          refreshToken: token,
          endpoints: { login: sim.url, graph: sim.url, partnerCenter: sim.url }
        }),
        (source) => source.listTenants
      ).pipe(Effect.provide(FetchHttpClient.layer))
    )
    expect(tenants.map((t) => t.name)).toContain("Contoso Ltd")

    const audit = await service.audit()
    expect(audit.at(-1)).toMatchObject({
      action: "microsoft.consent",
      target: `connection:${connectionId}`,
      principal: { userId: "u-editor" },
      after: { secrets: { refreshToken: { configured: true } } }
    })
    expect(JSON.stringify(audit)).not.toContain(Redacted.value(token))

    // The same redirect again: the code was redeemed once (AADSTS54005), so it is refused.
    const replay = await step(callback)
    expect(replay.status).toBe(400)
    expect(((await replay.json()) as { errors: ReadonlyArray<{ field: string }> }).errors[0]?.field).toBe("query.code")
  })

  it("GET /microsoft/accounts shows the connection with its secrets only as configured", async () => {
    const res = await service.request("GET", "/microsoft/accounts", { as: "viewer" })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      accounts: [{ id: connectionId, kind: "partner-center", secrets: { refreshToken: { configured: true } } }],
      consent: { configured: true, start: "/microsoft/consent/start" }
    })
    const stored = Option.getOrThrow(await Effect.runPromise(service.store.getConnection(connectionId)))
    const token = stored.secrets.refreshToken
    expect(token && res.text.includes(Redacted.value(token))).toBe(false)
  })

  it("a bad, altered, foreign or expired state is a 400 naming query.state; nothing is stored", async () => {
    const before = Option.getOrThrow(await Effect.runPromise(service.store.getConnection(connectionId)))
    const signIn = await startConsent()
    const callback = new URL((await step(signIn)).headers.get("location") ?? "")
    const state = callback.searchParams.get("state") ?? ""
    const tries = [
      "garbage",
      `${state.slice(0, -4)}AAAA`,
      sealState(Redacted.make("another-app-secret"), {
        verifier: "v",
        redirectUri: "x",
        expiresAt: Date.now() + 60_000,
        principal: { userId: "u", role: "editor", via: "token", name: "n" }
      }),
      sealState(Redacted.make(SAMPLE.clientSecret), {
        verifier: "v",
        redirectUri: `${service.url}/microsoft/consent/callback`,
        expiresAt: Date.now() - 1,
        principal: { userId: "u", role: "editor", via: "token", name: "n" }
      })
    ]
    for (const bad of tries) {
      const url = new URL(callback)
      url.searchParams.set("state", bad)
      const res = await step(url.toString())
      expect(res.status).toBe(400)
      const body = (await res.json()) as { errors: ReadonlyArray<{ field: string }>; detail: string }
      expect(body.errors[0]?.field).toBe("query.state")
    }
    const noState = await step(`${service.url}/microsoft/consent/callback?code=abc`)
    expect(noState.status).toBe(400)
    // A refusal at Microsoft comes back as an error in the redirect.
    const denied = new URL(callback)
    denied.searchParams.delete("code")
    denied.searchParams.set("error", "access_denied")
    denied.searchParams.set("error_description", "AADSTS65004: User declined to consent. Trace ID: 1")
    const refused = await step(denied.toString())
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { detail: string }).detail).toBe(
      "Consent was not given: access_denied: AADSTS65004: User declined to consent."
    )
    const after = Option.getOrThrow(await Effect.runPromise(service.store.getConnection(connectionId)))
    expect(after.settings).toEqual(before.settings)
  })

  it("start needs an editor; an unknown query field is refused", async () => {
    const viewer = await step(`${service.url}/microsoft/consent/start`, {
      authorization: `Bearer ${tokenOf("viewer")}`
    })
    expect(viewer.status).toBe(403)
    expect((await step(`${service.url}/microsoft/consent/start`)).status).toBe(401)
    const extra = await step(`${service.url}/microsoft/consent/callback?code=a&state=b&evil=1`)
    expect(extra.status).toBe(400)
  })
})

describe("without the Microsoft app configured", () => {
  it("the consent routes answer 503 'not configured'; accounts say so", async () => {
    const bare = await startTestService()
    try {
      const start = await fetch(`${bare.url}/microsoft/consent/start`, {
        redirect: "manual",
        headers: { authorization: `Bearer ${tokenOf("editor")}` }
      })
      expect(start.status).toBe(503)
      expect(((await start.json()) as { detail: string }).detail).toContain("not configured")
      const callback = await fetch(`${bare.url}/microsoft/consent/callback?code=a&state=b`)
      expect(callback.status).toBe(503)
      const accounts = await bare.request("GET", "/microsoft/accounts", { as: "viewer" })
      expect(accounts.body).toEqual({ accounts: [], consent: { configured: false, start: "/microsoft/consent/start" } })
    } finally {
      await bare.close()
    }
  })
})
