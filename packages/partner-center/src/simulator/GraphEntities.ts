/**
 * Graph entities: users, devices, groups, directory objects and company subscriptions — their
 * properties, how each renders as JSON, and group membership (direct and transitive).
 */
import { stableGuid } from "./Ids.js"
import type { SimContext } from "./State.js"
import {
  capabilityStatusOf,
  type DeviceState,
  type GroupState,
  type SubscriptionState,
  type TenantState,
  type UserState
} from "./World.js"

// ---- entities ----------------------------------------------------------------------------------

export interface EntityKind {
  readonly odataType: string
  /** For "Unsupported … filter clause … of resource 'User'". */
  readonly resource: string
  readonly properties: ReadonlyArray<string>
  readonly defaultSelect: ReadonlyArray<string>
  readonly filterable: ReadonlyArray<string>
  readonly orderable: ReadonlyArray<string>
}

const USER_PROPERTIES = [
  "id",
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "accountEnabled",
  "userType",
  "assignedLicenses",
  "createdDateTime",
  "usageLocation",
  "proxyAddresses",
  "mailNickname",
  "otherMails",
  "creationType",
  "externalUserState",
  "companyName",
  "department",
  "onPremisesSyncEnabled"
]

export const USER: EntityKind = {
  odataType: "#microsoft.graph.user",
  resource: "User",
  properties: USER_PROPERTIES,
  defaultSelect: [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id"
  ],
  filterable: [
    "id",
    "userPrincipalName",
    "mail",
    "displayName",
    "givenName",
    "surname",
    "jobTitle",
    "accountEnabled",
    "userType",
    "assignedLicenses",
    "createdDateTime",
    "proxyAddresses",
    "usageLocation",
    "creationType",
    "externalUserState"
  ],
  orderable: ["displayName", "userPrincipalName"]
}

const DEVICE_PROPERTIES = [
  "id",
  "deletedDateTime",
  "accountEnabled",
  "approximateLastSignInDateTime",
  "createdDateTime",
  "deviceId",
  "displayName",
  "isCompliant",
  "isManaged",
  "manufacturer",
  "model",
  "operatingSystem",
  "operatingSystemVersion",
  "physicalIds",
  "profileType",
  "trustType"
]

export const DEVICE: EntityKind = {
  odataType: "#microsoft.graph.device",
  resource: "Device",
  properties: DEVICE_PROPERTIES,
  defaultSelect: DEVICE_PROPERTIES,
  filterable: [
    "id",
    "deviceId",
    "displayName",
    "operatingSystem",
    "operatingSystemVersion",
    "accountEnabled",
    "trustType"
  ],
  orderable: ["displayName"]
}

const GROUP_PROPERTIES = [
  "id",
  "deletedDateTime",
  "createdDateTime",
  "description",
  "displayName",
  "groupTypes",
  "mail",
  "mailEnabled",
  "mailNickname",
  "securityEnabled",
  "visibility"
]

export const GROUP: EntityKind = {
  odataType: "#microsoft.graph.group",
  resource: "Group",
  properties: GROUP_PROPERTIES,
  defaultSelect: GROUP_PROPERTIES,
  filterable: ["id", "displayName", "mail", "mailEnabled", "mailNickname", "securityEnabled", "groupTypes"],
  orderable: ["displayName"]
}

export const DIRECTORY_OBJECT: EntityKind = {
  odataType: "#microsoft.graph.directoryObject",
  resource: "DirectoryObject",
  properties: [...new Set([...USER_PROPERTIES, ...DEVICE_PROPERTIES, ...GROUP_PROPERTIES])],
  defaultSelect: [],
  filterable: ["id", "displayName", "userType", "accountEnabled", "mail", "userPrincipalName"],
  orderable: ["displayName"]
}

const SUBSCRIPTION_PROPERTIES = [
  "id",
  "commerceSubscriptionId",
  "createdDateTime",
  "isTrial",
  "nextLifecycleDateTime",
  "ownerId",
  "ownerTenantId",
  "ownerType",
  "serviceStatus",
  "skuId",
  "skuPartNumber",
  "status",
  "totalLicenses"
]

export const COMPANY_SUBSCRIPTION: EntityKind = {
  odataType: "#microsoft.graph.companySubscription",
  resource: "CompanySubscription",
  properties: SUBSCRIPTION_PROPERTIES,
  defaultSelect: SUBSCRIPTION_PROPERTIES,
  filterable: ["id", "commerceSubscriptionId", "skuId", "skuPartNumber", "status", "isTrial"],
  orderable: []
}

export interface Item {
  readonly id: string
  readonly kind: EntityKind
  readonly json: Readonly<Record<string, unknown>>
}

export const userJson = (user: UserState): Item => ({
  id: user.id,
  kind: USER,
  json: {
    "@odata.type": USER.odataType,
    id: user.id,
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    userType: user.userType,
    assignedLicenses: user.assignedLicenses.map((l) => ({ disabledPlans: [...l.disabledPlans], skuId: l.skuId })),
    createdDateTime: user.createdDateTime,
    usageLocation: "US",
    proxyAddresses: user.mail ? [`SMTP:${user.mail}`] : [],
    mailNickname: user.userPrincipalName.split("@")[0] ?? user.userPrincipalName,
    otherMails: [],
    creationType: user.userType === "Guest" ? "Invitation" : null,
    externalUserState: user.userType === "Guest" ? "Accepted" : null,
    companyName: null,
    department: null,
    onPremisesSyncEnabled: null
  }
})

