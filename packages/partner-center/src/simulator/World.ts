/**
 * The simulator's mutable world: the partner, its apps and the customer tenants, built from a seed,
 * with helpers that tests use to change it between two syncs.
 */
import { Data, Schema } from "effect"
import { stableGuid } from "./Ids.js"
import {
  CapabilityStatus,
  type ConsentState,
  customerIssues,
  decodeWith,
  type MailboxType,
  type MicrosoftSeed,
  type MicrosoftSeedInput,
  SeedCustomer,
  type SeedCustomerInput,
  SeedDevice,
  type SeedDeviceInput,
  SeedError,
  SeedGroup,
  type SeedGroupInput,
  type SeedMailbox,
  SeedMailbox as SeedMailboxSchema,
  SeedSku,
  type SeedSkuInput,
  SeedSubscription,
  type SeedSubscriptionInput,
  SeedUser,
  type SeedUserInput,
  SubscriptionStatus,
  seedError
} from "./Seed.js"

/** A world helper was asked about a tenant, SKU, user… that does not exist, or to create a duplicate. */
export class SimulatorWorldError extends Data.TaggedError("SimulatorWorldError")<{ readonly message: string }> {}

const fail = (message: string): never => {
  throw new SimulatorWorldError({ message })
}

export interface PrepaidUnitsState {
  enabled: number
  suspended: number
  warning: number
  lockedOut: number
}

export interface ServicePlanState {
  readonly servicePlanId: string
  readonly servicePlanName: string
  readonly displayName: string
  readonly provisioningStatus: string
  readonly appliesTo: "User" | "Company"
}

export interface SkuState {
  readonly skuId: string
  readonly skuPartNumber: string
  readonly displayName: string
  readonly appliesTo: "User" | "Company"
  prepaidUnits: PrepaidUnitsState
  capabilityStatus: CapabilityStatus | undefined
  readonly licenseGroupId: "group1" | "group2" | "none"
  readonly servicePlans: ReadonlyArray<ServicePlanState>
}

export interface SubscriptionState {
  readonly id: string
  readonly skuId: string
  offerId: string
  offerName: string
  friendlyName: string
  readonly kind: "nce" | "legacy"
  quantity: number
  status: SubscriptionStatus
  billingCycle: string
  termDuration: string
  isTrial: boolean
  autoRenewEnabled: boolean
  readonly creationDate: string
  effectiveStartDate: string
  commitmentEndDate: string
  readonly unitType: string
  readonly orderId: string
  readonly partnerId: string | undefined
  suspensionReasons: ReadonlyArray<string>
}

export interface MailboxState {
  type: MailboxType
  deleted: boolean
  itemCount: number
  storageUsedBytes: number
  hasArchive: boolean
  lastActivityDate: string | undefined
}

export interface AssignedLicenseState {
  readonly skuId: string
  readonly disabledPlans: ReadonlyArray<string>
}

export interface UserState {
  readonly id: string
  userPrincipalName: string
  displayName: string
  givenName: string | null
  surname: string | null
  jobTitle: string | null
  mail: string | null
  accountEnabled: boolean
  userType: "Member" | "Guest"
  assignedLicenses: Array<AssignedLicenseState>
  mailbox: MailboxState | undefined
  readonly createdDateTime: string
}

export interface DeviceState {
  readonly id: string
  readonly deviceId: string
  displayName: string
  operatingSystem: string
  operatingSystemVersion: string
  accountEnabled: boolean
  trustType: string
}

export interface GroupState {
  readonly id: string
  displayName: string
  description: string | null
  mailEnabled: boolean
  securityEnabled: boolean
  /** Direct members by object id (users, groups, devices). */
  members: Array<string>
}

export interface TenantState {
  readonly tenantId: string
  readonly isPartner: boolean
  companyName: string
  domains: ReadonlyArray<string>
  readonly commerceId: string
  relationshipToPartner: string
  allowDelegatedAccess: boolean | null
  readonly countryLetterCode: string
  consent: ConsentState
  grantedAppRoles: ReadonlyArray<string> | undefined
  delegatedAccess: boolean
  displayConcealedNames: boolean
  readonly skus: Array<SkuState>
  readonly subscriptions: Array<SubscriptionState>
  readonly users: Array<UserState>
  readonly devices: Array<DeviceState>
  readonly groups: Array<GroupState>
}

