import { createHash } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { MicrosoftSimulator, type MicrosoftSimulatorHandle, sampleSeed } from "../src/simulator/index.js"
import {
  allPages,
  GRAPH_SCOPE,
  type GraphErrorBody,
  type GraphPage,
  get,
  graphToken,
  PARTNER_CENTER_SCOPE,
  partnerCenterAppToken,
  partnerCenterUserToken,
  postForm,
  requestToken,
  SAMPLE
} from "./simulatorClient.js"

interface TokenBody {
  readonly token_type?: string
  readonly access_token?: string
  readonly refresh_token?: string
  readonly expires_in?: number | string
  readonly resource?: string
  readonly error?: string
  readonly error_codes?: ReadonlyArray<number>
  readonly error_description?: string
  readonly id_token?: string
  readonly client_info?: string
  readonly scope?: string
}

interface PcCollection<T> {
  readonly totalCount: number
  readonly items: ReadonlyArray<T>
  readonly continuationToken?: string
  readonly links: {
    readonly self: { readonly uri: string }
    readonly next?: {
      readonly uri: string
      readonly headers: ReadonlyArray<{ readonly key: string; readonly value: string }>
    }
  }
  readonly attributes: { readonly objectType: string }
}

interface PcCustomer {
  readonly id: string
  readonly companyProfile: { readonly tenantId: string; readonly domain: string; readonly companyName: string }
  readonly relationshipToPartner: string
  readonly attributes: { readonly objectType: string }
}

interface PcError {
  readonly code: number
  readonly description: string
}

interface User {
  readonly id: string
  readonly displayName?: string
  readonly userPrincipalName?: string
  readonly accountEnabled?: boolean
  readonly userType?: string
  readonly assignedLicenses?: ReadonlyArray<{ readonly skuId: string }>
}

const json = async <T>(response: Response): Promise<T> => (await response.json()) as T

let sim: MicrosoftSimulatorHandle

beforeAll(async () => {
  sim = await MicrosoftSimulator.start({ partnerCenter: { defaultPageSize: 3 } })
})

afterAll(async () => {
  await sim.stop()
})

