/**
 * Microsoft Graph v1.0 (and beta) for one customer tenant at a time, the tenant being the one the
 * bearer token was issued in (§4.1): subscribedSkus, directory/subscriptions, organization, users,
 * devices, groups and their (transitive) members with `$select`/`$filter`/`$top`/`$count`/`$orderby`
 * and `@odata.nextLink` paging, `/$count` segments, the mailbox usage report, report settings and
 * `$batch`. Errors, advanced-query rules and throttling follow §4.4–§4.10.
 * This file holds the routes; auth, entities, OData lists, resources and `$batch` live in the
 * Graph*.ts files beside it.
 */
import { Either, Schema } from "effect"
import {
  badRequest,
  GRAPH_HOST,
  type GraphCall,
  type GraphHandler,
  graphError,
  graphRoute,
  notFound
} from "./GraphAuth.js"
import { batch } from "./GraphBatch.js"
import {
  COMPANY_SUBSCRIPTION,
  DEVICE,
  DIRECTORY_OBJECT,
  deviceJson,
  directorySubscriptions,
  type EntityKind,
  GROUP,
  groupJson,
  groupMembers,
  USER,
  userJson
} from "./GraphEntities.js"
import { countResponse, isResponse, type ListSource, listResponse, singleResponse } from "./GraphQuery.js"
import {
  getSubscribedSku,
  listSubscribedSkus,
  mailboxUsageDetail,
  ORGANIZATION_PROPERTIES,
  organizationJson,
  ReportSettingsPatch,
  selectOnly
} from "./GraphResources.js"
import { bearerToken, empty, json, type Route, route, type SimResponse } from "./Http.js"
import { project } from "./OData.js"
import type { SimContext } from "./State.js"
import type { GroupState } from "./World.js"

export { graphError, graphThrottled } from "./GraphAuth.js"
export { reportDownloadRoute } from "./GraphResources.js"

// ---- routes ------------------------------------------------------------------------------------

const ORG_ROLES = ["Organization.Read.All", "Directory.Read.All", "LicenseAssignment.Read.All"]
const USER_ROLES = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"]
const DEVICE_ROLES = ["Device.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"]
const GROUP_ROLES = ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"]

const CASTS: ReadonlyArray<{ readonly segment: string; readonly kind: EntityKind }> = [
  { segment: "microsoft.graph.user", kind: USER },
  { segment: "microsoft.graph.group", kind: GROUP },
  { segment: "microsoft.graph.device", kind: DEVICE }
]

