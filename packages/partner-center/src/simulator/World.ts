/**
 * The simulator's mutable world: the partner, its apps and the customer tenants, built from a seed,
 * with helpers that tests use to change it between two syncs. The state types are in WorldState.ts,
 * the seed conversions in WorldSeed.ts.
 */
import { Schema } from "effect"
import { stableGuid } from "./Ids.js"
import {
  CapabilityStatus,
  type ConsentState,
  customerIssues,
  decodeWith,
  type MicrosoftSeed,
  type MicrosoftSeedInput,
  SeedCustomer,
  type SeedCustomerInput,
  SeedDevice,
  type SeedDeviceInput,
  SeedError,
  SeedGroup,
  type SeedGroupInput,
  SeedMailbox as SeedMailboxSchema,
  SeedSku,
  type SeedSkuInput,
  SeedSubscription,
  type SeedSubscriptionInput,
  SeedUser,
  type SeedUserInput,
  ServedAs,
  SubscriptionStatus,
  seedError
} from "./Seed.js"
import {
  customerToSeed,
  deviceFrom,
  devicePrefix,
  generatedDevice,
  mailboxFrom,
  nonEmpty,
  skuFrom,
  subscriptionFrom,
  tenantFrom,
  userFrom
} from "./WorldSeed.js"
import {
  type AppState,
  consumedUnitsOf,
  type DeviceState,
  fail,
  type GroupState,
  lower,
  type PartnerState,
  type SkuState,
  type SubscriptionState,
  seatBatchOf,
  type TenantState,
  toDateTime,
  type UserState
} from "./WorldState.js"

export type {
  AppState,
  AssignedLicenseState,
  DeviceState,
  GroupState,
  MailboxState,
  PartnerState,
  PrepaidUnitsState,
  SeatBatchState,
  ServicePlanState,
  SkuState,
  SubscriptionState,
  TenantState,
  UserState
} from "./WorldState.js"
export {
  capabilityStatusOf,
  consumedUnitsOf,
  DEFAULT_APP_ROLES,
  RETURN_WINDOW_MS,
  refundableBatches,
  SimulatorWorldError,
  seatBatchOf,
  toDateTime
} from "./WorldState.js"

export const UserPatch = Schema.Struct({
  userPrincipalName: Schema.optionalWith(Schema.String, { exact: true }),
  displayName: Schema.optionalWith(Schema.String, { exact: true }),
  jobTitle: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true }),
  mail: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true }),
  accountEnabled: Schema.optionalWith(Schema.Boolean, { exact: true }),
  userType: Schema.optionalWith(Schema.Literal("Member", "Guest"), { exact: true }),
  mailbox: Schema.optionalWith(SeedMailboxSchema, { exact: true })
})
export type UserPatch = Schema.Schema.Encoded<typeof UserPatch>

export const SubscriptionPatch = Schema.Struct({
  offerName: Schema.optionalWith(Schema.String, { exact: true }),
  friendlyName: Schema.optionalWith(Schema.String, { exact: true }),
  status: Schema.optionalWith(SubscriptionStatus, { exact: true }),
  billingCycle: Schema.optionalWith(SeedSubscription.fields.billingCycle, { exact: true }),
  termDuration: Schema.optionalWith(SeedSubscription.fields.termDuration, { exact: true }),
  isTrial: Schema.optionalWith(Schema.Boolean, { exact: true }),
  autoRenewEnabled: Schema.optionalWith(Schema.Boolean, { exact: true }),
  effectiveStartDate: Schema.optionalWith(SeedSubscription.fields.effectiveStartDate, { exact: true }),
  commitmentEndDate: Schema.optionalWith(SeedSubscription.fields.commitmentEndDate, { exact: true }),
  suspensionReasons: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }),
  servedAs: Schema.optionalWith(ServedAs, { exact: true })
})
export type SubscriptionPatch = Schema.Schema.Encoded<typeof SubscriptionPatch>

export const SkuUnitsPatch = Schema.Struct({
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
   * With `purchasedAt` (an instant), an increase is a new seat batch, reducible for 168 hours
   * after it (NCE); a decrease gives up the newest batches' seats first.
   */
  setSubscriptionQuantity(
    tenantId: string,
    subscriptionId: string,
    quantity: number,
    options: { readonly adjustSkuUnits?: boolean; readonly purchasedAt?: string } = {}
  ): SubscriptionState {
    const subscription = this.subscription(tenantId, subscriptionId)
    if (!Number.isInteger(quantity) || quantity < 0) fail(`quantity must be an integer >= 0, got ${quantity}`)
    const delta = quantity - subscription.quantity
    subscription.quantity = quantity
    if (delta > 0 && options.purchasedAt !== undefined) {
      subscription.seatBatches.push(seatBatchOf({ quantity: delta, purchased: options.purchasedAt }))
    } else if (delta < 0) {
      let give = -delta
      for (let i = subscription.seatBatches.length - 1; i >= 0 && give > 0; i--) {
        const batch = subscription.seatBatches[i]
        if (batch === undefined) continue
        const taken = Math.min(give, batch.quantity)
        give -= taken
        subscription.seatBatches[i] = { ...batch, quantity: batch.quantity - taken }
      }
      subscription.seatBatches = subscription.seatBatches.filter((b) => b.quantity > 0)
    }
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