describe("identity platform", () => {
  it("issues an opaque app-only Graph token for a tenant named by id or by domain", async () => {
    const byId = await requestToken(sim, SAMPLE.contoso, { grant_type: "client_credentials", scope: GRAPH_SCOPE })
    expect(byId.status).toBe(200)
    const body = await json<TokenBody>(byId)
    expect(body.token_type).toBe("Bearer")
    expect(body.expires_in).toBe(3599)
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    const byDomain = await requestToken(sim, "fabrikam.com", { grant_type: "client_credentials", scope: GRAPH_SCOPE })
    const token = (await json<TokenBody>(byDomain)).access_token ?? ""
    const org = await json<GraphPage<{ id: string }>>(await get(sim, "/v1.0/organization", token))
    expect(org.value[0]?.id).toBe(SAMPLE.fabrikam)
  })

  it("answers with Azure AD error bodies", async () => {
    const cases: ReadonlyArray<[Response, number, string, number]> = [
      [
        await requestToken(sim, "00000000-0000-4000-8000-00000000dead", {
          grant_type: "client_credentials",
          scope: GRAPH_SCOPE
        }),
        400,
        "invalid_request",
        90002
      ],
      [
        await postForm(`${sim.url}/${SAMPLE.contoso}/oauth2/v2.0/token`, {
          grant_type: "client_credentials",
          client_id: "99999999-0000-4000-8000-000000000000",
          client_secret: "x",
          scope: GRAPH_SCOPE
        }),
        400,
        "unauthorized_client",
        700016
      ],
      [
        await requestToken(sim, SAMPLE.contoso, {
          grant_type: "client_credentials",
          scope: GRAPH_SCOPE,
          client_secret: "wrong"
        }),
        401,
        "invalid_client",
        7000215
      ],
      [
        await requestToken(sim, SAMPLE.contoso, {
          grant_type: "client_credentials",
          scope: "https://graph.microsoft.com/User.Read"
        }),
        400,
        "invalid_scope",
        1002012
      ],
      [
        await requestToken(sim, SAMPLE.contoso, {
          grant_type: "client_credentials",
          scope: "https://example.com/.default"
        }),
        400,
        "invalid_resource",
        500011
      ],
      [await requestToken(sim, SAMPLE.contoso, { scope: GRAPH_SCOPE }), 400, "invalid_request", 900144],
      [
        await requestToken(sim, "common", { grant_type: "client_credentials", scope: GRAPH_SCOPE }),
        400,
        "invalid_request",
        50059
      ],
      [await requestToken(sim, SAMPLE.partner, { grant_type: "password" }), 400, "unsupported_grant_type", 70003],
      [
        await requestToken(sim, SAMPLE.partner, { grant_type: "refresh_token", refresh_token: "nope" }),
        400,
        "invalid_grant",
        9002313
      ]
    ]
    for (const [response, status, error, code] of cases) {
      const body = await json<TokenBody>(response)
      expect([response.status, body.error, body.error_codes]).toEqual([status, error, [code]])
      expect(body.error_description).toMatch(new RegExp(`^AADSTS${code}: `))
    }
  })

  it("accepts client credentials in a Basic header and serves the v1 endpoint with string numbers", async () => {
    const response = await fetch(`${sim.url}/${SAMPLE.partner}/oauth2/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${SAMPLE.clientId}:${SAMPLE.clientSecret}`).toString("base64")}`
      },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        resource: "https://api.partnercenter.microsoft.com"
      }).toString()
    })
    const body = await json<TokenBody>(response)
    expect(response.status).toBe(200)
    expect(body.expires_in).toBe("3599")
    expect(body.resource).toBe("https://api.partnercenter.microsoft.com")
    const customers = await get(sim, "/v1/customers", body.access_token)
    expect(customers.status).toBe(200)
  })

  it("redeems a refresh token for App+User tokens and rotates it", async () => {
    const response = await requestToken(sim, SAMPLE.partner, {
      grant_type: "refresh_token",
      refresh_token: SAMPLE.refreshToken,
      scope: "https://api.partnercenter.microsoft.com/user_impersonation offline_access openid profile",
      client_info: "1"
    })
    const body = await json<TokenBody>(response)
    expect(response.status).toBe(200)
    expect(body.scope).toBe("https://api.partnercenter.microsoft.com/user_impersonation")
    expect(body.refresh_token).toBeDefined()
    expect(body.refresh_token).not.toBe(SAMPLE.refreshToken)
    const claims = JSON.parse(Buffer.from(body.id_token?.split(".")[1] ?? "", "base64url").toString("utf8"))
    expect(claims.tid).toBe(SAMPLE.partner)
    expect(claims.preferred_username).toBe("admin@adatumit.onmicrosoft.com")
    expect(JSON.parse(Buffer.from(body.client_info ?? "", "base64url").toString("utf8")).utid).toBe(SAMPLE.partner)
    const rotated = await requestToken(sim, SAMPLE.partner, {
      grant_type: "refresh_token",
      refresh_token: body.refresh_token ?? "",
      scope: "https://api.partnercenter.microsoft.com/.default"
    })
    expect(rotated.status).toBe(200)
    const mixed = await requestToken(sim, SAMPLE.partner, {
      grant_type: "refresh_token",
      refresh_token: SAMPLE.refreshToken,
      scope: `${GRAPH_SCOPE} ${PARTNER_CENTER_SCOPE}`
    })
    expect((await json<TokenBody>(mixed)).error_codes).toEqual([28000])
  })

  it("serves the OpenID metadata and instance discovery MSAL may fetch, naming login.microsoftonline.com", async () => {
    const config = await json<Record<string, string>>(
      await get(sim, `/contoso.com/v2.0/.well-known/openid-configuration`, undefined)
    )
    expect(config.token_endpoint).toBe(`https://login.microsoftonline.com/${SAMPLE.contoso}/oauth2/v2.0/token`)
    expect(config.issuer).toBe(`https://login.microsoftonline.com/${SAMPLE.contoso}/v2.0`)
    expect(config.jwks_uri).toBe(`https://login.microsoftonline.com/${SAMPLE.contoso}/discovery/v2.0/keys`)
    const common = await json<Record<string, string>>(
      await get(sim, "/organizations/v2.0/.well-known/openid-configuration", undefined)
    )
    expect(common.issuer).toBe("https://login.microsoftonline.com/{tenantid}/v2.0")
    const endpoint = encodeURIComponent(`https://login.microsoftonline.com/${SAMPLE.partner}/oauth2/v2.0/authorize`)
    const discovery = await json<{
      tenant_discovery_endpoint: string
      metadata: ReadonlyArray<{ preferred_network: string }>
    }>(await get(sim, `/common/discovery/instance?api-version=1.1&authorization_endpoint=${endpoint}`, undefined))
    expect(discovery.tenant_discovery_endpoint).toBe(
      `https://login.microsoftonline.com/${SAMPLE.partner}/v2.0/.well-known/openid-configuration`
    )
    expect(discovery.metadata[0]?.preferred_network).toBe("login.microsoftonline.com")
    const unknown = await get(sim, "/nowhere.example/v2.0/.well-known/openid-configuration", undefined)
    expect(unknown.status).toBe(400)
  })

  it("runs the authorization-code flow with PKCE, once per code", async () => {
    const verifier = "a-code-verifier-that-is-long-enough-for-pkce-0123456789"
    const challenge = createHash("sha256").update(verifier).digest("base64url")
    const redirectUri = "http://localhost:5000/callback"
    const query = new URLSearchParams({
      client_id: SAMPLE.clientId,
      response_type: "code",
      redirect_uri: redirectUri,
      scope: "https://api.partnercenter.microsoft.com/user_impersonation offline_access openid",
      state: "xyz",
      nonce: "n-123",
      code_challenge: challenge,
      code_challenge_method: "S256"
    })
    const authorize = await fetch(`${sim.url}/organizations/oauth2/v2.0/authorize?${query}`, { redirect: "manual" })
    expect(authorize.status).toBe(302)
    const location = new URL(authorize.headers.get("location") ?? "")
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri)
    expect(location.searchParams.get("state")).toBe("xyz")
    const code = location.searchParams.get("code") ?? ""
    const wrongVerifier = await requestToken(sim, "organizations", {
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      code_verifier: "wrong"
    })
    expect((await json<TokenBody>(wrongVerifier)).error_codes).toEqual([501481])
    const redeemed = await requestToken(sim, "organizations", {
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier
    })
    const body = await json<TokenBody>(redeemed)
    expect(redeemed.status).toBe(200)
    expect(JSON.parse(Buffer.from(body.id_token?.split(".")[1] ?? "", "base64url").toString("utf8")).nonce).toBe(
      "n-123"
    )
    const customers = await get(sim, "/v1/customers", body.access_token)
    expect(customers.status).toBe(200)
    const again = await requestToken(sim, "organizations", {
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier
    })
    expect((await json<TokenBody>(again)).error_codes).toEqual([54005])
  })
})

