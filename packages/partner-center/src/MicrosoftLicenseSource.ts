/**
 * The core's `LicenseSource` for Microsoft 365 (DESIGN.md §3 step 1, §5; API-REFERENCE.md §3–§4).
 *
 * - **partner** mode (CSP): tenants are the partner's Partner Center customers (App+User token
 *   from the stored refresh token); a snapshot is Partner Center's subscriptions of the customer
 *   plus Graph `subscribedSkus` and `directory/subscriptions` read with an app-only token for the
 *   customer tenant — in one Graph `$batch`.
 * - **tenant** mode (no CSP relationship): the configured tenants, each with the app consented;
 *   everything comes from Graph.
 *
 * Users, mailbox, device and group counts are read only when the request asks for them. Every
 * failure is a `LicenseSourceError` naming the tenant and the reason; a tenant's failure never
 * touches another tenant's read.
 */
import type { HttpClient } from "@effect/platform"
import { Ids, LicenseSource, type Snapshot } from "@seatsync/core"
import { Decode, Pause, Pool, type VendorCallError } from "@seatsync/http"
import { Clock, type Config, type ConfigError, type Duration, Effect, Layer, type Redacted } from "effect"
import * as GraphClient from "./GraphClient.js"
import * as Combine from "./internal/Combine.js"
import { defaultRetryPolicy, failure, type RetryPolicy, toLicenseSourceError } from "./internal/Http.js"
import { defaults, MicrosoftOptions, optionsFromEnv } from "./MicrosoftOptions.js"
import * as PartnerCenterClient from "./PartnerCenterClient.js"
import {
  CompanySubscription,
  CountText,
  companySubscriptionSelect,
  GraphPage,
  GraphUser,
  GroupRef,
  Organization,
  SubscribedSku,
  subscribedSkuSelect,
  userSelect
} from "./Schemas.js"
import * as Tokens from "./Tokens.js"

export type { RetryPolicy } from "./internal/Http.js"
export { defaultRetryPolicy } from "./internal/Http.js"
export type { Endpoints } from "./Tokens.js"

/** Options both modes share. */
export interface CommonConfig {
  /** The multitenant Entra app (client) id. */
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** Where the services are reached (default: Microsoft's public cloud; a simulator's `url` for all three in tests). */
  readonly endpoints?: Partial<Tokens.Endpoints> | undefined
  /**
   * The most requests in flight at once, per API: for Graph and Partner Center the max of the
   * host's adaptive pool, which starts at 16 / 8 (or this, when lower) and grows while calls
   * succeed (defaults: Graph 64, Partner Center 32; identity a fixed 16).
   */
  readonly concurrency?:
    | {
        readonly graph?: number | undefined
        readonly partnerCenter?: number | undefined
        readonly identity?: number | undefined
      }
    | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
  /** The pools to count Graph and Partner Center requests in (shared with other clients, read for logs); default its own. */
  readonly pool?: Pool.Pool | undefined
  /** A cached token is renewed this long before it expires (default 1 minute). */
  readonly tokenRefreshMargin?: Duration.DurationInput | undefined
  /** The mailbox usage report's period (§4.6; default D7). */
  readonly mailboxReportPeriod?: "D7" | "D30" | "D90" | "D180" | undefined
}

/** CSP partner: tenants from Partner Center. */
export interface PartnerModeConfig extends CommonConfig {
  readonly mode: "partner"
  /** The partner's own tenant id (where the refresh token is redeemed). */
  readonly partnerTenantId: string
  /** The partner admin's refresh token from the consent flow (`Consent.redeemCode`). */
  readonly refreshToken: Redacted.Redacted<string>
  /** Called with each rotated refresh token; store it in place of the old one. */
  readonly onRefreshToken?: ((token: Redacted.Redacted<string>) => Effect.Effect<void>) | undefined
  /**
   * Asked whenever a Partner Center access token is needed: a refresh token the host got since
   * (a new consent), or undefined; one answered is used from then on, without a restart.
   */
  readonly newerRefreshToken?: Effect.Effect<Redacted.Redacted<string> | undefined> | undefined
  /** Customers per Partner Center page (default 100; the maximum is undocumented: §7 UNCERTAIN). */
  readonly customersPageSize?: number | undefined
  /**
   * Where a tenant's domains come from in `listTenants`: `partnerCenter` (default: the
   * `*.onmicrosoft.com` domain only, no extra call) or `graph` (every verified domain, one Graph
   * call per tenant — better for matching tenants to PSA companies by domain).
   */
  readonly tenantDomains?: "partnerCenter" | "graph" | undefined
}

