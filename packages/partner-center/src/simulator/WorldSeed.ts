/**
 * The world from a seed and back: tenants, SKUs, subscriptions, users, mailboxes and devices made
 * from their seed entries, and a tenant written out in seed format.
 */
import { stableGuid } from "./Ids.js"
import type {
  SeedCustomer,
  SeedCustomerInput,
  SeedDevice,
  SeedMailbox,
  SeedSku,
  SeedSubscription,
  SeedUser
} from "./Seed.js"

import {
  DEFAULT_CREATED,
  type DeviceState,
  fail,
  type GroupState,
  lower,
  type MailboxState,
  type SkuState,
  type SubscriptionState,
  seatBatchOf,
  type TenantState,
  toDateTime,
  type UserState
} from "./WorldState.js"

export const mailboxFrom = (mailbox: SeedMailbox | undefined, user: SeedUser): MailboxState | undefined => {
  if (mailbox === undefined) {
    const licensedMember = user.userType === "Member" && user.accountEnabled && user.assignedLicenses.length > 0
    return licensedMember
      ? {
          type: "user",
          deleted: false,
          itemCount: 0,
          storageUsedBytes: 0,
          hasArchive: false,
          lastActivityDate: undefined
        }
      : undefined
  }
  if (mailbox === "none") return undefined
  if (typeof mailbox === "string") {
    return {
      type: mailbox,
      deleted: false,
      itemCount: 0,
      storageUsedBytes: 0,
      hasArchive: false,
      lastActivityDate: undefined
    }
  }
  return {
    type: mailbox.type,
    deleted: mailbox.deleted,
    itemCount: mailbox.itemCount,
    storageUsedBytes: mailbox.storageUsedBytes,
    hasArchive: mailbox.hasArchive,
    lastActivityDate: mailbox.lastActivityDate
  }
}

export const userFrom = (tenantId: string, user: SeedUser): UserState => {
  const mailbox = mailboxFrom(user.mailbox, user)
  return {
    id: user.id ?? stableGuid("user", lower(tenantId), lower(user.userPrincipalName)),
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    givenName: user.givenName ?? null,
    surname: user.surname ?? null,
    jobTitle: user.jobTitle ?? null,
    mail: user.mail !== undefined ? user.mail : mailbox !== undefined ? user.userPrincipalName : null,
    accountEnabled: user.accountEnabled,
    userType: user.userType,
    assignedLicenses: user.assignedLicenses.map((license) =>
      typeof license === "string"
        ? { skuId: lower(license), disabledPlans: [] }
        : { skuId: lower(license.skuId), disabledPlans: license.disabledPlans }
    ),
    mailbox,
    createdDateTime: toDateTime(user.createdDateTime ?? DEFAULT_CREATED)
  }
}

export const skuFrom = (sku: SeedSku): SkuState => ({
  skuId: lower(sku.skuId),
  skuPartNumber: sku.skuPartNumber,
  displayName: sku.displayName,
  appliesTo: sku.appliesTo,
  prepaidUnits: { ...sku.prepaidUnits },
  capabilityStatus: sku.capabilityStatus,
  licenseGroupId: sku.licenseGroupId,
  servicePlans: sku.servicePlans.map((plan) => ({
    servicePlanId: lower(plan.servicePlanId),
    servicePlanName: plan.servicePlanName,
    displayName: plan.displayName ?? plan.servicePlanName,
    provisioningStatus: plan.provisioningStatus,
    appliesTo: plan.appliesTo
  }))
})

export const subscriptionFrom = (tenantId: string, index: number, sub: SeedSubscription): SubscriptionState => {
  const id = lower(sub.id ?? stableGuid("subscription", lower(tenantId), String(index), sub.offerId))
  return {
    id,
    skuId: lower(sub.skuId),
    offerId: sub.offerId,
    offerName: sub.offerName,
    friendlyName: sub.friendlyName ?? sub.offerName,
    kind: sub.kind,
    quantity: sub.quantity,
    status: sub.status,
    billingCycle: sub.billingCycle,
    termDuration: sub.termDuration,
    isTrial: sub.isTrial,
    autoRenewEnabled: sub.autoRenewEnabled,
    creationDate: toDateTime(sub.creationDate ?? sub.effectiveStartDate),
    effectiveStartDate: toDateTime(sub.effectiveStartDate),
    commitmentEndDate: toDateTime(sub.commitmentEndDate),
    unitType: sub.unitType,
    orderId: sub.orderId ?? stableGuid("order", id).replaceAll("-", "").slice(0, 24),
    partnerId: sub.partnerId,
    suspensionReasons: sub.suspensionReasons,
    seatBatches: sub.seatBatches.map(seatBatchOf),
    servedAs: sub.servedAs
  }
}