const versionRoutes = (version: string): ReadonlyArray<Route<SimContext>> => {
  const key = (method: string, template: string) => `${method} /${version}${template}`
  const usersSource = (call: GraphCall): ListSource => ({
    routeKey: key("GET", "/users"),
    contextName: "users",
    kind: USER,
    mixed: false,
    pageable: true,
    items: () => call.tenant.users.map(userJson)
  })
  const groupOf = (call: GraphCall, id: string | undefined) =>
    call.tenant.groups.find((g) => g.id === (id ?? "").toLowerCase())
  const memberRoutes = (relation: "members" | "transitiveMembers"): Array<Route<SimContext>> => {
    const transitive = relation === "transitiveMembers"
    const resourceUnits = transitive ? 5 : 3
    const members = (call: GraphCall, group: GroupState, kind: EntityKind | undefined) =>
      groupMembers(call.tenant, group, transitive).filter((item) => kind === undefined || item.kind === kind)
    const list =
      (kind: EntityKind | undefined, template: string): GraphHandler =>
      (call, params) => {
        const group = groupOf(call, params.id)
        if (group === undefined) return notFound(call.ctx, params.id ?? "")
        return listResponse(call, {
          routeKey: key("GET", template),
          contextName: kind ? `${kind.resource.toLowerCase()}s` : "directoryObjects",
          kind: kind ?? DIRECTORY_OBJECT,
          mixed: kind === undefined,
          pageable: true,
          items: () => members(call, group, kind)
        })
      }
    const count =
      (kind: EntityKind | undefined): GraphHandler =>
      (call, params) => {
        const group = groupOf(call, params.id)
        if (group === undefined) return notFound(call.ctx, params.id ?? "")
        return countResponse(call, kind ?? DIRECTORY_OBJECT, () => members(call, group, kind))
      }
    const base = `/groups/{id}/${relation}`
    return [
      graphRoute(version, "GET", `${base}/$count`, { roles: GROUP_ROLES, resourceUnits }, count(undefined)),
      ...CASTS.flatMap(({ segment, kind }) => [
        graphRoute(version, "GET", `${base}/${segment}/$count`, { roles: GROUP_ROLES, resourceUnits }, count(kind)),
        graphRoute(
          version,
          "GET",
          `${base}/${segment}`,
          { roles: GROUP_ROLES, resourceUnits },
          list(kind, `${base}/${segment}`)
        )
      ]),
      graphRoute(version, "GET", base, { roles: GROUP_ROLES, resourceUnits }, list(undefined, base))
    ]
  }
  return [
    graphRoute(version, "GET", "/subscribedSkus", { roles: ORG_ROLES, resourceUnits: 3 }, listSubscribedSkus),
    graphRoute(version, "GET", "/subscribedSkus/{id}", { roles: ORG_ROLES, resourceUnits: 1 }, getSubscribedSku),
    graphRoute(
      version,
      "GET",
      "/directory/subscriptions(commerceSubscriptionId='{id}')",
      { roles: ["Organization.Read.All", "Directory.Read.All"], resourceUnits: 1 },
      (call, params) => {
        const id = (params.id ?? "").toLowerCase()
        const item = directorySubscriptions(call.ctx.sim, call.tenant).find(
          (i) => String(i.json.commerceSubscriptionId).toLowerCase() === id
        )
        return singleResponse(call, item, params.id ?? "", "directory/subscriptions")
      }
    ),
    graphRoute(
      version,
      "GET",
      "/directory/subscriptions",
      { roles: ["Organization.Read.All", "Directory.Read.All"], resourceUnits: 1 },
      (call) =>
        listResponse(call, {
          routeKey: key("GET", "/directory/subscriptions"),
          contextName: "directory/subscriptions",
          kind: COMPANY_SUBSCRIPTION,
          mixed: false,
          pageable: false,
          items: () => directorySubscriptions(call.ctx.sim, call.tenant)
        })
    ),
    graphRoute(
      version,
      "GET",
      "/directory/subscriptions/{id}",
      { roles: ["Organization.Read.All", "Directory.Read.All"], resourceUnits: 1 },
      (call, params) => {
        const id = (params.id ?? "").toLowerCase()
        const item = directorySubscriptions(call.ctx.sim, call.tenant).find((i) => i.id === id)
        return singleResponse(call, item, params.id ?? "", "directory/subscriptions")
      }
    ),
    graphRoute(
      version,
      "GET",
      "/organization",
      { roles: [...ORG_ROLES, "User.Read.All"], resourceUnits: 1 },
      (call) => {
        const selected = selectOnly(call, ORGANIZATION_PROPERTIES, "organization")
        if (isResponse(selected)) return selected
        const org = organizationJson(call.tenant)
        return json(200, {
          "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#organization`,
          value: [selected ? project(org, selected) : org]
        })
      }
    ),
    graphRoute(
      version,
      "GET",
      "/organization/{id}",
      { roles: [...ORG_ROLES, "User.Read.All"], resourceUnits: 1 },
      (call, params) => {
        if ((params.id ?? "").toLowerCase() !== call.tenant.tenantId) return notFound(call.ctx, params.id ?? "")
        const selected = selectOnly(call, ORGANIZATION_PROPERTIES, "organization")
        if (isResponse(selected)) return selected
        const org = organizationJson(call.tenant)
        return json(200, {
          "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#organization/$entity`,
          ...(selected ? project(org, selected) : org)
        })
      }
    ),
    graphRoute(version, "GET", "/users/$count", { roles: USER_ROLES, resourceUnits: 1 }, (call) =>
      countResponse(call, USER, () => call.tenant.users.map(userJson))
    ),
    graphRoute(version, "GET", "/users", { roles: USER_ROLES, resourceUnits: 2 }, (call) =>
      listResponse(call, usersSource(call))
    ),
    graphRoute(version, "GET", "/users/{id}", { roles: USER_ROLES, resourceUnits: 1 }, (call, params) => {
      const id = (params.id ?? "").toLowerCase()
      const user = call.tenant.users.find((u) => u.id === id || u.userPrincipalName.toLowerCase() === id)
      return singleResponse(call, user ? userJson(user) : undefined, params.id ?? "", "users")
    }),
    graphRoute(version, "GET", "/devices/$count", { roles: DEVICE_ROLES, resourceUnits: 1 }, (call) =>
      countResponse(call, DEVICE, () => call.tenant.devices.map(deviceJson))
    ),
    graphRoute(version, "GET", "/devices", { roles: DEVICE_ROLES, resourceUnits: 1 }, (call) =>
      listResponse(call, {
        routeKey: key("GET", "/devices"),
        contextName: "devices",
        kind: DEVICE,
        mixed: false,
        pageable: true,
        items: () => call.tenant.devices.map(deviceJson)
      })
    ),
    graphRoute(version, "GET", "/devices/{id}", { roles: DEVICE_ROLES, resourceUnits: 1 }, (call, params) => {
      const id = (params.id ?? "").toLowerCase()
      const device = call.tenant.devices.find((d) => d.id === id)
      return singleResponse(call, device ? deviceJson(device) : undefined, params.id ?? "", "devices")
    }),
    graphRoute(version, "GET", "/groups/$count", { roles: GROUP_ROLES, resourceUnits: 1 }, (call) =>
      countResponse(call, GROUP, () => call.tenant.groups.map((g) => groupJson(call.tenant, g)))
    ),
    graphRoute(version, "GET", "/groups", { roles: GROUP_ROLES, resourceUnits: 1 }, (call) =>
      listResponse(call, {
        routeKey: key("GET", "/groups"),
        contextName: "groups",
        kind: GROUP,
        mixed: false,
        pageable: true,
        items: () => call.tenant.groups.map((g) => groupJson(call.tenant, g))
      })
    ),
    ...memberRoutes("transitiveMembers"),
    ...memberRoutes("members"),
    graphRoute(version, "GET", "/groups/{id}", { roles: GROUP_ROLES, resourceUnits: 1 }, (call, params) => {
      const group = groupOf(call, params.id)
      return singleResponse(call, group ? groupJson(call.tenant, group) : undefined, params.id ?? "", "groups")
    }),
    graphRoute(
      version,
      "GET",
      "/reports/getMailboxUsageDetail(period='{period}')",
      { roles: ["Reports.Read.All"] },
      mailboxUsageDetail
    ),
    graphRoute(
      version,
      "GET",
      "/admin/reportSettings",
      { roles: ["ReportSettings.Read.All", "ReportSettings.ReadWrite.All"] },
      (call) =>
        json(200, {
          "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#admin/reportSettings/$entity`,
          displayConcealedNames: call.tenant.displayConcealedNames
        })
    ),
    graphRoute(version, "PATCH", "/admin/reportSettings", { roles: ["ReportSettings.ReadWrite.All"] }, (call) => {
      const decoded = Schema.decodeUnknownEither(ReportSettingsPatch)(call.ctx.req.body)
      if (Either.isLeft(decoded)) {
        return badRequest(call.ctx, 'The request body must be {"displayConcealedNames": true|false}.', "BadRequest")
      }
      call.tenant.displayConcealedNames = decoded.right.displayConcealedNames
      return empty(204)
    }),
    route("graph", "POST", `/${version}/$batch`, batch(version))
  ]
}

export const graphRoutes: ReadonlyArray<Route<SimContext>> = [...versionRoutes("v1.0"), ...versionRoutes("beta")]

/** The tenant a Graph call is for: the tenant of its bearer token (Graph URLs name no tenant). */
export const graphTenantOf = (ctx: SimContext): string | undefined => {
  const token = bearerToken(ctx.req.headers)
  return token === undefined ? undefined : ctx.sim.tokens.findAccess(token)?.tenantId
}

/** The app of a Graph call's token, for throttle diagnostics. */
export const graphAppOf = (ctx: SimContext): string | undefined => {
  const token = bearerToken(ctx.req.headers)
  return token === undefined ? undefined : ctx.sim.tokens.findAccess(token)?.appId
}

/** Graph's answer for a path it does not know (§4.9). */
export const graphUnknownSegment = (ctx: SimContext): SimResponse => {
  const segments = ctx.req.path.split("/").filter((s) => s.length > 0)
  const segment = segments[segments.length - 1] ?? ""
  return graphError(ctx, 400, "BadRequest", `Resource not found for the segment '${segment}'.`)
}
