/**
 * `@azure/msal-node` against the simulator: MSAL keeps the real authority
 * (https://login.microsoftonline.com/{tenant}) and a test network client sends its calls to the
 * simulator, the way the adapter is meant to.
 */
import { ConfidentialClientApplication, type INetworkModule, type NetworkResponse } from "@azure/msal-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { MicrosoftSimulator, type MicrosoftSimulatorHandle } from "../src/simulator/index.js"
import { get, SAMPLE } from "./simulatorClient.js"

let sim: MicrosoftSimulatorHandle
const requested: Array<string> = []

const networkClient = (): INetworkModule => {
  const send = async <T>(url: string, init: RequestInit): Promise<NetworkResponse<T>> => {
    requested.push(`${init.method ?? "GET"} ${new URL(url).pathname}`)
    const response = await fetch(url.replace(/^https:\/\/login\.microsoftonline\.com/, sim.url), init)
    const headers: Record<string, string> = {}
    response.headers.forEach((value, key) => {
      headers[key] = value
    })
    return { headers, body: (await response.json()) as T, status: response.status }
  }
  return {
    sendGetRequestAsync: (url, options) => send(url, { method: "GET", headers: options?.headers ?? {} }),
    sendPostRequestAsync: (url, options) =>
      send(url, { method: "POST", headers: options?.headers ?? {}, body: options?.body ?? "" })
  }
}

const app = (tenant: string) =>
  new ConfidentialClientApplication({
    auth: {
      clientId: SAMPLE.clientId,
      clientSecret: SAMPLE.clientSecret,
      authority: `https://login.microsoftonline.com/${tenant}`
    },
    system: { networkClient: networkClient() }
  })

beforeAll(async () => {
  sim = await MicrosoftSimulator.start({})
})

afterAll(async () => {
  await sim.stop()
})

describe("@azure/msal-node against the simulator", () => {
  it("acquires an app-only Graph token per customer tenant and caches it", async () => {
    requested.length = 0
    const client = app(SAMPLE.contoso)
    const result = await client.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] })
    expect(result?.accessToken).toBeDefined()
    expect(result?.tokenType).toBe("Bearer")
    const skus = await get(sim, "/v1.0/subscribedSkus", result?.accessToken)
    expect(skus.status).toBe(200)
    const cached = await client.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] })
    expect(cached?.accessToken).toBe(result?.accessToken)
    expect(sim.counters.tokenRequests(SAMPLE.contoso)).toBe(1)
    expect(requested).toEqual([`POST /${SAMPLE.contoso}/oauth2/v2.0/token`])
  })

  it("needs no metadata round trip for the public cloud, and the simulator serves the metadata documents for clients that ask", async () => {
    // msal-node 5 removed `skipAuthorityMetadataCache`: for login.microsoftonline.com MSAL uses its
    // built-in instance discovery and authority metadata, so the token request is the only call.
    requested.length = 0
    const client = app(SAMPLE.fabrikam)
    const result = await client.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] })
    expect(result?.accessToken).toBeDefined()
    expect(requested).toEqual([`POST /${SAMPLE.fabrikam}/oauth2/v2.0/token`])
    const openId = await get(sim, `/${SAMPLE.fabrikam}/v2.0/.well-known/openid-configuration`, undefined)
    expect(openId.status).toBe(200)
    expect(await openId.json()).toMatchObject({
      token_endpoint: expect.stringContaining(`/${SAMPLE.fabrikam}/oauth2/v2.0/token`)
    })
    const discovery = await get(
      sim,
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`https://login.microsoftonline.com/${SAMPLE.fabrikam}/oauth2/v2.0/authorize`)}`,
      undefined
    )
    expect(discovery.status).toBe(200)
    expect(await discovery.json()).toHaveProperty("metadata")
  })

  it("surfaces the simulator's Azure AD errors as MSAL server errors", async () => {
    sim.faults.revokeConsent(SAMPLE.tailspin)
    try {
      await expect(
        app(SAMPLE.tailspin).acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] })
      ).rejects.toMatchObject({
        errorCode: "unauthorized_client",
        errorMessage: expect.stringContaining("AADSTS700016")
      })
    } finally {
      sim.faults.restoreConsent(SAMPLE.tailspin)
    }
  })

  it("redeems the partner's refresh token for an App+User Partner Center token", async () => {
    const client = app(SAMPLE.partner)
    const result = await client.acquireTokenByRefreshToken({
      refreshToken: SAMPLE.refreshToken,
      scopes: ["https://api.partnercenter.microsoft.com/user_impersonation"]
    })
    expect(result?.account?.username).toBe("admin@adatumit.onmicrosoft.com")
    const skus = await get(sim, `/v1/customers/${SAMPLE.contoso}/subscribedskus`, result?.accessToken)
    expect(skus.status).toBe(200)
  })

  it("completes the consent flow: auth code URL, sign-in redirect, code redemption", async () => {
    const client = app("organizations")
    const redirectUri = "http://localhost:5173/auth/callback"
    const url = await client.getAuthCodeUrl({
      scopes: ["https://api.partnercenter.microsoft.com/user_impersonation"],
      redirectUri,
      state: "st"
    })
    expect(url.startsWith("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?")).toBe(true)
    const signIn = await fetch(url.replace("https://login.microsoftonline.com", sim.url), { redirect: "manual" })
    const location = new URL(signIn.headers.get("location") ?? "")
    const result = await client.acquireTokenByCode({
      code: location.searchParams.get("code") ?? "",
      scopes: ["https://api.partnercenter.microsoft.com/user_impersonation"],
      redirectUri
    })
    expect(result.accessToken).toBeDefined()
    expect(result.account?.tenantId).toBe(SAMPLE.partner)
    expect((await get(sim, "/v1/customers", result.accessToken)).status).toBe(200)
  })
})
