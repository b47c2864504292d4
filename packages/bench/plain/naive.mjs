/**
 * The naive reference the sync benchmark measures SeatSync against: plain JavaScript, plain
 * `fetch`, no SeatSync code, one tenant at a time. For each tenant of the world file (argv[2],
 * written by the benchmark): get an app-only Graph token for the tenant, read its subscribedSkus,
 * read its agreement's lines on the PSA, and write each mapped line whose quantity differs from
 * the SKU's enabled + warning units (SeatSync's default count when no trial is held):
 *
 * - ConnectWise: GET the agreement's additions, PATCH the addition's quantity;
 * - Autotask: query the contract's unit rows in effect on `asOf`, POST a ContractServiceAdjustment
 *   of the difference effective `asOf`.
 *
 * A missing line is created (ConnectWise: POST an addition; Autotask: the adjustment creates the
 * contract service); in the benchmark SeatSync's first sync has created them all. Prints one
 * JSON line `{ tenants, reads, writes }`; exits 1 on any failure, naming the call.
 */
import { readFileSync } from "node:fs"

const world = JSON.parse(readFileSync(process.argv[2], "utf8"))
let reads = 0
let writes = 0

/** One HTTP call, counted as a `read`, a `write` or neither (`token`); any status but 2xx fails the run. */
const call = async (what, url, init = {}, kind = "read") => {
  const res = await fetch(url, init)
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`)
  if (kind === "read") reads++
  else if (kind === "write") writes++
  return res
}

const graphToken = async (tenantId) => {
  const { url, clientId, clientSecret } = world.microsoft
  const body = new URLSearchParams({
    client_id: clientId,
    client_secret: clientSecret,
    scope: "https://graph.microsoft.com/.default",
    grant_type: "client_credentials"
  })
  const res = await call(
    `token for ${tenantId}`,
    `${url}/${tenantId}/oauth2/v2.0/token`,
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body
    },
    "token"
  )
  return (await res.json()).access_token
}

/** Enabled + warning units by skuId (lower case). */
const skuUnits = async (tenantId) => {
  const token = await graphToken(tenantId)
  const res = await call(`subscribedSkus of ${tenantId}`, `${world.microsoft.url}/v1.0/subscribedSkus`, {
    headers: { authorization: `Bearer ${token}` }
  })
  const units = new Map()
  for (const sku of (await res.json()).value) {
    units.set(sku.skuId.toLowerCase(), (sku.prepaidUnits?.enabled ?? 0) + (sku.prepaidUnits?.warning ?? 0))
  }
  return units
}

const nextLink = (header) => /<([^>]+)>;\s*rel="next"/.exec(header ?? "")?.[1]

const connectwise = () => {
  const { apiUrl, authorization, clientId } = world.psa
  const headers = { authorization, clientid: clientId, accept: "application/json", "content-type": "application/json" }
  return async (tenant, units) => {
    const additions = []
    let url = `${apiUrl}/finance/agreements/${tenant.agreementId}/additions?fields=id,product/id,quantity,cancelledDate&pageSize=1000`
    while (url !== undefined) {
      const res = await call(`additions of agreement ${tenant.agreementId}`, url, { headers })
      additions.push(...(await res.json()))
      url = nextLink(res.headers.get("link"))
    }
    for (const line of tenant.lines) {
      const want = units.get(line.skuId.toLowerCase()) ?? 0
      const active = additions.filter(
        (a) => a.product?.id === line.productId && (!a.cancelledDate || a.cancelledDate.slice(0, 10) > world.asOf)
      )
      if (active.length > 1) {
        throw new Error(
          `agreement ${tenant.agreementId}: ${active.length} active additions of product ${line.productId}`
        )
      }
      const addition = active[0]
      if (addition === undefined) {
        if (want === 0) continue
        await call(
          `POST addition to agreement ${tenant.agreementId}`,
          `${apiUrl}/finance/agreements/${tenant.agreementId}/additions`,
          {
            method: "POST",
            headers,
            body: JSON.stringify({ product: { id: line.productId }, quantity: want, billCustomer: "Billable" })
          },
          "write"
        )
        continue
      }
      if (addition.quantity === want) continue
      await call(
        `PATCH addition ${addition.id}`,
        `${apiUrl}/finance/agreements/${tenant.agreementId}/additions/${addition.id}`,
        { method: "PATCH", headers, body: JSON.stringify([{ op: "replace", path: "quantity", value: want }]) },
        "write"
      )
    }
  }
}

const autotask = async () => {
  const { zoneInformationUrl, userName, secret, integrationCode } = world.psa
  const zone = await call("zoneInformation", `${zoneInformationUrl}?user=${encodeURIComponent(userName)}`, {}, "token")
  const api = `${(await zone.json()).url}V1.0/`
  const headers = {
    ApiIntegrationCode: integrationCode,
    UserName: userName,
    Secret: secret,
    "content-type": "application/json"
  }
  return async (tenant, units) => {
    const rows = []
    let url = `${api}ContractServiceUnits/query`
    let body = JSON.stringify({
      filter: [
        { op: "eq", field: "contractID", value: tenant.agreementId },
        { op: "lte", field: "startDate", value: world.asOf },
        { op: "gte", field: "endDate", value: world.asOf }
      ]
    })
    while (url) {
      const res = await call(`ContractServiceUnits query`, url, { method: "POST", headers, body })
      const page = await res.json()
      rows.push(...page.items)
      url = page.pageDetails?.nextPageUrl ?? undefined
      body = undefined
    }
    for (const line of tenant.lines) {
      const want = units.get(line.skuId.toLowerCase()) ?? 0
      const mine = rows.filter((r) => r.serviceID === line.productId)
      const have = mine.reduce((n, r) => n + r.units, 0)
      if (have === want) continue
      if (mine.length > 1) throw new Error(`contract ${tenant.agreementId}: ${mine.length} services ${line.productId}`)
      const service = mine[0] ? { contractServiceID: mine[0].contractServiceID } : { serviceID: line.productId }
      await call(
        `adjustment of contract ${tenant.agreementId}`,
        `${api}ContractServiceAdjustments`,
        {
          method: "POST",
          headers,
          body: JSON.stringify({
            contractID: tenant.agreementId,
            ...service,
            effectiveDate: world.asOf,
            unitChange: want - have
          })
        },
        "write"
      )
    }
  }
}

try {
  const syncLines = world.psa.kind === "connectwise" ? connectwise() : await autotask()
  for (const tenant of world.tenants) await syncLines(tenant, await skuUnits(tenant.tenantId))
  console.log(JSON.stringify({ tenants: world.tenants.length, reads, writes }))
} catch (error) {
  console.error(`naive: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