export const devicePrefix = (tenant: { domains: ReadonlyArray<string> }) =>
  (tenant.domains[0] ?? "TENANT").split(".")[0]?.toUpperCase() ?? "TENANT"

export const deviceFrom = (tenantId: string, device: SeedDevice): DeviceState => ({
  id: lower(device.id ?? stableGuid("device", lower(tenantId), device.displayName)),
  deviceId: lower(device.deviceId ?? stableGuid("device-id", lower(tenantId), device.displayName)),
  displayName: device.displayName,
  operatingSystem: device.operatingSystem,
  operatingSystemVersion: device.operatingSystemVersion,
  accountEnabled: device.accountEnabled,
  trustType: device.trustType
})

export const generatedDevice = (tenantId: string, prefix: string, n: number): DeviceState =>
  deviceFrom(tenantId, {
    displayName: `${prefix}-PC-${String(n).padStart(3, "0")}`,
    operatingSystem: "Windows",
    operatingSystemVersion: "10.0.26100.2314",
    accountEnabled: true,
    trustType: "AzureAd"
  })

export const tenantFrom = (customer: SeedCustomer): TenantState => {
  const tenantId = lower(customer.tenantId)
  const base = {
    tenantId,
    isPartner: false,
    companyName: customer.companyName,
    domains: [...customer.domains],
    commerceId: customer.commerceId ?? stableGuid("commerce", tenantId),
    relationshipToPartner: customer.relationshipToPartner,
    allowDelegatedAccess: customer.allowDelegatedAccess,
    countryLetterCode: customer.countryLetterCode,
    consent: customer.consent,
    grantedAppRoles: customer.grantedAppRoles,
    delegatedAccess: customer.delegatedAccess,
    displayConcealedNames: customer.displayConcealedNames
  }
  const users = customer.users.map((user) => userFrom(tenantId, user))
  const devices =
    typeof customer.devices === "number"
      ? Array.from({ length: customer.devices }, (_, i) => generatedDevice(tenantId, devicePrefix(base), i + 1))
      : customer.devices.map((device) => deviceFrom(tenantId, device))
  const groups: Array<GroupState> = customer.groups.map((group) => ({
    id: lower(group.id ?? stableGuid("group", tenantId, group.displayName)),
    displayName: group.displayName,
    description: group.description ?? null,
    mailEnabled: group.mailEnabled,
    securityEnabled: group.securityEnabled,
    members: []
  }))
  customer.groups.forEach((group, g) => {
    const state = groups[g]
    if (state === undefined) return
    for (const upn of group.members) {
      const user = users.find((u) => lower(u.userPrincipalName) === lower(upn))
      if (user) state.members.push(user.id)
    }
    for (const ref of group.memberGroups) {
      const nested = groups.find((x) => lower(x.displayName) === lower(ref) || x.id === lower(ref))
      if (nested) state.members.push(nested.id)
    }
    for (const name of group.memberDevices) {
      const device = devices.find((d) => d.displayName === name)
      if (device) state.members.push(device.id)
    }
  })
  return {
    ...base,
    skus: customer.skus.map(skuFrom),
    subscriptions: customer.subscriptions.map((sub, i) => subscriptionFrom(tenantId, i, sub)),
    users,
    devices,
    groups
  }
}

export const nonEmpty = <A>(items: ReadonlyArray<A>): [A, ...Array<A>] => {
  const [first, ...rest] = items
  return first === undefined ? fail("the world has no apps") : [first, ...rest]
}