describe("authentication on the APIs", () => {
  it("rejects Graph calls without a token, with a garbage token, and with a Partner Center token", async () => {
    const pc = await partnerCenterAppToken(sim)
    for (const [token, message] of [
      [undefined, "Access token is empty."],
      ["garbage", "CompactToken parsing failed with error code: 80049217"],
      [pc, "Access token validation failure. Invalid audience."]
    ] as const) {
      const response = await get(sim, "/v1.0/subscribedSkus", token, { "client-request-id": "abc-123" })
      const body = await json<GraphErrorBody>(response)
      expect(response.status).toBe(401)
      expect(body.error.code).toBe("InvalidAuthenticationToken")
      expect(body.error.message).toBe(message)
      expect(body.error.innerError["client-request-id"]).toBe("abc-123")
      expect(body.error.innerError["request-id"]).toBe(response.headers.get("request-id"))
      expect(body.error.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/)
      expect(response.headers.get("www-authenticate")).toContain("Bearer")
    }
  })

  it("rejects expired tokens on Graph and Partner Center", async () => {
    const other = await MicrosoftSimulator.start({})
    try {
      const graph = await graphToken(other, SAMPLE.contoso)
      const pc = await partnerCenterAppToken(other)
      expect((await get(other, "/v1.0/subscribedSkus", graph)).status).toBe(200)
      other.clock.advance(3600 * 1000)
      const expired = await get(other, "/v1.0/subscribedSkus", graph)
      expect(expired.status).toBe(401)
      expect((await json<GraphErrorBody>(expired)).error.message).toBe(
        "Lifetime validation failed, the token is expired."
      )
      const pcExpired = await get(other, "/v1/customers", pc)
      expect(pcExpired.status).toBe(401)
      expect((await json<PcError>(pcExpired)).description).toMatch(/expired/)
      const fresh = await graphToken(other, SAMPLE.contoso)
      expect((await get(other, "/v1.0/subscribedSkus", fresh)).status).toBe(200)
      expect(other.tokens.expireAccessTokens()).toBe(1)
      expect((await get(other, "/v1.0/subscribedSkus", fresh)).status).toBe(401)
    } finally {
      await other.stop()
    }
  })

  it("serves each token only its own tenant: Graph data follows the token, other tenants' objects are not found", async () => {
    const fabrikam = await graphToken(sim, SAMPLE.fabrikam)
    const skus = await json<GraphPage<{ skuPartNumber: string }>>(await get(sim, "/v1.0/subscribedSkus", fabrikam))
    expect(skus.value.map((s) => s.skuPartNumber)).toEqual(["O365_BUSINESS_PREMIUM", "POWER_BI_PRO", "AAD_PREMIUM"])
    expect((await get(sim, `/v1.0/organization/${SAMPLE.contoso}`, fabrikam)).status).toBe(404)
    expect((await get(sim, "/v1.0/users/adele.vance@contoso.com", fabrikam)).status).toBe(404)
    expect(sim.counters.get("GET /v1.0/subscribedSkus", { tenantId: SAMPLE.fabrikam })).toBeGreaterThanOrEqual(1)
  })

  it("rejects Partner Center calls with a token issued in a customer tenant or for Graph", async () => {
    const customerPc = await requestToken(sim, SAMPLE.contoso, {
      grant_type: "client_credentials",
      scope: PARTNER_CENTER_SCOPE
    })
    const wrongTenant = await get(sim, "/v1/customers", (await json<TokenBody>(customerPc)).access_token)
    expect(wrongTenant.status).toBe(401)
    expect((await json<PcError>(wrongTenant)).description).toContain(SAMPLE.contoso)
    const graph = await get(sim, "/v1/customers", await graphToken(sim, SAMPLE.contoso))
    expect(graph.status).toBe(401)
    const none = await get(sim, "/v1/customers", undefined)
    expect(none.status).toBe(401)
    expect(none.headers.get("www-authenticate")).toContain("OAuth")
  })
})

