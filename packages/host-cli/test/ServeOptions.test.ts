/** `seatsync serve`'s sign-in and consent options: the Secure cookie switch and the consent app. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted } from "effect"
import { secureCookiesFrom } from "../src/commands/Serve.js"
import { consentApp } from "../src/Serve.js"

const run = (flag: boolean, env: NodeJS.ProcessEnv) => Effect.runSync(Effect.either(secureCookiesFrom(flag, env)))

describe("--secure-cookies / SEATSYNC_SECURE_COOKIES", () => {
  it("is off by default (plain http on 127.0.0.1), on with the flag or a true value", () => {
    expect(run(false, {})).toEqual(Either.right(false))
    expect(run(true, {})).toEqual(Either.right(true))
    expect(run(true, { SEATSYNC_SECURE_COOKIES: "false" })).toEqual(Either.right(true))
    for (const on of ["true", "1", " TRUE "])
      expect(run(false, { SEATSYNC_SECURE_COOKIES: on })).toEqual(Either.right(true))
    for (const off of ["false", "0", ""])
      expect(run(false, { SEATSYNC_SECURE_COOKIES: off })).toEqual(Either.right(false))
  })

  it("another value is a usage error naming the variable and the value", () => {
    const bad = run(false, { SEATSYNC_SECURE_COOKIES: "yes please" })
    expect(Either.isLeft(bad)).toBe(true)
    if (Either.isLeft(bad)) {
      expect(bad.left.message).toContain("SEATSYNC_SECURE_COOKIES")
      expect(bad.left.message).toContain('"yes please"')
    }
  })
})

describe("the consent routes' Microsoft app", () => {
  const partner = {
    mode: "partner" as const,
    clientId: "c0c0c0c0-0000-4000-8000-000000000001",
    clientSecret: Redacted.make("secret"),
    partnerTenantId: "a0a0a0a0-0000-4000-8000-000000000001",
    refreshToken: Redacted.make("token"),
    endpoints: { login: "http://127.0.0.1:1" }
  }

  it("is the partner connection's app, for its tenant; SEATSYNC_PUBLIC_URL sets the callback", () => {
    expect(consentApp(partner, {})).toEqual({
      clientId: partner.clientId,
      clientSecret: partner.clientSecret,
      tenant: partner.partnerTenantId,
      endpoints: partner.endpoints
    })
    expect(consentApp(partner, { SEATSYNC_PUBLIC_URL: "https://seatsync.msp.example/" })?.redirectUri).toBe(
      "https://seatsync.msp.example/microsoft/consent/callback"
    )
  })

  it("is none in tenant mode (no Partner Center consent there)", () => {
    expect(
      consentApp({ mode: "tenant", clientId: partner.clientId, clientSecret: partner.clientSecret, tenantIds: [] }, {})
    ).toBeUndefined()
  })
})