export const customerToSeed = (tenant: TenantState): SeedCustomerInput => {
  const byId = new Map<string, string>()
  for (const user of tenant.users) byId.set(user.id, user.userPrincipalName)
  return {
    tenantId: tenant.tenantId,
    companyName: tenant.companyName,
    domains: tenant.domains as [string, ...Array<string>],
    commerceId: tenant.commerceId,
    relationshipToPartner: tenant.relationshipToPartner as SeedCustomer["relationshipToPartner"],
    allowDelegatedAccess: tenant.allowDelegatedAccess,
    countryLetterCode: tenant.countryLetterCode,
    consent: tenant.consent,
    ...(tenant.grantedAppRoles ? { grantedAppRoles: [...tenant.grantedAppRoles] } : {}),
    delegatedAccess: tenant.delegatedAccess,
    displayConcealedNames: tenant.displayConcealedNames,
    skus: tenant.skus.map((sku) => ({
      skuId: sku.skuId,
      skuPartNumber: sku.skuPartNumber,
      displayName: sku.displayName,
      appliesTo: sku.appliesTo,
      prepaidUnits: { ...sku.prepaidUnits },
      ...(sku.capabilityStatus ? { capabilityStatus: sku.capabilityStatus } : {}),
      licenseGroupId: sku.licenseGroupId,
      servicePlans: sku.servicePlans.map((plan) => ({ ...plan }))
    })),
    subscriptions: tenant.subscriptions.map((sub) => ({
      id: sub.id,
      skuId: sub.skuId,
      offerId: sub.offerId,
      offerName: sub.offerName,
      friendlyName: sub.friendlyName,
      kind: sub.kind,
      quantity: sub.quantity,
      status: sub.status,
      billingCycle: sub.billingCycle as SeedSubscription["billingCycle"],
      termDuration: sub.termDuration,
      isTrial: sub.isTrial,
      autoRenewEnabled: sub.autoRenewEnabled,
      creationDate: sub.creationDate,
      effectiveStartDate: sub.effectiveStartDate,
      commitmentEndDate: sub.commitmentEndDate,
      unitType: sub.unitType,
      orderId: sub.orderId,
      ...(sub.partnerId ? { partnerId: sub.partnerId } : {}),
      suspensionReasons: [...sub.suspensionReasons],
      ...(sub.seatBatches.length > 0 ? { seatBatches: sub.seatBatches.map((b) => ({ ...b })) } : {}),
      ...(sub.servedAs !== undefined ? { servedAs: { ...sub.servedAs } } : {})
    })),
    users: tenant.users.map((user) => ({
      id: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      ...(user.givenName !== null ? { givenName: user.givenName } : {}),
      ...(user.surname !== null ? { surname: user.surname } : {}),
      ...(user.jobTitle !== null ? { jobTitle: user.jobTitle } : {}),
      mail: user.mail,
      accountEnabled: user.accountEnabled,
      userType: user.userType,
      assignedLicenses: user.assignedLicenses.map((l) => ({ skuId: l.skuId, disabledPlans: [...l.disabledPlans] })),
      mailbox: user.mailbox
        ? {
            type: user.mailbox.type,
            deleted: user.mailbox.deleted,
            itemCount: user.mailbox.itemCount,
            storageUsedBytes: user.mailbox.storageUsedBytes,
            hasArchive: user.mailbox.hasArchive,
            ...(user.mailbox.lastActivityDate ? { lastActivityDate: user.mailbox.lastActivityDate } : {})
          }
        : "none",
      createdDateTime: user.createdDateTime
    })),
    devices: tenant.devices.map((device) => ({ ...device, trustType: device.trustType as SeedDevice["trustType"] })),
    groups: tenant.groups.map((group) => ({
      id: group.id,
      displayName: group.displayName,
      ...(group.description !== null ? { description: group.description } : {}),
      mailEnabled: group.mailEnabled,
      securityEnabled: group.securityEnabled,
      members: group.members.flatMap((m) => {
        const upn = byId.get(m)
        return upn ? [upn] : []
      }),
      memberGroups: group.members.filter((m) => tenant.groups.some((g) => g.id === m)),
      memberDevices: group.members.flatMap((m) => {
        const device = tenant.devices.find((d) => d.id === m)
        return device ? [device.displayName] : []
      })
    }))
  }
}