export const deviceJson = (device: DeviceState): Item => ({
  id: device.id,
  kind: DEVICE,
  json: {
    "@odata.type": DEVICE.odataType,
    id: device.id,
    deletedDateTime: null,
    accountEnabled: device.accountEnabled,
    approximateLastSignInDateTime: null,
    createdDateTime: "2025-02-01T08:00:00Z",
    deviceId: device.deviceId,
    displayName: device.displayName,
    isCompliant: null,
    isManaged: null,
    manufacturer: null,
    model: null,
    operatingSystem: device.operatingSystem,
    operatingSystemVersion: device.operatingSystemVersion,
    physicalIds: [],
    profileType: "RegisteredDevice",
    trustType: device.trustType
  }
})

export const groupJson = (tenant: TenantState, group: GroupState): Item => {
  const nickname = group.displayName.replace(/[^A-Za-z0-9]/g, "")
  return {
    id: group.id,
    kind: GROUP,
    json: {
      "@odata.type": GROUP.odataType,
      id: group.id,
      deletedDateTime: null,
      createdDateTime: "2025-01-10T08:00:00Z",
      description: group.description,
      displayName: group.displayName,
      groupTypes: [],
      mail: group.mailEnabled ? `${nickname}@${tenant.domains[0] ?? ""}` : null,
      mailEnabled: group.mailEnabled,
      mailNickname: nickname,
      securityEnabled: group.securityEnabled,
      visibility: null
    }
  }
}

/** Graph's status of a directory subscription from the Partner Center status. */
const directoryStatus = (sub: SubscriptionState): string => {
  switch (sub.status) {
    case "suspended":
      return "Suspended"
    case "expired":
      return "Warning"
    case "deleted":
      return "Deleted"
    case "disabled":
      return "LockedOut"
    default:
      return "Enabled"
  }
}

/** The commerce id Graph states for a Partner Center subscription (`graph.commerceIds`). */
export const commerceIdOf = (sim: SimContext["sim"], subscriptionId: string): string =>
  sim.config.graph.commerceIds === "partnerCenter" ? subscriptionId : stableGuid("commerce-id", subscriptionId)

/** Directory subscriptions: one per Partner Center subscription, plus one for a SKU nobody bought (free SKUs). */
export const directorySubscriptions = (sim: SimContext["sim"], tenant: TenantState): ReadonlyArray<Item> => {
  const items: Array<Item> = []
  for (const sku of tenant.skus) {
    const serviceStatus = sku.servicePlans.map((plan) => ({
      appliesTo: plan.appliesTo,
      provisioningStatus: plan.provisioningStatus,
      servicePlanId: plan.servicePlanId,
      servicePlanName: plan.servicePlanName
    }))
    const subs = tenant.subscriptions.filter((s) => s.skuId === sku.skuId)
    for (const sub of subs) {
      items.push({
        id: stableGuid("directory-subscription", sub.id),
        kind: COMPANY_SUBSCRIPTION,
        json: {
          id: stableGuid("directory-subscription", sub.id),
          commerceSubscriptionId: commerceIdOf(sim, sub.id),
          createdDateTime: sub.creationDate,
          isTrial: sub.isTrial,
          nextLifecycleDateTime: sub.commitmentEndDate,
          ownerId: sim.world.partner.tenantId,
          ownerTenantId: sim.world.partner.tenantId,
          ownerType: "Company",
          serviceStatus,
          skuId: sku.skuId,
          skuPartNumber: sku.skuPartNumber,
          status: sub.servedAs?.directoryStatus ?? directoryStatus(sub),
          totalLicenses: sub.quantity
        }
      })
    }
    if (subs.length === 0) {
      const id = stableGuid("directory-subscription", tenant.tenantId, sku.skuId)
      items.push({
        id,
        kind: COMPANY_SUBSCRIPTION,
        json: {
          id,
          commerceSubscriptionId: stableGuid("commerce-subscription", tenant.tenantId, sku.skuId),
          createdDateTime: "2025-01-15T09:00:00Z",
          isTrial: false,
          nextLifecycleDateTime: null,
          ownerId: null,
          ownerTenantId: null,
          ownerType: null,
          serviceStatus,
          skuId: sku.skuId,
          skuPartNumber: sku.skuPartNumber,
          status: capabilityStatusOf(sku),
          totalLicenses: sku.prepaidUnits.enabled
        }
      })
    }
  }
  return items
}

/** Direct or transitive members of a group (nested groups are members too; each object once). */
export const groupMembers = (tenant: TenantState, group: GroupState, transitive: boolean): ReadonlyArray<Item> => {
  const seen = new Set<string>([group.id])
  const result: Array<Item> = []
  const visit = (current: GroupState) => {
    for (const memberId of current.members) {
      if (seen.has(memberId)) continue
      seen.add(memberId)
      const user = tenant.users.find((u) => u.id === memberId)
      if (user) {
        result.push(userJson(user))
        continue
      }
      const device = tenant.devices.find((d) => d.id === memberId)
      if (device) {
        result.push(deviceJson(device))
        continue
      }
      const nested = tenant.groups.find((g) => g.id === memberId)
      if (nested) {
        result.push(groupJson(tenant, nested))
        if (transitive) visit(nested)
      }
    }
  }
  visit(group)
  return result
}