describe("Partner Center", () => {
  it("pages customers with continuation tokens (links.next headers and the top-level token agree)", async () => {
    const token = await partnerCenterAppToken(sim)
    const first = await get(sim, "/v1/customers?size=2", token, {
      "MS-CorrelationId": "corr-1",
      "MS-RequestId": "req-1"
    })
    expect(first.headers.get("ms-correlationid")).toBe("corr-1")
    expect(first.headers.get("ms-requestid")).toBe("req-1")
    const page1 = await json<PcCollection<PcCustomer>>(first)
    expect(page1.totalCount).toBe(2)
    expect(page1.attributes.objectType).toBe("Collection")
    expect(page1.links.next?.uri).toBe("/customers?seekOperation=Next")
    expect(page1.links.next?.headers).toEqual([{ key: "MS-ContinuationToken", value: page1.continuationToken }])
    const page2 = await json<PcCollection<PcCustomer>>(
      await get(sim, "/v1/customers?seekOperation=Next", token, {
        "MS-ContinuationToken": page1.continuationToken ?? ""
      })
    )
    expect(page2.continuationToken).toBeUndefined()
    expect(page2.links.next).toBeUndefined()
    expect([...page1.items, ...page2.items].map((c) => c.id)).toEqual([
      SAMPLE.contoso,
      SAMPLE.fabrikam,
      SAMPLE.northwind,
      SAMPLE.tailspin
    ])
    const customer = page1.items[0]
    expect(customer?.companyProfile).toMatchObject({
      tenantId: SAMPLE.contoso,
      domain: "contoso.onmicrosoft.com",
      companyName: "Contoso Ltd"
    })
    expect(customer?.relationshipToPartner).toBe("reseller")
    expect(customer?.attributes.objectType).toBe("Customer")
  })

  it("uses the configured default page size and rejects bad continuation tokens", async () => {
    const token = await partnerCenterAppToken(sim)
    const page = await json<PcCollection<PcCustomer>>(await get(sim, "/v1/customers", token))
    expect(page.items).toHaveLength(3)
    expect(page.continuationToken).toBeDefined()
    const missing = await get(sim, "/v1/customers?seekOperation=Next", token)
    expect(missing.status).toBe(400)
    expect(await json<PcError>(missing)).toMatchObject({ code: 3000 })
    const bogus = await get(sim, "/v1/customers?seekOperation=Next", token, { "MS-ContinuationToken": "bogus" })
    expect(bogus.status).toBe(400)
    expect((await get(sim, "/v1/customers?size=abc", token)).status).toBe(400)
  })

  it("filters customers by company name or domain prefix, case-insensitively", async () => {
    const token = await partnerCenterAppToken(sim)
    const byName = encodeURIComponent(JSON.stringify({ Field: "CompanyName", Value: "NORTH", Operator: "starts_with" }))
    const names = await json<PcCollection<PcCustomer>>(await get(sim, `/v1/customers?size=0&filter=${byName}`, token))
    expect(names.items.map((c) => c.companyProfile.companyName)).toEqual(["Northwind Traders"])
    const byDomain = encodeURIComponent(JSON.stringify({ Field: "Domain", Value: "tailspin", Operator: "starts_with" }))
    const domains = await json<PcCollection<PcCustomer>>(await get(sim, `/v1/customers?filter=${byDomain}`, token))
    expect(domains.items.map((c) => c.id)).toEqual([SAMPLE.tailspin])
    const bad = encodeURIComponent(JSON.stringify({ Field: "CompanyName", Value: "x", Operator: "contains" }))
    expect((await get(sim, `/v1/customers?filter=${bad}`, token)).status).toBe(400)
  })

  it("lists a customer's subscriptions in the NCE shape with lower-case enums", async () => {
    const token = await partnerCenterAppToken(sim)
    const response = await get(sim, `/v1/customers/${SAMPLE.contoso}/subscriptions`, token)
    const body = await json<PcCollection<Record<string, unknown>>>(response)
    expect(body.totalCount).toBe(3)
    const annual = body.items[0]
    expect(annual).toMatchObject({
      id: "6b1d3c2a-1001-4a5b-8c6d-000000000001",
      offerId: "CFQ7TTC0LCHC:0002:CFQ7TTC0LM6F",
      offerName: "Microsoft 365 Business Premium",
      quantity: 20,
      status: "active",
      billingCycle: "monthly",
      termDuration: "P1Y",
      isTrial: false,
      autoRenewEnabled: true,
      creationDate: "2026-03-01T00:00:00Z",
      effectiveStartDate: "2026-03-01T00:00:00Z",
      commitmentEndDate: "2027-02-28T00:00:00Z",
      productType: { id: "OnlineServicesNCE", displayName: "OnlineServicesNCE" },
      unitType: "Licenses",
      links: { sku: { uri: "/products/CFQ7TTC0LCHC/skus/0002?country=US" } },
      attributes: { objectType: "Subscription" }
    })
    expect(annual).not.toHaveProperty("skuId")
    const fabrikam = await json<PcCollection<Record<string, unknown>>>(
      await get(sim, `/v1/customers/${SAMPLE.fabrikam}/subscriptions`, token)
    )
    expect(fabrikam.items.map((s) => [s.offerName, s.isTrial, s.billingCycle])).toEqual([
      ["Microsoft 365 Business Standard", false, "annual"],
      ["Power BI Pro Trial", true, "monthly"],
      ["Microsoft Entra ID P1", false, "monthly"]
    ])
    const northwind = await json<PcCollection<Record<string, unknown>>>(
      await get(sim, `/v1/customers/${SAMPLE.northwind}/subscriptions`, token)
    )
    expect(northwind.items.map((s) => s.status)).toEqual(["active", "suspended"])
    const one = await get(
      sim,
      `/v1/customers/${SAMPLE.contoso}/subscriptions/6b1d3c2a-1001-4a5b-8c6d-000000000002`,
      token
    )
    expect(await json<Record<string, unknown>>(one)).toMatchObject({ quantity: 5, termDuration: "P1M" })
  })

  it("answers unknown customers and subscriptions with Partner Center error codes", async () => {
    const token = await partnerCenterAppToken(sim)
    const unknownSub = await get(
      sim,
      `/v1/customers/${SAMPLE.contoso}/subscriptions/00000000-0000-4000-8000-000000000000`,
      token
    )
    expect([unknownSub.status, (await json<PcError>(unknownSub)).code]).toEqual([404, 20003])
    const unknownCustomer = await get(sim, "/v1/customers/00000000-0000-4000-8000-000000000000/subscriptions", token)
    expect([unknownCustomer.status, (await json<PcError>(unknownCustomer)).code]).toEqual([404, 60003])
    const self = await get(sim, `/v1/customers/${SAMPLE.partner}/subscriptions`, token)
    expect([self.status, (await json<PcError>(self)).code]).toEqual([403, 20002])
  })

  it("serves subscribed SKUs to App+User tokens only, with the unit invariants", async () => {
    const appOnly = await get(sim, `/v1/customers/${SAMPLE.fabrikam}/subscribedskus`, await partnerCenterAppToken(sim))
    expect(appOnly.status).toBe(401)
    const user = await partnerCenterUserToken(sim)
    const response = await get(sim, `/v1/customers/${SAMPLE.fabrikam}/subscribedskus`, user)
    const body = await json<PcCollection<Record<string, unknown> & { productSku: Record<string, unknown> }>>(response)
    expect(response.status).toBe(200)
    const entra = body.items.find((s) => s.productSku.skuPartNumber === "AAD_PREMIUM")
    expect(entra).toMatchObject({
      activeUnits: 3,
      warningUnits: 2,
      totalUnits: 5,
      consumedUnits: 4,
      availableUnits: 1,
      suspendedUnits: 0,
      capabilityStatus: "Enabled",
      productSku: { id: SAMPLE.sku.AAD_PREMIUM, targetType: "User", licenseGroupId: "group1" }
    })
    for (const sku of body.items) {
      expect(sku.availableUnits).toBe(Number(sku.totalUnits) - Number(sku.consumedUnits))
      expect(sku.totalUnits).toBe(Number(sku.activeUnits) + Number(sku.warningUnits))
    }
    const northwind = await json<PcCollection<Record<string, unknown>>>(
      await get(sim, `/v1/customers/${SAMPLE.northwind}/subscribedskus`, user)
    )
    expect(northwind.items[1]).toMatchObject({ activeUnits: 0, suspendedUnits: 2, capabilityStatus: "Suspended" })
  })

  it("rejects App+User calls without MFA with 900421", async () => {
    const other = await MicrosoftSimulator.start({})
    try {
      other.world.setPartnerAdminMfa(false)
      const response = await get(other, "/v1/customers", await partnerCenterUserToken(other))
      expect([response.status, (await json<PcError>(response)).code]).toEqual([401, 900421])
    } finally {
      await other.stop()
    }
  })

  it("shows legacy subscriptions in the legacy shape", async () => {
    const other = await MicrosoftSimulator.start({})
    try {
      const legacy = other.world.addSubscription(SAMPLE.tailspin, {
        skuId: SAMPLE.sku.ENTERPRISEPACK,
        kind: "legacy",
        offerId: "796B6B5F-613C-4E24-A17C-EBA730D49C02",
        offerName: "Office 365 Enterprise E3",
        quantity: 2,
        billingCycle: "monthly",
        termDuration: "P1M",
        effectiveStartDate: "2019-05-01",
        commitmentEndDate: "9999-12-31"
      })
      const response = await get(
        other,
        `/v1/customers/${SAMPLE.tailspin}/subscriptions/${legacy.id}`,
        await partnerCenterAppToken(other)
      )
      const body = await json<Record<string, unknown>>(response)
      expect(body).not.toHaveProperty("productType")
      expect(body).toMatchObject({
        offerId: "796B6B5F-613C-4E24-A17C-EBA730D49C02",
        commitmentEndDate: "9999-12-31T00:00:00Z",
        links: { offer: { uri: "/offers/796B6B5F-613C-4E24-A17C-EBA730D49C02?country=US" } }
      })
    } finally {
      await other.stop()
    }
  })
})