/** No CSP relationship: the app is consented in each of these tenants. */
export interface TenantModeConfig extends CommonConfig {
  readonly mode: "tenant"
  readonly tenantIds: ReadonlyArray<string>
}

export type MicrosoftSourceConfig = PartnerModeConfig | TenantModeConfig

/**
 * The options as a Schema (`MicrosoftOptions.ts`): decoded, they are a {@link MicrosoftSourceConfig}.
 * Kept under its former name for existing callers.
 */
export const MicrosoftSourceConfigSchema = MicrosoftOptions
export { defaults, MicrosoftOptions, optionsFromEnv } from "./MicrosoftOptions.js"

/** The Microsoft license source, plus what a host may want beside the port. */
export interface MicrosoftLicenseSource extends LicenseSource.LicenseSourceShape {
  readonly mode: "partner" | "tenant"
}

const GRAPH_EVENTUAL = { ConsistencyLevel: "eventual" } as const

const invalid = (message: string) => failure("InvalidResponse", message)

/** Builds the license source over the context's HttpClient. */
export const make = (
  config: MicrosoftSourceConfig
): Effect.Effect<MicrosoftLicenseSource, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const endpoints: Tokens.Endpoints = { ...Tokens.defaultEndpoints, ...config.endpoints }
    const retry: RetryPolicy = { ...defaultRetryPolicy, ...config.retry }
    const tokens = yield* Tokens.make(
      {
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        endpoints,
        retry,
        concurrency: config.concurrency?.identity ?? defaults.concurrency.identity,
        refreshMargin: config.tokenRefreshMargin ?? defaults.tokenRefreshMargin
      },
      config.mode === "partner"
        ? {
            partnerTenantId: config.partnerTenantId,
            refreshToken: config.refreshToken,
            onRefreshToken: config.onRefreshToken,
            newerRefreshToken: config.newerRefreshToken
          }
        : undefined
    )
    const pool = config.pool ?? (yield* Pool.make)
    const graphConcurrency = Math.max(1, config.concurrency?.graph ?? defaults.concurrency.graph)
    const pcConcurrency = Math.max(1, config.concurrency?.partnerCenter ?? defaults.concurrency.partnerCenter)
    const graph = yield* GraphClient.make(tokens, {
      baseUrl: endpoints.graph,
      retry,
      pool,
      sizing: { initial: Math.min(defaults.initialConcurrency.graph, graphConcurrency), max: graphConcurrency },
      pause: yield* Pause.make
    })
    const partnerCenter = yield* PartnerCenterClient.make(tokens, {
      baseUrl: endpoints.partnerCenter,
      pageSize:
        config.mode === "partner"
          ? (config.customersPageSize ?? defaults.customersPageSize)
          : defaults.customersPageSize,
      retry,
      pool,
      sizing: { initial: Math.min(defaults.initialConcurrency.partnerCenter, pcConcurrency), max: pcConcurrency },
      pause: yield* Pause.make,
      applicationName: "SeatSync"
    })

    // Names learnt from listTenants, so errors say "Contoso Ltd (5f8a…)" rather than a bare id.
    const names = new Map<string, string>()
    const label = (tenantId: string) => {
      const name = names.get(tenantId.toLowerCase())
      return name === undefined ? tenantId : `${name} (${tenantId})`
    }
    const fail = (tenantId: Ids.TenantId) => (failed: VendorCallError) =>
      Effect.fail(toLicenseSourceError(failed, { message: `tenant ${label(tenantId)}: ${failed.message}`, tenantId }))

    /** Tenant details from Graph `organization` (name and verified domains, default first). */
    const organization = (tenantId: string) =>
      graph
        .list(tenantId, "/organization?$select=id,displayName,verifiedDomains", Organization)
        .pipe(Effect.map((orgs) => orgs[0]))

    const domainsOf = (org: typeof Organization.Type | undefined): ReadonlyArray<string> => {
      const domains = [...(org?.verifiedDomains ?? [])]
      domains.sort((a, b) => Number(b.isDefault === true) - Number(a.isDefault === true))
      return domains.map((d) => d.name)
    }

    const listTenants: Effect.Effect<
      ReadonlyArray<Snapshot.TenantInfo>,
      LicenseSource.LicenseSourceError
    > = config.mode === "partner"
      ? Effect.gen(function* () {
          const customers = yield* partnerCenter.customers.pipe(
            Effect.catchAll((failed) =>
              Effect.fail(
                toLicenseSourceError(failed, { message: `listing the partner's customers: ${failed.message}` })
              )
            )
          )
          const infos = customers.map(
            (c): Snapshot.TenantInfo => ({
              tenantId: Ids.TenantId.make(c.id.toLowerCase()),
              name: c.companyProfile.companyName,
              domains: c.companyProfile.domain === undefined ? [] : [c.companyProfile.domain]
            })
          )
          for (const info of infos) names.set(info.tenantId, info.name)
          if (config.tenantDomains !== "graph") return infos
          return yield* Effect.forEach(
            infos,
            (info) =>
              organization(info.tenantId).pipe(
                Effect.map((org) => {
                  const domains = domainsOf(org)
                  return { ...info, domains: [...domains, ...info.domains.filter((d) => !domains.includes(d))] }
                }),
                // A tenant Graph cannot read keeps its Partner Center domain; its snapshot read reports why.
                Effect.catchAll((failure) =>
                  Effect.logWarning(`tenant ${label(info.tenantId)}: domains from Graph: ${failure.message}`).pipe(
                    Effect.as(info)
                  )
                )
              ),
            { concurrency: graphConcurrency }
          )
        })
      : Effect.forEach(
          config.tenantIds,
          (id) => {
            const tenantId = Ids.TenantId.make(id.toLowerCase())
            return organization(tenantId).pipe(
              Effect.map((org): Snapshot.TenantInfo => {
                const name = org?.displayName ?? tenantId
                names.set(tenantId, name)
                return { tenantId, name, domains: domainsOf(org) }
              }),
              // A tenant that cannot be read is still listed (it is configured); its snapshot read fails with the reason.
              Effect.catchAll((failure) =>
                Effect.logWarning(`tenant ${label(tenantId)}: details from Graph: ${failure.message}`).pipe(
                  Effect.as<Snapshot.TenantInfo>({ tenantId, name: names.get(tenantId) ?? tenantId, domains: [] })
                )
              )
            )
          },
          { concurrency: graphConcurrency }
        )

    /** A group's users, nested members once (§4.7); nested groups and devices are not people to bill. */
    const groupCountPath = (groupObjectId: string) =>
      `/groups/${encodeURIComponent(groupObjectId)}/transitiveMembers/microsoft.graph.user/$count`
    const groupLookupPath = (name: string) =>
      `/groups?$filter=${encodeURIComponent(`displayName eq '${name.replaceAll("'", "''")}'`)}&$select=id,displayName`

    /** The object id of a group named by display name, from its lookup answer. */
    const groupIdFrom = (name: string, answer: GraphClient.GraphAnswer | undefined) =>
      Effect.gen(function* () {
        const where = `Graph GET /groups?$filter=displayName eq '${name}'`
        const page = yield* Decode.decodeValue(GraphPage(GroupRef), answer?.body, { where })
        const [match, ...more] = page.value
        if (match === undefined) {
          return yield* Effect.fail(failure("NotFound", `${where}: no such group`))
        }
        if (more.length > 0) {
          return yield* Effect.fail(invalid(`${where}: ${page.value.length} groups have this name; use the group's id`))
        }
        return match.id
      })

    const readSnapshot = (
      tenantId: Ids.TenantId,
      request: Snapshot.SnapshotRequest
    ): Effect.Effect<Snapshot.TenantSnapshot, LicenseSource.LicenseSourceError> =>
      Effect.gen(function* () {
        if (config.mode === "tenant" && !config.tenantIds.some((t) => t.toLowerCase() === tenantId.toLowerCase())) {
          return yield* Effect.fail(failure("NotFound", "not one of the configured tenants (tenant mode)"))
        }
        const readAt = new Date(yield* Clock.currentTimeMillis).toISOString()
        // One $batch: the two reads every sync needs, plus whichever counts the request names (§4.8).
        // Groups given by object id are counted in it; groups given by name are looked up in it and
        // counted in a second batch.
        const groupRefs = request.groups.map((ref, i) => ({ ref, i, byId: Combine.isGuid(ref) }))
        const batched: Array<GraphClient.GraphGet> = [
          { id: "skus", path: `/subscribedSkus?$select=${subscribedSkuSelect.join(",")}` },
          { id: "subscriptions", path: `/directory/subscriptions?$select=${companySubscriptionSelect.join(",")}` }
        ]
        if (request.users) batched.push({ id: "users", path: `/users?$select=${userSelect.join(",")}&$top=999` })
        if (request.devices) batched.push({ id: "devices", path: "/devices/$count", headers: GRAPH_EVENTUAL })
        for (const g of groupRefs) {
          batched.push(
            g.byId
              ? { id: `group${g.i}`, path: groupCountPath(g.ref), headers: GRAPH_EVENTUAL }
              : { id: `lookup${g.i}`, path: groupLookupPath(g.ref) }
          )
        }

        const graphReads = Effect.gen(function* () {
          const answers = yield* graph.batch(tenantId, batched)
          const missing: GraphClient.GraphAnswer = { status: 200, headers: {}, body: undefined }
          const skus = yield* graph.list(tenantId, "/subscribedSkus", SubscribedSku, {
            first: answers.get("skus") ?? missing
          })
          const directory = yield* graph.list(tenantId, "/directory/subscriptions", CompanySubscription, {
            first: answers.get("subscriptions") ?? missing
          })
          const users = request.users
            ? yield* graph.list(tenantId, "/users", GraphUser, { first: answers.get("users") ?? missing })
            : undefined
          const devices = request.devices
            ? yield* Decode.decodeValue(CountText, answers.get("devices")?.body, { where: "Graph GET /devices/$count" })
            : undefined
          let groupMembers: Record<string, number> | undefined
          if (groupRefs.length > 0) {
            const named = groupRefs.filter((g) => !g.byId)
            const counted = new Map<string, GraphClient.GraphAnswer>()
            if (named.length > 0) {
              const lookedUp: Array<GraphClient.GraphGet> = []
              for (const g of named) {
                const id = yield* groupIdFrom(g.ref, answers.get(`lookup${g.i}`))
                lookedUp.push({ id: `group${g.i}`, path: groupCountPath(id), headers: GRAPH_EVENTUAL })
              }
              for (const [id, answer] of yield* graph.batch(tenantId, lookedUp)) counted.set(id, answer)
            }
            groupMembers = {}
            for (const g of groupRefs) {
              groupMembers[g.ref] = yield* Decode.decodeValue(
                CountText,
                (answers.get(`group${g.i}`) ?? counted.get(`group${g.i}`))?.body,
                { where: `Graph GET /groups/${g.ref}/transitiveMembers/microsoft.graph.user/$count` }
              )
            }
          }
          return { skus, directory, users, devices, groupMembers }
        })

        const mailboxes = request.mailboxes
          ? graph
              .report(
                tenantId,
                `/reports/getMailboxUsageDetail(period='${config.mailboxReportPeriod ?? defaults.mailboxReportPeriod}')`
              )
              .pipe(
                // A report Graph serves but that cannot be counted (§4.6: v1.0 documents no Recipient
                // Type column) makes the two mailbox counts unavailable, not the tenant's snapshot:
                // the core fails only the mappings billed by them.
                Effect.map((csv) => Combine.mailboxCounts(csv))
              )
          : Effect.succeed(undefined)

        const pcSubscriptions =
          config.mode === "partner" ? partnerCenter.subscriptions(tenantId) : Effect.succeed(undefined)

        const [fromGraph, mailboxCounts, pc] = yield* Effect.all([graphReads, mailboxes, pcSubscriptions], {
          concurrency: "unbounded"
        })

        let subscriptions: ReadonlyArray<Snapshot.Subscription>
        const problems: Array<Snapshot.SnapshotProblem> = []
        if (pc !== undefined) {
          const linked = Combine.partnerSubscriptions(pc, fromGraph.skus, fromGraph.directory)
          // Each is a finding of the company's sync: an Azure plan, or a SKU none of the three ways links.
          for (const sub of linked.unlinked) {
            problems.push({
              _tag: "SubscriptionUnlinked",
              subscriptionId: sub.id,
              offerName: sub.offerName ?? sub.friendlyName ?? "(no offer name)"
            })
          }
          problems.push(...linked.skipped)
          subscriptions = linked.subscriptions
        } else {
          problems.push(...Combine.skippedDirectorySubscriptions(fromGraph.directory))
          subscriptions = Combine.tenantSubscriptions(fromGraph.directory)
        }

        const wantsDirectory = request.mailboxes || request.devices || request.groups.length > 0
        return {
          tenantId,
          readAt,
          skus: Combine.skuCounts(fromGraph.skus),
          subscriptions,
          ...(fromGraph.users !== undefined ? { users: Combine.users(fromGraph.users) } : {}),
          ...(wantsDirectory
            ? {
                directory: {
                  ...(mailboxCounts?._tag === "ok"
                    ? { userMailboxes: mailboxCounts.userMailboxes, sharedMailboxes: mailboxCounts.sharedMailboxes }
                    : {}),
                  ...(mailboxCounts?._tag === "error"
                    ? {
                        unavailable: (["userMailboxes", "sharedMailboxes"] as const).map((count) => ({
                          count,
                          reason: `Graph GET /reports/getMailboxUsageDetail: ${mailboxCounts.message}`
                        }))
                      }
                    : {}),
                  ...(fromGraph.devices !== undefined ? { devices: fromGraph.devices } : {}),
                  ...(fromGraph.groupMembers !== undefined ? { groupMembers: fromGraph.groupMembers } : {})
                }
              }
            : {}),
          ...(problems.length > 0 ? { problems } : {})
        } satisfies Snapshot.TenantSnapshot
      }).pipe(
        Effect.catchAll(fail(tenantId)),
        Effect.withSpan("MicrosoftLicenseSource.readSnapshot", { attributes: { tenantId } })
      )

    return {
      mode: config.mode,
      listTenants: listTenants.pipe(Effect.withSpan("MicrosoftLicenseSource.listTenants")),
      readSnapshot
    } satisfies MicrosoftLicenseSource
  })

/** The license source as a layer; needs an `HttpClient` (e.g. `Transport.layer` from `@seatsync/http`). */
export const layer = (
  config: MicrosoftSourceConfig
): Layer.Layer<LicenseSource.LicenseSource, never, HttpClient.HttpClient> =>
  Layer.effect(LicenseSource.LicenseSource, make(config))

/**
 * The license source with its options read from an effect `Config`: by default
 * {@link optionsFromEnv} (the `MICROSOFT_*` environment variables, README "Environment").
 */
export const layerConfig = (
  config: Config.Config<MicrosoftOptions> = optionsFromEnv
): Layer.Layer<LicenseSource.LicenseSource, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(config, layer))