export interface PartnerState {
  readonly tenantId: string
  readonly name: string
  readonly domain: string
  readonly mpnId: string
  readonly admin: {
    readonly id: string
    readonly userPrincipalName: string
    readonly displayName: string
    mfa: boolean
  }
}

export interface AppState {
  readonly clientId: string
  readonly clientSecret: string
  readonly displayName: string
  readonly redirectUris: ReadonlyArray<string>
  readonly refreshTokens: ReadonlyArray<string>
}

/** Graph application permissions granted by a consent when the seed does not list them. */
export const DEFAULT_APP_ROLES: ReadonlyArray<string> = [
  "Organization.Read.All",
  "Directory.Read.All",
  "User.Read.All",
  "Device.Read.All",
  "GroupMember.Read.All",
  "Reports.Read.All",
  "ReportSettings.Read.All"
]

const DEFAULT_CREATED = "2025-01-15T09:00:00Z"

/** `2026-03-01` → `2026-03-01T00:00:00Z`. */
export const toDateTime = (value: string): string => (value.length === 10 ? `${value}T00:00:00Z` : value)

const lower = (value: string) => value.toLowerCase()

/** The capability status Graph reports for a SKU (§4.2): Enabled if any enabled unit, and so on. */
export const capabilityStatusOf = (sku: SkuState): CapabilityStatus => {
  if (sku.capabilityStatus !== undefined) return sku.capabilityStatus
  const units = sku.prepaidUnits
  if (units.enabled > 0) return "Enabled"
  if (units.warning > 0) return "Warning"
  if (units.suspended > 0) return "Suspended"
  if (units.lockedOut > 0) return "LockedOut"
  return "Deleted"
}

const mailboxFrom = (mailbox: SeedMailbox | undefined, user: SeedUser): MailboxState | undefined => {
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

const userFrom = (tenantId: string, user: SeedUser): UserState => {
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

const skuFrom = (sku: SeedSku): SkuState => ({
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

const subscriptionFrom = (tenantId: string, index: number, sub: SeedSubscription): SubscriptionState => {
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
    suspensionReasons: sub.suspensionReasons
  }
}

const devicePrefix = (tenant: { domains: ReadonlyArray<string> }) =>
  (tenant.domains[0] ?? "TENANT").split(".")[0]?.toUpperCase() ?? "TENANT"

const deviceFrom = (tenantId: string, device: SeedDevice): DeviceState => ({
  id: lower(device.id ?? stableGuid("device", lower(tenantId), device.displayName)),
  deviceId: lower(device.deviceId ?? stableGuid("device-id", lower(tenantId), device.displayName)),
  displayName: device.displayName,
  operatingSystem: device.operatingSystem,
  operatingSystemVersion: device.operatingSystemVersion,
  accountEnabled: device.accountEnabled,
  trustType: device.trustType
})

const generatedDevice = (tenantId: string, prefix: string, n: number): DeviceState =>
  deviceFrom(tenantId, {
    displayName: `${prefix}-PC-${String(n).padStart(3, "0")}`,
    operatingSystem: "Windows",
    operatingSystemVersion: "10.0.26100.2314",
    accountEnabled: true,
    trustType: "AzureAd"
  })

const tenantFrom = (customer: SeedCustomer): TenantState => {
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

const UserPatch = Schema.Struct({
  userPrincipalName: Schema.optionalWith(Schema.String, { exact: true }),
  displayName: Schema.optionalWith(Schema.String, { exact: true }),
  jobTitle: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true }),
  mail: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true }),
  accountEnabled: Schema.optionalWith(Schema.Boolean, { exact: true }),
  userType: Schema.optionalWith(Schema.Literal("Member", "Guest"), { exact: true }),
  mailbox: Schema.optionalWith(SeedMailboxSchema, { exact: true })
})
export type UserPatch = Schema.Schema.Encoded<typeof UserPatch>

