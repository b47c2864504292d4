/** The consent functions a host mounts, against the simulator's sign-in and admin-consent pages. */
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted } from "effect"
import { Consent } from "../src/index.js"
import { minimal, partnerConfig, SAMPLE, simulator, source, tenant } from "./support.js"

const redirectUri = "http://localhost:5173/auth/callback"

/** The browser: follow the sign-in URL once and read where it redirects to. */
const visit = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url, { redirect: "manual" })
    return new URL(response.headers.get("location") ?? "http://invalid.invalid/")
  })

describe("Consent", () => {
  it.scopedLive("partner consent: sign-in URL → redirect with a code → refresh token that reads Partner Center", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const options = {
        clientId: SAMPLE.clientId,
        clientSecret: Redacted.make(SAMPLE.clientSecret),
        endpoints: { login: sim.url }
      }
      const { url, codeVerifier } = yield* Consent.authorizationUrl(options, { redirectUri, state: "state-123" })
      expect(url.startsWith(`${sim.url}/organizations/oauth2/v2.0/authorize?`)).toBe(true)
      const query = new URL(url).searchParams
      expect(query.get("client_id")).toBe(SAMPLE.clientId)
      expect(query.get("scope")).toContain("https://api.partnercenter.microsoft.com/user_impersonation")
      expect(query.get("scope")).toContain("offline_access")
      expect(query.get("code_challenge_method")).toBe("S256")

      const back = yield* visit(url)
      expect(back.searchParams.get("state")).toBe("state-123")
      const code = back.searchParams.get("code") ?? ""
      const redeemed = yield* Consent.redeemCode(options, { code, redirectUri, codeVerifier })
      expect(redeemed.tenantId).toBe(SAMPLE.partner)
      expect(redeemed.username).toBe("admin@adatumit.onmicrosoft.com")
      expect(Redacted.value(redeemed.refreshToken)).not.toBe(SAMPLE.refreshToken)

      // The new refresh token is what the license source keeps.
      const s = yield* source(partnerConfig(sim, { refreshToken: redeemed.refreshToken }))
      expect((yield* s.listTenants).map((t) => t.name)).toContain("Contoso Ltd")

      // A code is redeemed once (AADSTS54005); a wrong verifier fails PKCE.
      const again = yield* Effect.either(Consent.redeemCode(options, { code, redirectUri, codeVerifier }))
      expect(Either.isLeft(again) && again.left.reason).toBe("Unauthorized")
      const second = yield* visit((yield* Consent.authorizationUrl(options, { redirectUri, state: "s2" })).url)
      const wrong = yield* Effect.either(
        Consent.redeemCode(options, {
          code: second.searchParams.get("code") ?? "",
          redirectUri,
          codeVerifier: Redacted.make("not-the-verifier")
        })
      )
      expect(Either.isLeft(wrong) && wrong.left.message).toContain("AADSTS501481")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("against Microsoft the sign-in URL is login.microsoftonline.com", () =>
    Effect.gen(function* () {
      const { url } = yield* Consent.authorizationUrl(
        { clientId: SAMPLE.clientId, clientSecret: Redacted.make("x"), tenant: SAMPLE.partner },
        { redirectUri: "https://seatsync.example/consent", state: "s" }
      )
      expect(url.startsWith(`https://login.microsoftonline.com/${SAMPLE.partner}/oauth2/v2.0/authorize?`)).toBe(true)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.scopedLive("customer admin consent restores a tenant whose consent was revoked", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      sim.faults.revokeConsent(SAMPLE.fabrikam)
      const s = yield* source(partnerConfig(sim))
      const before = yield* Effect.either(s.readSnapshot(tenant.fabrikam, minimal))
      expect(Either.isLeft(before) && before.left.reason).toBe("ConsentMissing")

      const url = Consent.adminConsentUrl(
        { clientId: SAMPLE.clientId, endpoints: { login: sim.url } },
        { tenantId: SAMPLE.fabrikam, redirectUri, state: "onboard-fabrikam" }
      )
      expect(url.startsWith(`${sim.url}/${SAMPLE.fabrikam}/v2.0/adminconsent?`)).toBe(true)
      expect(new URL(url).searchParams.get("scope")).toBe("https://graph.microsoft.com/.default")
      const back = yield* visit(url)
      expect(Consent.readAdminConsent(back.searchParams)).toEqual(
        Either.right({ tenantId: SAMPLE.fabrikam, state: "onboard-fabrikam" })
      )
      const after = yield* s.readSnapshot(tenant.fabrikam, minimal)
      expect(after.skus.map((x) => x.partNumber).sort()).toEqual([
        "AAD_PREMIUM",
        "O365_BUSINESS_PREMIUM",
        "POWER_BI_PRO"
      ])
    })
  )

  it("a refused admin consent is ConsentMissing with the reason", () => {
    const result = Consent.readAdminConsent(
      new URLSearchParams({
        error: "access_denied",
        error_description: "AADSTS65004: User declined to consent to access the app. Trace ID: 1",
        state: "s"
      })
    )
    expect(Either.isLeft(result) && result.left).toMatchObject({
      reason: "ConsentMissing",
      message: "admin consent was not granted: access_denied: AADSTS65004: User declined to consent to access the app."
    })
  })
})
