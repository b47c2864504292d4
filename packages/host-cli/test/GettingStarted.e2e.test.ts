/**
 * Getting started, end to end (issue 13 "Done means"): `seatsync serve`'s own code (Serve.ts, the
 * CLI's wiring, its sign-in and audit log, in this process) over real HTTP on 127.0.0.1, against
 * the Microsoft simulator and the ConnectWise or Autotask simulator, on real SQLite or real
 * Postgres. The first owner is made with `seatsync users add`; everything the MSP does then goes
 * through the HTTP API, signed in as that user (a
 * password sign-in's cookie session with its CSRF header, and an API token made through the API):
 * connect the PSA, make billing profiles and copy one, grant the Partner Center consent (the
 * browser's redirects followed by hand), bulk add with auto-map, link a license after its
 * preview, exclude one, sync now, read the history, set the notifications. The assertions are
 * on the PSA simulator's lines afterwards (quantity, price): the billing outcome.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { MicrosoftSimulator, type MicrosoftSimulatorHandle } from "@seatsync/partner-center/simulator"
import { AutotaskSimulator, type AutotaskSimulatorHandle } from "@seatsync/psa-autotask/simulator"
import { ConnectWiseSimulator, type ConnectWiseSimulatorHandle } from "@seatsync/psa-connectwise/simulator"
import { SqlStore } from "@seatsync/store-sql"
import { Postgres } from "@seatsync/store-sql/testing"
import { ConfigProvider, Effect, Fiber, Layer } from "effect"
import * as Cli from "../src/Cli.js"
import { access } from "../src/commands/Serve.js"
import * as Io from "../src/Io.js"
import * as Serve from "../src/Serve.js"

const partner = {
  tenantId: "a0a0a0a0-0000-4000-8000-000000000001",
  clientId: "c0c0c0c0-0000-4000-8000-000000000001",
  clientSecret: "seatsync-sim-secret"
} as const
const owner = { email: "olivia@msp.example", password: "a long owner passphrase 42" } as const
/** The profile's own price (so the outcome does not depend on the PSA's catalog price). */
const unitPrice = "23.50"

type PsaKind = "connectwise" | "autotask"
interface Case {
  readonly psa: PsaKind
  readonly storage: "sqlite" | "postgres"
}

/** The PSA simulator, its variables for `seatsync serve --storage`, and its lines of a product. */
interface PsaWorld {
  readonly env: Record<string, string>
  readonly name: string
  /** The lines on an agreement (contract) for a product: quantity and unit price, as the PSA has them. */
  readonly lines: (agreementId: string, productId: string) => ReadonlyArray<{ quantity: number; unitPrice: number }>
  readonly stop: () => Promise<void>
}

const connectwise = async (): Promise<PsaWorld> => {
  const sim: ConnectWiseSimulatorHandle = await ConnectWiseSimulator.start({ port: 0 })
  return {
    name: "ConnectWise PSA",
    env: {
      CONNECTWISE_SITE: sim.url,
      CONNECTWISE_COMPANY: sim.credentials.company,
      CONNECTWISE_PUBLIC_KEY: sim.credentials.publicKey,
      CONNECTWISE_PRIVATE_KEY: sim.credentials.privateKey,
      CONNECTWISE_CLIENT_ID: sim.credentials.clientId
    },
    lines: (agreementId, productId) =>
      sim.data
        .additions(Number(agreementId))
        .filter((a) => String((a.product as { id: number }).id) === productId && a.cancelledDate == null)
        .map((a) => ({ quantity: Number(a.quantity), unitPrice: Number(a.unitPrice) })),
    stop: () => sim.stop()
  }
}