const SubscriptionPatch = Schema.Struct({
  offerName: Schema.optionalWith(Schema.String, { exact: true }),
  friendlyName: Schema.optionalWith(Schema.String, { exact: true }),
  status: Schema.optionalWith(SubscriptionStatus, { exact: true }),
  billingCycle: Schema.optionalWith(SeedSubscription.fields.billingCycle, { exact: true }),
  termDuration: Schema.optionalWith(SeedSubscription.fields.termDuration, { exact: true }),
  isTrial: Schema.optionalWith(Schema.Boolean, { exact: true }),
  autoRenewEnabled: Schema.optionalWith(Schema.Boolean, { exact: true }),
  effectiveStartDate: Schema.optionalWith(SeedSubscription.fields.effectiveStartDate, { exact: true }),
  commitmentEndDate: Schema.optionalWith(SeedSubscription.fields.commitmentEndDate, { exact: true }),
  suspensionReasons: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
})
export type SubscriptionPatch = Schema.Schema.Encoded<typeof SubscriptionPatch>

const SkuUnitsPatch = Schema.Struct({
  enabled: Schema.optionalWith(Schema.NonNegativeInt, { exact: true }),
  suspended: Schema.optionalWith(Schema.NonNegativeInt, { exact: true }),
  warning: Schema.optionalWith(Schema.NonNegativeInt, { exact: true }),
  lockedOut: Schema.optionalWith(Schema.NonNegativeInt, { exact: true }),
  capabilityStatus: Schema.optionalWith(Schema.NullOr(CapabilityStatus), { exact: true })
})
/** New prepaid unit counts for a SKU (omitted ones keep their value); `capabilityStatus: null` derives it again. */
export type SkuUnitsPatch = Schema.Schema.Encoded<typeof SkuUnitsPatch>

/** A group member reference for {@link SimulatorWorld.addGroupMember}. */
export type GroupMemberRef = { readonly user: string } | { readonly group: string } | { readonly device: string }

/** The simulated Microsoft side: partner, apps and customer tenants, readable and changeable at runtime. */
export class SimulatorWorld {
  readonly partner: PartnerState
  readonly apps: ReadonlyArray<AppState>
  private readonly partnerTenant: TenantState
  private readonly customerList: Array<TenantState>

