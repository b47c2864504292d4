/** Small fetch helpers for the simulator tests (a test client, not the adapter). */
import type { MicrosoftSimulatorHandle } from "../src/simulator/index.js"

export const SAMPLE = {
  partner: "a0a0a0a0-0000-4000-8000-000000000001",
  clientId: "c0c0c0c0-0000-4000-8000-000000000001",
  clientSecret: "seatsync-sim-secret",
  refreshToken: "seatsync-sample-refresh-token",
  contoso: "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f01",
  fabrikam: "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f02",
  northwind: "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f03",
  tailspin: "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f04",
  sku: {
    SPB: "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46",
    EXCHANGESTANDARD: "4b9405b0-7788-4568-add1-99614e613b69",
    FLOW_FREE: "f30db892-07e9-47e9-837c-80727f46fd3d",
    O365_BUSINESS_PREMIUM: "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
    POWER_BI_PRO: "f8a1db68-be16-40ed-86d5-cb42ce701560",
    AAD_PREMIUM: "078d2b04-f1bd-4111-bbd4-b4b1b354cef4",
    O365_BUSINESS_ESSENTIALS: "3b555118-da6a-4418-894f-7df1e2096870",
    ENTERPRISEPACK: "6fd2c87f-b296-42f0-b197-1e91e994b900"
  }
} as const

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default"
export const PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default"

export const postForm = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString()
  })

export const requestToken = (
  sim: MicrosoftSimulatorHandle,
  tenant: string,
  fields: Record<string, string>,
  version: "v2" | "v1" = "v2"
) =>
  postForm(`${sim.url}/${tenant}/oauth2/${version === "v2" ? "v2.0/" : ""}token`, {
    client_id: SAMPLE.clientId,
    client_secret: SAMPLE.clientSecret,
    ...fields
  })

const accessToken = async (response: Response): Promise<string> => {
  const body = (await response.json()) as { access_token?: string; error_description?: string }
  if (response.status !== 200 || body.access_token === undefined) {
    throw new Error(`token request failed: ${response.status} ${body.error_description ?? ""}`)
  }
  return body.access_token
}

/** An app-only Graph token for a customer tenant (client credentials). */
export const graphToken = async (sim: MicrosoftSimulatorHandle, tenant: string) =>
  accessToken(await requestToken(sim, tenant, { grant_type: "client_credentials", scope: GRAPH_SCOPE }))

/** An app-only Partner Center token (client credentials in the partner tenant). */
export const partnerCenterAppToken = async (sim: MicrosoftSimulatorHandle) =>
  accessToken(
    await requestToken(sim, SAMPLE.partner, { grant_type: "client_credentials", scope: PARTNER_CENTER_SCOPE })
  )

/** An App+User Partner Center token from the seed's refresh token. */
export const partnerCenterUserToken = async (sim: MicrosoftSimulatorHandle) =>
  accessToken(
    await requestToken(sim, SAMPLE.partner, {
      grant_type: "refresh_token",
      refresh_token: SAMPLE.refreshToken,
      scope: "https://api.partnercenter.microsoft.com/user_impersonation offline_access"
    })
  )

export const get = (
  sim: MicrosoftSimulatorHandle,
  path: string,
  token: string | undefined,
  headers: Record<string, string> = {}
) =>
  fetch(path.startsWith("http") ? path : `${sim.url}${path}`, {
    headers: { ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...headers }
  })

export interface GraphPage<T> {
  readonly "@odata.context": string
  readonly "@odata.count"?: number
  readonly "@odata.nextLink"?: string
  readonly value: ReadonlyArray<T>
}

export interface GraphErrorBody {
  readonly error: {
    readonly code: string
    readonly message: string
    readonly innerError: { readonly date: string; readonly "request-id": string; readonly "client-request-id": string }
  }
}

/** Follows `@odata.nextLink` to the end; returns every page. */
export const allPages = async <T>(
  sim: MicrosoftSimulatorHandle,
  path: string,
  token: string,
  headers: Record<string, string> = {}
): Promise<ReadonlyArray<GraphPage<T>>> => {
  const pages: Array<GraphPage<T>> = []
  let next: string | undefined = path
  while (next !== undefined) {
    const response = await get(sim, next, token, headers)
    if (response.status !== 200) throw new Error(`page failed: ${response.status} ${await response.text()}`)
    const page = (await response.json()) as GraphPage<T>
    pages.push(page)
    next = page["@odata.nextLink"]
  }
  return pages
}