describe("Graph", () => {
  let contoso: string
  const eventual = { ConsistencyLevel: "eventual" }

  beforeAll(async () => {
    contoso = await graphToken(sim, SAMPLE.contoso)
  })

  it("lists subscribedSkus with prepaid and consumed units and supports only $select", async () => {
    const response = await get(sim, "/v1.0/subscribedSkus", contoso)
    expect(response.headers.get("content-type")).toContain("application/json")
    expect(response.headers.get("x-ms-resource-unit")).toBe("3")
    const body = await json<GraphPage<Record<string, unknown>>>(response)
    expect(body["@odata.context"]).toBe("https://graph.microsoft.com/v1.0/$metadata#subscribedSkus")
    expect(body.value[0]).toMatchObject({
      id: `${SAMPLE.contoso}_${SAMPLE.sku.SPB}`,
      skuId: SAMPLE.sku.SPB,
      skuPartNumber: "SPB",
      appliesTo: "User",
      capabilityStatus: "Enabled",
      consumedUnits: 22,
      prepaidUnits: { enabled: 25, suspended: 0, warning: 0, lockedOut: 0 },
      subscriptionIds: ["6b1d3c2a-1001-4a5b-8c6d-000000000001", "6b1d3c2a-1001-4a5b-8c6d-000000000002"]
    })
    const selected = await json<GraphPage<Record<string, unknown>>>(
      await get(sim, "/v1.0/subscribedSkus?$select=skuPartNumber,consumedUnits", contoso)
    )
    expect(selected.value.map((s) => Object.keys(s).sort())).toEqual([
      ["consumedUnits", "skuPartNumber"],
      ["consumedUnits", "skuPartNumber"],
      ["consumedUnits", "skuPartNumber"]
    ])
    const filtered = await get(sim, "/v1.0/subscribedSkus?$filter=skuPartNumber eq 'SPB'", contoso)
    expect(filtered.status).toBe(400)
    const northwind = await json<GraphPage<Record<string, unknown>>>(
      await get(sim, "/v1.0/subscribedSkus", await graphToken(sim, SAMPLE.northwind))
    )
    expect(northwind.value[1]).toMatchObject({
      capabilityStatus: "Suspended",
      prepaidUnits: { enabled: 0, suspended: 2 }
    })
  })

  it("lists directory subscriptions that link to Partner Center subscription ids", async () => {
    const body = await json<GraphPage<Record<string, unknown>>>(
      await get(sim, "/v1.0/directory/subscriptions", contoso)
    )
    expect(body.value.map((s) => [s.skuPartNumber, s.commerceSubscriptionId, s.totalLicenses, s.status])).toEqual([
      ["SPB", "6b1d3c2a-1001-4a5b-8c6d-000000000001", 20, "Enabled"],
      ["SPB", "6b1d3c2a-1001-4a5b-8c6d-000000000002", 5, "Enabled"],
      ["EXCHANGESTANDARD", "6b1d3c2a-1001-4a5b-8c6d-000000000003", 3, "Enabled"],
      ["FLOW_FREE", expect.any(String), 10000, "Enabled"]
    ])
    const byKey = await get(
      sim,
      "/v1.0/directory/subscriptions(commerceSubscriptionId='6b1d3c2a-1001-4a5b-8c6d-000000000003')?$select=skuId,totalLicenses",
      contoso
    )
    expect(await json<Record<string, unknown>>(byKey)).toMatchObject({
      skuId: SAMPLE.sku.EXCHANGESTANDARD,
      totalLicenses: 3
    })
  })

  it("pages users with $top and @odata.nextLink, keeping $select on every page", async () => {
    const pages = await allPages<User>(sim, "/v1.0/users?$select=id,userPrincipalName&$top=5", contoso)
    expect(pages.map((p) => p.value.length)).toEqual([5, 5, 5, 5, 5, 4])
    const ids = pages.flatMap((p) => p.value.map((u) => u.id))
    expect(new Set(ids).size).toBe(29)
    for (const page of pages) {
      for (const user of page.value) expect(Object.keys(user).sort()).toEqual(["id", "userPrincipalName"])
    }
    const nextLink = pages[0]?.["@odata.nextLink"] ?? ""
    expect(nextLink.startsWith(`${sim.url}/v1.0/users?`)).toBe(true)
    expect(nextLink).toContain("$skiptoken=")
    expect(nextLink).toContain("$select=id%2CuserPrincipalName")
    const all = await json<GraphPage<User>>(await get(sim, "/v1.0/users", contoso))
    expect(all.value).toHaveLength(29)
    expect(all["@odata.nextLink"]).toBeUndefined()
    expect(Object.keys(all.value[0] ?? {})).toContain("userPrincipalName")
    expect(Object.keys(all.value[0] ?? {})).not.toContain("accountEnabled")
  })

  it("filters users on accountEnabled, userType and assigned licenses", async () => {
    const enabledMembers = await allPages<User>(
      sim,
      "/v1.0/users?$filter=accountEnabled eq true and userType eq 'Member'&$select=id,accountEnabled,userType",
      contoso
    )
    const users = enabledMembers.flatMap((p) => p.value)
    expect(users).toHaveLength(25)
    expect(users.every((u) => u.accountEnabled === true && u.userType === "Member")).toBe(true)
    const spb = await allPages<User>(
      sim,
      `/v1.0/users?$select=id,assignedLicenses&$filter=assignedLicenses/any(x:x/skuId eq ${SAMPLE.sku.SPB})&$top=999`,
      contoso
    )
    expect(spb.flatMap((p) => p.value)).toHaveLength(22)
    const guests = await json<GraphPage<User>>(await get(sim, "/v1.0/users?$filter=userType eq 'Guest'", contoso))
    expect(guests.value.map((u) => u.displayName)).toEqual(["Jamie Reding (Fabrikam)"])
  })

  it("enforces the advanced-query rules for $count, ne, endsWith and nextLinks", async () => {
    const noHeader = await get(sim, "/v1.0/users?$count=true", contoso)
    expect([noHeader.status, (await json<GraphErrorBody>(noHeader)).error.code]).toEqual([400, "Request_BadRequest"])
    const ne = await get(sim, "/v1.0/users?$filter=userType ne 'Guest'", contoso)
    expect([ne.status, (await json<GraphErrorBody>(ne)).error.code]).toEqual([400, "Request_UnsupportedQuery"])
    const neWithHeaderOnly = await get(sim, "/v1.0/users?$filter=userType ne 'Guest'", contoso, eventual)
    expect(neWithHeaderOnly.status).toBe(400)
    const counted = await get(sim, "/v1.0/users?$filter=userType ne 'Guest'&$count=true&$top=10", contoso, eventual)
    const first = await json<GraphPage<User>>(counted)
    expect(first["@odata.count"]).toBe(28)
    const nextLink = first["@odata.nextLink"] ?? ""
    const withoutHeader = await get(sim, nextLink, contoso)
    expect(withoutHeader.status).toBe(400)
    const second = await json<GraphPage<User>>(await get(sim, nextLink, contoso, eventual))
    expect(second.value).toHaveLength(10)
    expect(second["@odata.count"]).toBeUndefined()
    const domain = await json<GraphPage<User>>(
      await get(
        sim,
        "/v1.0/users?$filter=endsWith(userPrincipalName,'@contoso.com')&$count=true&$select=id",
        contoso,
        eventual
      )
    )
    expect(domain["@odata.count"]).toBe(28)
  })

  it("rejects bad query options the way Graph does", async () => {
    const cases: ReadonlyArray<[string, number, string]> = [
      ["/v1.0/users?$top=1000", 400, "Request_BadRequest"],
      ["/v1.0/users?$top=0", 400, "Request_BadRequest"],
      ["/v1.0/users?$skip=10", 400, "Request_BadRequest"],
      ["/v1.0/users?$select=id,shoeSize", 400, "Request_BadRequest"],
      ["/v1.0/users?$filter=shoeSize eq 42", 400, "Request_UnsupportedQuery"],
      ["/v1.0/users?$filter=accountEnabled eq", 400, "Request_BadRequest"],
      ["/v1.0/users?$skiptoken=stale", 400, "Directory_ExpiredPageToken"],
      ["/v1.0/users/nobody@contoso.com", 404, "Request_ResourceNotFound"],
      ["/v1.0/widgets", 400, "BadRequest"]
    ]
    for (const [path, status, code] of cases) {
      const response = await get(sim, path, contoso)
      expect([path, response.status, (await json<GraphErrorBody>(response)).error.code]).toEqual([path, status, code])
    }
  })

  it("counts users, devices and (transitive) group members as text/plain with ConsistencyLevel: eventual", async () => {
    const count = async (path: string) => {
      const response = await get(sim, path, contoso, eventual)
      expect(response.headers.get("content-type")).toContain("text/plain")
      return Number(await response.text())
    }
    expect(await count("/v1.0/users/$count")).toBe(29)
    expect(await count("/v1.0/users/$count?$filter=accountEnabled eq true and userType eq 'Member'")).toBe(25)
    expect(await count("/v1.0/devices/$count")).toBe(18)
    const withoutHeader = await get(sim, "/v1.0/devices/$count", contoso)
    expect(withoutHeader.status).toBe(400)
    const devices = await json<GraphPage<unknown>>(
      await get(sim, "/v1.0/devices?$count=true&$top=1", contoso, eventual)
    )
    expect([devices["@odata.count"], devices.value.length]).toEqual([18, 1])
    const groups = await json<GraphPage<{ id: string }>>(
      await get(sim, "/v1.0/groups?$filter=displayName eq 'All Staff'&$select=id,displayName", contoso)
    )
    const allStaff = groups.value[0]?.id
    expect(allStaff).toBeDefined()
    expect(await count(`/v1.0/groups/${allStaff}/members/$count`)).toBe(21)
    expect(await count(`/v1.0/groups/${allStaff}/transitiveMembers/$count`)).toBe(24)
    expect(await count(`/v1.0/groups/${allStaff}/transitiveMembers/microsoft.graph.user/$count`)).toBe(23)
    expect(await count(`/v1.0/groups/${allStaff}/members/microsoft.graph.group/$count`)).toBe(1)
    const members = await allPages<Record<string, unknown>>(
      sim,
      `/v1.0/groups/${allStaff}/transitiveMembers?$top=10`,
      contoso
    )
    const types = members.flatMap((p) => p.value.map((m) => m["@odata.type"]))
    expect(types.filter((t) => t === "#microsoft.graph.user")).toHaveLength(23)
    expect(types.filter((t) => t === "#microsoft.graph.group")).toHaveLength(1)
    const transitiveCost = await get(sim, `/v1.0/groups/${allStaff}/transitiveMembers`, contoso)
    expect(transitiveCost.headers.get("x-ms-resource-unit")).toBe("5")
  })

  it("serves the mailbox usage report as a 302 to a CSV with a BOM and a Recipient Type column", async () => {
    const response = await get(sim, "/v1.0/reports/getMailboxUsageDetail(period='D7')", contoso)
    expect(response.status).toBe(200)
    const redirect = await fetch(`${sim.url}/v1.0/reports/getMailboxUsageDetail(period='D30')`, {
      headers: { authorization: `Bearer ${contoso}` },
      redirect: "manual"
    })
    expect(redirect.status).toBe(302)
    const location = redirect.headers.get("location") ?? ""
    expect(location.startsWith(`${sim.url}/`)).toBe(true)
    const download = await fetch(location)
    expect(download.headers.get("content-type")).toBe("application/octet-stream")
    const bytes = new Uint8Array(await download.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = new TextDecoder()
      .decode(bytes)
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n")
    const header = lines[0]?.split(",") ?? []
    expect(header[header.length - 2]).toBe("Recipient Type")
    expect(header[0]).toBe("Report Refresh Date")
    const types = lines.slice(1).map((line) => line.split(",")[header.length - 2])
    expect(types.filter((t) => t === "UserMailbox")).toHaveLength(25)
    expect(types.filter((t) => t === "SharedMailbox")).toHaveLength(2)
    expect(lines.slice(1).every((line) => line.endsWith(",30"))).toBe(true)
    const etag = redirect.headers.get("etag") ?? ""
    const notModified = await fetch(`${sim.url}/v1.0/reports/getMailboxUsageDetail(period='D30')`, {
      headers: { authorization: `Bearer ${contoso}`, "if-none-match": etag },
      redirect: "manual"
    })
    expect(notModified.status).toBe(304)
    const badPeriod = await get(sim, "/v1.0/reports/getMailboxUsageDetail(period='D8')", contoso)
    expect(badPeriod.status).toBe(400)
  })

  it("serves the beta JSON report with paging and conceals names when the tenant says so", async () => {
    const path = "/beta/reports/getMailboxUsageDetail(period='D7')?$format=application/json&$top=20"
    const pages = await allPages<Record<string, unknown>>(sim, path, contoso)
    expect(pages.map((p) => p.value.length)).toEqual([20, 7])
    expect(pages[0]?.value[0]).toMatchObject({
      userPrincipalName: "adele.vance@contoso.com",
      recipientType: "UserMailbox",
      isDeleted: false
    })
    const other = await MicrosoftSimulator.start({})
    try {
      other.world.setDisplayConcealedNames(SAMPLE.contoso, true)
      const token = await graphToken(other, SAMPLE.contoso)
      const concealed = await json<GraphPage<{ userPrincipalName: string }>>(await get(other, path, token))
      expect(concealed.value[0]?.userPrincipalName).toMatch(/^[0-9A-F]{32}$/)
      const settings = await json<{ displayConcealedNames: boolean }>(
        await get(other, "/v1.0/admin/reportSettings", token)
      )
      expect(settings.displayConcealedNames).toBe(true)
    } finally {
      await other.stop()
    }
  })

  it("runs $batch requests with per-item status, dependsOn and limits", async () => {
    const post = (body: unknown) =>
      fetch(`${sim.url}/v1.0/$batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${contoso}`, "content-type": "application/json" },
        body: JSON.stringify(body)
      })
    const response = await post({
      requests: [
        { id: "skus", method: "GET", url: "/subscribedSkus?$select=skuPartNumber,consumedUnits" },
        { id: "count", method: "GET", url: "/users/$count", headers: { ConsistencyLevel: "eventual" } },
        { id: "nocount", method: "GET", url: "devices/$count" },
        { id: "after", method: "GET", url: "/organization", dependsOn: ["nocount"] }
      ]
    })
    expect(response.status).toBe(200)
    const body = await json<{
      responses: ReadonlyArray<{ id: string; status: number; headers: Record<string, string>; body?: unknown }>
    }>(response)
    expect(body.responses.map((r) => r.id)).toEqual(["after", "nocount", "count", "skus"])
    const byId = new Map(body.responses.map((r) => [r.id, r]))
    expect(byId.get("skus")?.status).toBe(200)
    const skus = (byId.get("skus")?.body ?? { value: [] }) as GraphPage<{ skuPartNumber: string }>
    expect(skus.value.map((s) => s.skuPartNumber)).toEqual(["SPB", "EXCHANGESTANDARD", "FLOW_FREE"])
    // Graph base64-encodes non-JSON inner bodies: "29" as text/plain is "Mjk=".
    expect(byId.get("count")).toMatchObject({ status: 200, body: "Mjk=" })
    expect(byId.get("count")?.headers["Content-Type"]).toMatch(/^text\/plain/)
    expect(byId.get("nocount")?.status).toBe(400)
    expect(byId.get("after")?.status).toBe(424)
    expect(sim.counters.requests().some((r) => r.viaBatch && r.route === "GET /v1.0/users/$count")).toBe(true)
    const tooMany = await post({
      requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/organization" }))
    })
    expect(tooMany.status).toBe(400)
    const duplicate = await post({
      requests: [
        { id: "1", method: "GET", url: "/organization" },
        { id: "1", method: "GET", url: "/organization" }
      ]
    })
    expect(duplicate.status).toBe(400)
    const noContentType = await post({
      requests: [{ id: "1", method: "PATCH", url: "/admin/reportSettings", body: {} }]
    })
    expect(noContentType.status).toBe(400)
  })
})

describe("as a scoped Effect resource", () => {
  it.scoped("starts, serves and stops with the scope", () =>
    Effect.gen(function* () {
      const scoped = yield* MicrosoftSimulator.scoped({ partnerCenter: { defaultPageSize: 1 } })
      const token = yield* Effect.promise(() => partnerCenterAppToken(scoped))
      const page = yield* Effect.promise(async () =>
        json<PcCollection<PcCustomer>>(await get(scoped, "/v1/customers", token))
      )
      expect(page.items).toHaveLength(1)
    })
  )

  it.scoped("fails with SeedError for a bad seed", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(MicrosoftSimulator.scoped({ seed: { ...sampleSeed(), apps: [] } as never }))
      expect(error._tag).toBe("SeedError")
      expect(error.message).toContain("apps[0]")
    })
  )
})