const autotask = async (): Promise<PsaWorld> => {
  const sim: AutotaskSimulatorHandle = await AutotaskSimulator.start({ port: 0 })
  return {
    name: "Autotask PSA",
    env: {
      AUTOTASK_USER_NAME: sim.credentials.userName,
      AUTOTASK_SECRET: sim.credentials.secret,
      AUTOTASK_INTEGRATION_CODE: sim.credentials.integrationCode,
      AUTOTASK_ZONE_INFORMATION_URL: sim.zoneInformationUrl,
      AUTOTASK_ALLOWED_HOSTS: new URL(sim.url).hostname
    },
    lines: (agreementId, productId) =>
      sim.data
        .contractServices(Number(agreementId))
        .filter((cs) => String(cs.serviceID) === productId)
        // Autotask keeps a service's quantity as unit rows by date: the units in effect today.
        .map((cs) => ({
          quantity: sim.data.unitsOn(Number(cs.id), new Date().toISOString().slice(0, 10)),
          unitPrice: Number(cs.unitPrice)
        })),
    stop: () => sim.stop()
  }
}

const pg = Postgres.availability()
let pgServer: Postgres.PgServer | undefined
let dir: string
let microsoft: MicrosoftSimulatorHandle
const previousKey = process.env.SEATSYNC_SECRET_KEY
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "seatsync-e2e-"))
  // The store encrypts connection secrets (the consented refresh token) with it.
  process.env.SEATSYNC_SECRET_KEY = SqlStore.generateSecretKey()
  if (pg._tag !== "Unavailable") pgServer = await Postgres.serverFor(pg)
}, 120_000)
afterAll(async () => {
  await pgServer?.stop()
  if (previousKey === undefined) delete process.env.SEATSYNC_SECRET_KEY
  else process.env.SEATSYNC_SECRET_KEY = previousKey
  await rm(dir, { recursive: true, force: true })
})

/** The first owner, made with `seatsync users add` (the command, in this process). */
const addOwner = async (storage: string) => {
  let stdout = ""
  let stderr = ""
  const stream = (write: (text: string) => void) => ({
    isTTY: false,
    write: (text: string) => {
      write(text)
      return true
    }
  })
  const code = await Effect.runPromise(
    Cli.run([
      "users",
      "add",
      "--storage",
      storage,
      "--email",
      owner.email,
      "--name",
      "Olivia Owner",
      "--role",
      "owner"
    ]).pipe(
      Effect.provide(
        Layer.merge(
          Io.layerFrom({
            stdout: stream((t) => {
              stdout += t
            }),
            stderr: stream((t) => {
              stderr += t
            }),
            env: {}
          }),
          NodeContext.layer
        )
      ),
      Effect.withConfigProvider(
        ConfigProvider.fromMap(
          new Map([
            ["SEATSYNC_PASSWORD", owner.password],
            ["SEATSYNC_SECRET_KEY", process.env.SEATSYNC_SECRET_KEY ?? ""]
          ])
        )
      )
    )
  )
  expect(code, stderr).toBe(0)
  // Not a terminal: the command answers JSON.
  expect(JSON.parse(stdout)).toMatchObject({ user: { email: owner.email, role: "owner", name: "Olivia Owner" } })
  expect(stdout + stderr).not.toContain(owner.password)
}

/** `seatsync serve --storage STORAGE --port 0` in this process; its URL once it listens. */
const startServe = async (storage: string, env: Record<string, string>) => {
  let listening: (url: string) => void = () => {}
  const url = new Promise<string>((done) => {
    listening = done
  })
  const log: Array<string> = []
  const fiber = Effect.runFork(
    Serve.serve({
      source: { _tag: "Storage", target: storage },
      host: "127.0.0.1",
      port: 0,
      env,
      drainSeconds: 5,
      jobs: { pollingIntervalSeconds: 0.5 },
      access: await access({ secureCookies: false }),
      log: (line) => log.push(line),
      onListening: (started) => Effect.sync(() => listening(started.url))
    })
  )
  const failed = Fiber.join(fiber).pipe(Effect.runPromise)
  return {
    url: await Promise.race([url, failed.then(() => "")]),
    stop: () => Effect.runPromise(Fiber.interrupt(fiber)),
    log
  }
}

interface Answer {
  readonly status: number
  // biome-ignore lint/suspicious/noExplicitAny: the walk reads answers field by field; the API's own tests check their schemas
  readonly body: any
  readonly text: string
}