  constructor(seed: MicrosoftSeed) {
    const partnerId = lower(seed.partner.tenantId)
    this.partner = {
      tenantId: partnerId,
      name: seed.partner.name,
      domain: seed.partner.domain,
      mpnId: seed.partner.mpnId ?? "1234567",
      admin: {
        id: lower(seed.partner.admin.id ?? stableGuid("user", partnerId, lower(seed.partner.admin.userPrincipalName))),
        userPrincipalName: seed.partner.admin.userPrincipalName,
        displayName: seed.partner.admin.displayName,
        mfa: seed.partner.admin.mfa
      }
    }
    this.apps = seed.apps.map((app) => ({
      clientId: lower(app.clientId),
      clientSecret: app.clientSecret,
      displayName: app.displayName,
      redirectUris: app.redirectUris,
      refreshTokens: app.refreshTokens
    }))
    this.partnerTenant = {
      tenantId: partnerId,
      isPartner: true,
      companyName: seed.partner.name,
      domains: [seed.partner.domain],
      commerceId: stableGuid("commerce", partnerId),
      relationshipToPartner: "none",
      allowDelegatedAccess: null,
      countryLetterCode: "US",
      consent: "granted",
      grantedAppRoles: undefined,
      delegatedAccess: true,
      displayConcealedNames: false,
      skus: [],
      subscriptions: [],
      users: [],
      devices: [],
      groups: []
    }
    this.customerList = seed.customers.map(tenantFrom)
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The customer tenants, in seed order (the order Partner Center lists them). */
  customers(): ReadonlyArray<TenantState> {
    return this.customerList
  }

  /** A customer tenant by id or verified domain, or undefined. */
  findCustomer(idOrDomain: string): TenantState | undefined {
    const key = lower(idOrDomain)
    return this.customerList.find((t) => t.tenantId === key || t.domains.some((d) => lower(d) === key))
  }

  /** Any tenant (customer or the partner's own) by id or verified domain, or undefined. */
  findTenant(idOrDomain: string): TenantState | undefined {
    const key = lower(idOrDomain)
    if (key === this.partnerTenant.tenantId || key === lower(this.partner.domain)) return this.partnerTenant
    return this.findCustomer(key)
  }

  /** A customer tenant by id or domain; throws SimulatorWorldError when unknown. */
  tenant(idOrDomain: string): TenantState {
    return this.findCustomer(idOrDomain) ?? fail(`No customer tenant ${idOrDomain}`)
  }

  findApp(clientId: string): AppState | undefined {
    return this.apps.find((app) => app.clientId === lower(clientId))
  }

  /** Assigned units of a SKU: users holding it (enabled or not, as Entra counts them). */
  consumedUnits(tenantIdOrDomain: string, skuId: string): number {
    const tenant = this.findTenant(tenantIdOrDomain) ?? fail(`No tenant ${tenantIdOrDomain}`)
    return consumedUnitsOf(tenant, skuId)
  }

  sku(tenantId: string, skuIdOrPartNumber: string): SkuState {
    const tenant = this.tenant(tenantId)
    const key = lower(skuIdOrPartNumber)
    return (
      tenant.skus.find((s) => s.skuId === key || lower(s.skuPartNumber) === key) ??
      fail(`No SKU ${skuIdOrPartNumber} in tenant ${tenant.companyName}`)
    )
  }

  user(tenantId: string, idOrUpn: string): UserState {
    const tenant = this.tenant(tenantId)
    const key = lower(idOrUpn)
    return (
      tenant.users.find((u) => u.id === key || lower(u.userPrincipalName) === key) ??
      fail(`No user ${idOrUpn} in tenant ${tenant.companyName}`)
    )
  }

  subscription(tenantId: string, subscriptionId: string): SubscriptionState {
    const tenant = this.tenant(tenantId)
    return (
      tenant.subscriptions.find((s) => s.id === lower(subscriptionId)) ??
      fail(`No subscription ${subscriptionId} in tenant ${tenant.companyName}`)
    )
  }

  group(tenantId: string, idOrName: string): GroupState {
    const tenant = this.tenant(tenantId)
    const key = lower(idOrName)
    return (
      tenant.groups.find((g) => g.id === key || lower(g.displayName) === key) ??
      fail(`No group ${idOrName} in tenant ${tenant.companyName}`)
    )
  }

  // ---- tenants and consent -------------------------------------------------------------------

  /** Adds a customer tenant (seed format); throws SeedError naming the bad field. */
  addTenant(input: SeedCustomerInput): TenantState {
    const customer = decodeWith(SeedCustomer, input, "customer")
    const issues = customerIssues(customer, "customer")
    if (issues.length > 0) throw seedError(issues)
    if (this.findTenant(customer.tenantId)) fail(`Tenant ${customer.tenantId} already exists`)
    const tenant = tenantFrom(customer)
    this.customerList.push(tenant)
    return tenant
  }

  /** Removes a customer (it disappears from Partner Center and its tokens stop working). */
  removeTenant(tenantId: string): void {
    const tenant = this.tenant(tenantId)
    this.customerList.splice(this.customerList.indexOf(tenant), 1)
  }

  /** Grants, withholds or revokes the app's consent in a customer tenant (optionally with its Graph roles). */
  setConsent(tenantId: string, consent: ConsentState, grantedAppRoles?: ReadonlyArray<string>): void {
    const tenant = this.tenant(tenantId)
    tenant.consent = consent
    if (grantedAppRoles !== undefined) tenant.grantedAppRoles = grantedAppRoles
  }

  /** Turns the partner's delegated (GDAP) access to a customer on or off. */
  setDelegatedAccess(tenantId: string, enabled: boolean): void {
    this.tenant(tenantId).delegatedAccess = enabled
  }

  setDisplayConcealedNames(tenantId: string, concealed: boolean): void {
    this.tenant(tenantId).displayConcealedNames = concealed
  }

  /** Whether the partner admin's sign-ins carry MFA (affects tokens issued from now on). */
  setPartnerAdminMfa(mfa: boolean): void {
    this.partner.admin.mfa = mfa
  }

  // ---- SKUs and subscriptions ----------------------------------------------------------------

  addSku(tenantId: string, input: SeedSkuInput): SkuState {
    const tenant = this.tenant(tenantId)
    const sku = skuFrom(decodeWith(SeedSku, input, "sku"))
    if (tenant.skus.some((s) => s.skuId === sku.skuId)) fail(`SKU ${sku.skuId} already exists in ${tenant.companyName}`)
    tenant.skus.push(sku)
    return sku
  }

  /** Sets a SKU's prepaid units (what Graph reports as prepaidUnits and Partner Center as active/warning/suspended). */
  setSkuUnits(tenantId: string, skuIdOrPartNumber: string, patch: SkuUnitsPatch): SkuState {
    const sku = this.sku(tenantId, skuIdOrPartNumber)
    const decoded = decodeWith(SkuUnitsPatch, patch, "units")
    const { capabilityStatus, ...units } = decoded
    sku.prepaidUnits = { ...sku.prepaidUnits, ...units }
    if (capabilityStatus !== undefined) sku.capabilityStatus = capabilityStatus ?? undefined
    return sku
  }

  /**
   * Makes `count` users hold the SKU: assigns it to enabled members who lack it (then to new users
   * `seat-N@{default domain}`), or removes it from the last holders.
   */
  setConsumedUnits(tenantId: string, skuIdOrPartNumber: string, count: number): void {
    const tenant = this.tenant(tenantId)
    const sku = this.sku(tenantId, skuIdOrPartNumber)
    if (!Number.isInteger(count) || count < 0) fail(`consumed units must be an integer >= 0, got ${count}`)
    const holders = tenant.users.filter((u) => u.assignedLicenses.some((l) => l.skuId === sku.skuId))
    if (holders.length > count) {
      for (const user of holders.slice(count)) {
        user.assignedLicenses = user.assignedLicenses.filter((l) => l.skuId !== sku.skuId)
      }
      return
    }
    let missing = count - holders.length
    for (const user of tenant.users) {
      if (missing === 0) return
      const eligible = user.userType === "Member" && user.accountEnabled && user.mailbox?.type !== "shared"
      if (eligible && !user.assignedLicenses.some((l) => l.skuId === sku.skuId)) {
        user.assignedLicenses.push({ skuId: sku.skuId, disabledPlans: [] })
        missing--
      }
    }
    const domain = tenant.domains[0] ?? "example.com"
    let n = tenant.users.length + 1
    while (missing > 0) {
      const upn = `seat-${n}@${domain}`
      n++
      if (tenant.users.some((u) => lower(u.userPrincipalName) === upn)) continue
      this.addUser(tenantId, { userPrincipalName: upn, displayName: `Seat ${n - 1}`, assignedLicenses: [sku.skuId] })
      missing--
    }
  }

  addSubscription(tenantId: string, input: SeedSubscriptionInput): SubscriptionState {
    const tenant = this.tenant(tenantId)
    const decoded = decodeWith(SeedSubscription, input, "subscription")
    if (!tenant.skus.some((s) => s.skuId === lower(decoded.skuId))) {
      throw new SeedError({
        simulator: "Microsoft",
        issues: [{ path: "subscription.skuId", message: `No SKU ${decoded.skuId} in tenant ${tenant.companyName}` }]
      })
    }
    const subscription = subscriptionFrom(tenant.tenantId, tenant.subscriptions.length, decoded)
    if (tenant.subscriptions.some((s) => s.id === subscription.id))
      fail(`Subscription ${subscription.id} already exists`)
    tenant.subscriptions.push(subscription)
    return subscription
  }

  updateSubscription(tenantId: string, subscriptionId: string, patch: SubscriptionPatch): SubscriptionState {
    const subscription = this.subscription(tenantId, subscriptionId)
    const decoded = decodeWith(SubscriptionPatch, patch, "patch")
    Object.assign(subscription, {
      ...decoded,
      ...(decoded.effectiveStartDate !== undefined
        ? { effectiveStartDate: toDateTime(decoded.effectiveStartDate) }
        : {}),
      ...(decoded.commitmentEndDate !== undefined ? { commitmentEndDate: toDateTime(decoded.commitmentEndDate) } : {})
    })
    return subscription
  }

  /**
   * Changes a subscription's seat count. By default the SKU's prepaid units move by the same delta
   * (enabled for an active subscription, suspended for a suspended one), as Microsoft provisions them.
   */
  setSubscriptionQuantity(
    tenantId: string,
    subscriptionId: string,
    quantity: number,
    options: { readonly adjustSkuUnits?: boolean } = {}
  ): SubscriptionState {
    const subscription = this.subscription(tenantId, subscriptionId)
    if (!Number.isInteger(quantity) || quantity < 0) fail(`quantity must be an integer >= 0, got ${quantity}`)
    const delta = quantity - subscription.quantity
    subscription.quantity = quantity
    if (options.adjustSkuUnits ?? true) {
      const sku = this.tenant(tenantId).skus.find((s) => s.skuId === subscription.skuId)
      if (sku && subscription.status === "active") {
        sku.prepaidUnits.enabled = Math.max(0, sku.prepaidUnits.enabled + delta)
      } else if (sku && subscription.status === "suspended") {
        sku.prepaidUnits.suspended = Math.max(0, sku.prepaidUnits.suspended + delta)
      }
    }
    return subscription
  }

  removeSubscription(tenantId: string, subscriptionId: string): void {
    const tenant = this.tenant(tenantId)
    const subscription = this.subscription(tenantId, subscriptionId)
    tenant.subscriptions.splice(tenant.subscriptions.indexOf(subscription), 1)
  }

  // ---- users ---------------------------------------------------------------------------------

  addUser(tenantId: string, input: SeedUserInput): UserState {
    const tenant = this.tenant(tenantId)
    const decoded = decodeWith(SeedUser, input, "user")
    const user = userFrom(tenant.tenantId, decoded)
    if (tenant.users.some((u) => u.id === user.id || lower(u.userPrincipalName) === lower(user.userPrincipalName))) {
      fail(`User ${user.userPrincipalName} already exists in ${tenant.companyName}`)
    }
    for (const license of user.assignedLicenses) {
      if (!tenant.skus.some((s) => s.skuId === license.skuId)) fail(`No SKU ${license.skuId} in ${tenant.companyName}`)
    }
    tenant.users.push(user)
    return user
  }

  updateUser(tenantId: string, idOrUpn: string, patch: UserPatch): UserState {
    const user = this.user(tenantId, idOrUpn)
    const decoded = decodeWith(UserPatch, patch, "patch")
    const { mailbox, ...rest } = decoded
    Object.assign(user, rest)
    if (mailbox !== undefined) {
      user.mailbox = mailboxFrom(mailbox, {
        userPrincipalName: user.userPrincipalName,
        displayName: user.displayName,
        accountEnabled: user.accountEnabled,
        userType: user.userType,
        assignedLicenses: user.assignedLicenses
      })
      if (user.mailbox !== undefined && user.mail === null) user.mail = user.userPrincipalName
    }
    return user
  }

  removeUser(tenantId: string, idOrUpn: string): void {
    const tenant = this.tenant(tenantId)
    const user = this.user(tenantId, idOrUpn)
    tenant.users.splice(tenant.users.indexOf(user), 1)
    for (const group of tenant.groups) group.members = group.members.filter((m) => m !== user.id)
  }

  assignLicense(tenantId: string, idOrUpn: string, skuIdOrPartNumber: string): void {
    const sku = this.sku(tenantId, skuIdOrPartNumber)
    const user = this.user(tenantId, idOrUpn)
    if (!user.assignedLicenses.some((l) => l.skuId === sku.skuId)) {
      user.assignedLicenses.push({ skuId: sku.skuId, disabledPlans: [] })
    }
  }

  removeLicense(tenantId: string, idOrUpn: string, skuIdOrPartNumber: string): void {
    const sku = this.sku(tenantId, skuIdOrPartNumber)
    const user = this.user(tenantId, idOrUpn)
    user.assignedLicenses = user.assignedLicenses.filter((l) => l.skuId !== sku.skuId)
  }

  // ---- devices and groups --------------------------------------------------------------------

  addDevice(tenantId: string, input: SeedDeviceInput): DeviceState {
    const tenant = this.tenant(tenantId)
    const device = deviceFrom(tenant.tenantId, decodeWith(SeedDevice, input, "device"))
    if (tenant.devices.some((d) => d.id === device.id)) fail(`Device ${device.displayName} already exists`)
    tenant.devices.push(device)
    return device
  }

  removeDevice(tenantId: string, idOrName: string): void {
    const tenant = this.tenant(tenantId)
    const index = tenant.devices.findIndex((d) => d.id === lower(idOrName) || d.displayName === idOrName)
    if (index < 0) fail(`No device ${idOrName} in ${tenant.companyName}`)
    const [device] = tenant.devices.splice(index, 1)
    for (const group of tenant.groups) group.members = group.members.filter((m) => m !== device?.id)
  }

  /** Adds generated devices or removes the last ones until the tenant has `count`. */
  setDeviceCount(tenantId: string, count: number): void {
    const tenant = this.tenant(tenantId)
    if (!Number.isInteger(count) || count < 0) fail(`device count must be an integer >= 0, got ${count}`)
    while (tenant.devices.length > count) {
      const device = tenant.devices[tenant.devices.length - 1]
      if (device) this.removeDevice(tenantId, device.id)
    }
    let n = tenant.devices.length + 1
    while (tenant.devices.length < count) {
      const device = generatedDevice(tenant.tenantId, devicePrefix(tenant), n++)
      if (!tenant.devices.some((d) => d.id === device.id)) tenant.devices.push(device)
    }
  }

  addGroup(tenantId: string, input: SeedGroupInput): GroupState {
    const tenant = this.tenant(tenantId)
    const decoded = decodeWith(SeedGroup, input, "group")
    const group: GroupState = {
      id: lower(decoded.id ?? stableGuid("group", tenant.tenantId, decoded.displayName)),
      displayName: decoded.displayName,
      description: decoded.description ?? null,
      mailEnabled: decoded.mailEnabled,
      securityEnabled: decoded.securityEnabled,
      members: []
    }
    if (tenant.groups.some((g) => g.id === group.id)) fail(`Group ${group.displayName} already exists`)
    tenant.groups.push(group)
    for (const user of decoded.members) this.addGroupMember(tenantId, group.id, { user })
    for (const nested of decoded.memberGroups) this.addGroupMember(tenantId, group.id, { group: nested })
    for (const device of decoded.memberDevices) this.addGroupMember(tenantId, group.id, { device })
    return group
  }

  addGroupMember(tenantId: string, groupIdOrName: string, member: GroupMemberRef): void {
    const group = this.group(tenantId, groupIdOrName)
    const id = this.memberId(tenantId, member)
    if (!group.members.includes(id)) group.members.push(id)
  }

  removeGroupMember(tenantId: string, groupIdOrName: string, member: GroupMemberRef): void {
    const group = this.group(tenantId, groupIdOrName)
    const id = this.memberId(tenantId, member)
    group.members = group.members.filter((m) => m !== id)
  }

  private memberId(tenantId: string, member: GroupMemberRef): string {
    if ("user" in member) return this.user(tenantId, member.user).id
    if ("group" in member) return this.group(tenantId, member.group).id
    const tenant = this.tenant(tenantId)
    const device = tenant.devices.find((d) => d.id === lower(member.device) || d.displayName === member.device)
    return device?.id ?? fail(`No device ${member.device} in ${tenant.companyName}`)
  }

  // ---- export --------------------------------------------------------------------------------

  /** The current world in seed format (feed it back to start an identical simulator). */
  toSeed(): MicrosoftSeedInput {
    return {
      partner: {
        tenantId: this.partner.tenantId,
        name: this.partner.name,
        domain: this.partner.domain,
        mpnId: this.partner.mpnId,
        admin: { ...this.partner.admin }
      },
      apps: nonEmpty(
        this.apps.map((app) => ({ ...app, redirectUris: [...app.redirectUris], refreshTokens: [...app.refreshTokens] }))
      ),
      customers: this.customerList.map((tenant) => customerToSeed(tenant))
    }
  }
}

const nonEmpty = <A>(items: ReadonlyArray<A>): [A, ...Array<A>] => {
  const [first, ...rest] = items
  return first === undefined ? fail("the world has no apps") : [first, ...rest]
}

/** Assigned units of a SKU in a tenant. */
export const consumedUnitsOf = (tenant: TenantState, skuId: string): number =>
  tenant.users.filter((u) => u.assignedLicenses.some((l) => l.skuId === lower(skuId))).length

const customerToSeed = (tenant: TenantState): SeedCustomerInput => {
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
      suspensionReasons: [...sub.suspensionReasons]
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