/** A signed-in person's browser: the session cookie, and the CSRF token on every change. */
const browser = (base: string) => {
  let cookie = ""
  let csrf = ""
  const call = async (method: string, path: string, body?: unknown, bearer?: string): Promise<Answer> => {
    const headers: Record<string, string> = {}
    if (body !== undefined) headers["content-type"] = "application/json"
    if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`
    else if (cookie !== "") {
      headers.cookie = cookie
      if (method !== "GET") headers["x-csrf-token"] = csrf
    }
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      redirect: "manual",
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await res.text()
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    return { status: res.status, body: parsed, text }
  }
  return {
    call,
    signIn: async () => {
      const res = await fetch(`${base}/auth/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(owner)
      })
      expect(res.status).toBe(200)
      cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? ""
      csrf = ((await res.json()) as { csrfToken: string }).csrfToken
    },
    get cookie() {
      return cookie
    }
  }
}

const walk = async ({ psa, storage }: Case) => {
  microsoft = await MicrosoftSimulator.start({ port: 0 })
  const world = psa === "connectwise" ? await connectwise() : await autotask()
  let target = join(dir, `${psa}.db`)
  if (storage === "postgres") {
    if (pgServer === undefined) throw new Error("no Postgres")
    target = await pgServer.createDatabase()
  }
  const env: Record<string, string> = {
    MICROSOFT_MODE: "partner",
    MICROSOFT_CLIENT_ID: partner.clientId,
    MICROSOFT_CLIENT_SECRET: partner.clientSecret,
    MICROSOFT_PARTNER_TENANT_ID: partner.tenantId,
    // No consent yet: this token was never issued (Partner Center refuses it).
    MICROSOFT_REFRESH_TOKEN: "no-consent-yet",
    MICROSOFT_LOGIN_URL: microsoft.url,
    MICROSOFT_GRAPH_URL: microsoft.url,
    MICROSOFT_PARTNER_CENTER_URL: microsoft.url,
    ...world.env
  }
  await addOwner(target)
  const service = await startServe(target, env)
  try {
    expect(service.url, service.log.join("")).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const me = browser(service.url)
    const ok = async (method: string, path: string, body?: unknown, status = 200) => {
      const res = await me.call(method, path, body)
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(status)
      return res.body
    }
    // Signed out: refused. Signed in: the owner. A change without the CSRF header is refused.
    expect((await me.call("GET", "/companies")).status).toBe(401)
    await me.signIn()
    expect(await ok("GET", "/auth/me")).toMatchObject({ user: { email: owner.email, role: "owner" } })
    const noCsrf = await fetch(`${service.url}/psa/test`, { method: "POST", headers: { cookie: me.cookie } })
    expect(noCsrf.status).toBe(403)
    // An API token made through the API, for the program that watches the jobs.
    const token = (await ok("POST", "/tokens", { name: "job watcher", role: "viewer" }, 201)) as { token: string }
    expect(token.token).toMatch(/^sst_/)

    // 1. Connect the PSA.
    expect(await ok("POST", "/psa/test")).toMatchObject({ ok: true, psa: world.name })
    const refreshed = await ok("POST", "/psa/refresh")
    expect(refreshed.counts.companies).toBeGreaterThan(0)
    const catalog = await ok("GET", "/psa/catalog")
    const products = catalog.products as ReadonlyArray<{ id: string; identifier: string; description: string }>
    const premium = products.find((p) => p.identifier === "M365-BP" || p.description === "M365-BP")
    expect(premium, JSON.stringify(products)).toBeDefined()
    const productId = premium?.id ?? ""

    // 2. Billing profiles: one with its own price, and a copy of it.
    const profile = await ok(
      "POST",
      "/profiles",
      { name: "Business Premium", productId, price: { _tag: "CustomPrice", unitPrice } },
      201
    )
    const copy = await ok("POST", `/profiles/${profile.id}/copy`, { name: "Business Premium (copy)" }, 201)
    expect(copy).toMatchObject({ productId, price: { _tag: "CustomPrice", unitPrice } })
    expect(copy.id).not.toBe(profile.id)
    const profiles = (await ok("GET", "/profiles")).profiles as ReadonlyArray<{ id: string }>
    expect(profiles.map((p) => p.id).sort()).toEqual([profile.id, copy.id].sort())

    // 3. The Partner Center consent: before it, Microsoft cannot be read.
    expect((await me.call("GET", "/microsoft/tenants")).status).not.toBe(200)
    const signInAt = await fetch(`${service.url}/microsoft/consent/start`, {
      headers: { cookie: me.cookie },
      redirect: "manual"
    })
    expect(signInAt.status).toBe(302)
    const authorize = signInAt.headers.get("location") ?? ""
    expect(authorize.startsWith(microsoft.url)).toBe(true)
    const back = await fetch(authorize, { redirect: "manual" })
    expect(back.status).toBe(302)
    const callback = back.headers.get("location") ?? ""
    expect(callback.startsWith(`${service.url}/microsoft/consent/callback?`)).toBe(true)
    const consented = await fetch(callback, { redirect: "manual" })
    expect(consented.status, await consented.clone().text()).toBe(200)
    expect(await consented.text()).toContain("Consent recorded")
    // The running service reads Partner Center with the consented token now (no restart).
    const tenants = (await ok("GET", "/microsoft/tenants")).tenants as ReadonlyArray<{ name: string }>
    expect(tenants.map((t) => t.name)).toContain("Contoso Ltd")

    // 4. Bulk add with auto-map: take the confident proposals.
    const proposals = (await ok("GET", "/bulk-add")).proposals as ReadonlyArray<{
      tenantId: string
      tenantName?: string
      confident: boolean
      proposed?: { companyId: string; name?: string }
    }>
    const links = proposals.flatMap((p) =>
      p.confident && p.proposed ? [{ tenantId: p.tenantId, companyId: p.proposed.companyId }] : []
    )
    expect(links.length).toBeGreaterThanOrEqual(3)
    await ok("POST", "/bulk-add", { links }, 201)
    const companies = (await ok("GET", "/companies?limit=100")).companies as ReadonlyArray<{
      companyId: string
      name: string
    }>
    const contoso = companies.find((c) => c.name === "Contoso Ltd")
    expect(contoso, JSON.stringify(companies)).toBeDefined()
    const companyId = contoso?.companyId ?? ""

    // 5. Link Business Premium after its preview.
    const agreements = (await ok("GET", `/companies/${companyId}/agreements?profileId=${profile.id}`))
      .agreements as ReadonlyArray<{ id: string }>
    expect(agreements.length).toBeGreaterThan(0)
    const agreementId = agreements[0]?.id ?? ""
    expect(world.lines(agreementId, productId)).toEqual([])
    const draft = {
      license: { _tag: "Sku", partNumber: "SPB" },
      billingProfileId: profile.id,
      agreementId,
      options: { minimumQuantity: 10 }
    }
    const preview = await ok("POST", "/preview", { companyId, mappings: [draft] })
    const planned = (preview.lines as ReadonlyArray<{ kind: string; quantity: number; unitPrice: string }>)[0]
    expect(planned).toMatchObject({ kind: "CreateLine", unitPrice: "23.50" })
    // Contoso holds 25 Business Premium licenses in the Microsoft simulator's sample world.
    expect(planned?.quantity).toBe(25)
    // A preview writes nothing.
    expect(world.lines(agreementId, productId)).toEqual([])
    const mapping = await ok("POST", `/companies/${companyId}/mappings`, draft, 201)
    expect(mapping.id).toBeDefined()

    // 6. Exclude one: the free Power Automate SKU, for this company.
    const exclusion = await ok("POST", "/exclusions", { companyId, partNumber: "FLOW_FREE", reason: "free" }, 201)
    const licenses = (await ok("GET", `/companies/${companyId}/licenses?refresh=true`)).licenses as ReadonlyArray<{
      partNumber: string
      status: { _tag: string; mappingIds?: ReadonlyArray<string> }
    }>
    expect(licenses.find((l) => l.partNumber === "SPB")?.status, JSON.stringify(licenses)).toEqual({
      _tag: "Linked",
      mappingIds: [mapping.id]
    })
    expect(licenses.find((l) => l.partNumber === "FLOW_FREE")?.status._tag).toBe("Excluded")
    expect(exclusion.id).toBeDefined()

    // 7. Sync now, watched with the API token.
    const queued = await ok("POST", "/sync", { scope: "company", companyId }, 202)
    const jobId = (queued.jobs as ReadonlyArray<{ id: string }>)[0]?.id ?? ""
    let job: { state: string } = { state: "" }
    for (let i = 0; i < 600 && job.state !== "succeeded" && job.state !== "failed"; i++) {
      const res = await me.call("GET", `/jobs/${jobId}`, undefined, token.token)
      expect(res.status).toBe(200)
      job = res.body
      if (job.state !== "succeeded") await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(job.state, JSON.stringify(job)).toBe("succeeded")

    // The billing outcome: one line on the agreement, the preview's quantity at the profile's price.
    expect(world.lines(agreementId, productId)).toEqual([{ quantity: 25, unitPrice: 23.5 }])

    // 8. The history: the company's, and the run.
    const history = await ok("GET", `/companies/${companyId}/history`)
    expect(JSON.stringify(history)).toContain(mapping.id)
    const runs = (await ok("GET", "/runs")).runs as ReadonlyArray<{ id: string; status: string }>
    expect(runs[0]?.status).toBe("ok")

    // 9. Notifications: settings and a recipient, stored (read back).
    await ok("PUT", "/notifications/settings", { findings: ["CompanyHeld", "SyncFailed"], sendHour: 6 })
    expect(await ok("GET", "/notifications/settings")).toMatchObject({
      findings: ["CompanyHeld", "SyncFailed"],
      sendHour: 6
    })
    const recipient = await ok(
      "POST",
      "/notifications/recipients",
      { channel: "email", address: "billing@msp.example", companyIds: [companyId] },
      201
    )
    const recipients = (await ok("GET", "/notifications/recipients")).recipients as ReadonlyArray<{ id: string }>
    expect(recipients.map((r) => r.id)).toEqual([recipient.id])

    // Every change is in the audit log, as the signed-in owner's.
    const audit = (await ok("GET", "/audit?limit=100")).entries as ReadonlyArray<{ action: string }>
    const actions = audit.map((e) => e.action)
    for (const action of ["psa.refresh", "microsoft.consent", "company.bulk-add"]) expect(actions).toContain(action)

    // A second sync changes nothing on the PSA.
    const again = await ok("POST", "/sync", { scope: "company", companyId }, 202)
    const againId = (again.jobs as ReadonlyArray<{ id: string }>)[0]?.id ?? ""
    job = { state: "" }
    for (let i = 0; i < 600 && job.state !== "succeeded" && job.state !== "failed"; i++) {
      job = (await me.call("GET", `/jobs/${againId}`, undefined, token.token)).body
      if (job.state !== "succeeded") await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(job.state).toBe("succeeded")
    expect(world.lines(agreementId, productId)).toEqual([{ quantity: 25, unitPrice: 23.5 }])
  } finally {
    await service.stop()
    await world.stop()
    await microsoft.stop()
    if (storage === "postgres") await pgServer?.dropDatabase(target)
  }
}

const cases: ReadonlyArray<Case> = [
  { psa: "connectwise", storage: "sqlite" },
  { psa: "autotask", storage: "sqlite" },
  { psa: "connectwise", storage: "postgres" },
  { psa: "autotask", storage: "postgres" }
]

describe("getting started, end to end (seatsync serve, the simulators, the HTTP API only)", () => {
  for (const c of cases) {
    const skip = c.storage === "postgres" && pg._tag === "Unavailable"
    ;(skip ? it.skip : it)(`${c.psa} on ${c.storage}`, () => walk(c), 180_000)
  }
})
