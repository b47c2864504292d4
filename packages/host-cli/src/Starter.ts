/** The commented starter file `seatsync init` writes. */
export const starterYaml = `# SeatSync configuration. Secrets are read from the environment: { env: NAME }.
# Check it with: seatsync plan --config seatsync.yaml   (a dry run: nothing is written)

# SQLite file (created on first use) or a postgres:// URL.
storage: ./seatsync.db

microsoft:
  # partner: list customers from Partner Center (CSP, GDAP); tenant: one tenant with its own app consent.
  mode: partner
  tenantId: 00000000-0000-0000-0000-000000000000   # your partner tenant
  clientId: 00000000-0000-0000-0000-000000000000   # the app registration
  clientSecret: { env: SEATSYNC_MS_CLIENT_SECRET }
  refreshToken: { env: SEATSYNC_PC_REFRESH_TOKEN } # from the Partner Center consent flow

psa:
  kind: connectwise
  site: api-na.myconnectwise.net
  company: yourcompany
  publicKey: AbCdEf123
  privateKey: { env: SEATSYNC_CW_PRIVATE_KEY }
  clientId: 00000000-0000-0000-0000-000000000000   # from developer.connectwise.com
# For Autotask instead:
# psa:
#   kind: autotask
#   userName: api-user@example.com
#   secret: { env: SEATSYNC_AT_SECRET }
#   integrationCode: { env: SEATSYNC_AT_INTEGRATION_CODE }

settings:
  timeZone: America/Chicago        # "today" for billing
  safety: { maxDropPercent: 50 }   # hold decreases when a company's billed units drop more than this at once

billingProfiles:
  - id: m365-bp
    name: Microsoft 365 Business Premium
    productId: "501"               # the PSA catalog item
    # price: { _tag: PsaPriceAdjusted, percent: "10" }   # or { _tag: CustomPrice, unitPrice: "24.00" }
    # billing: Billable | DoNotBill | NoCharge
    # term: any | monthly | annual

companies:
  - companyId: "250"               # the PSA company
    name: Contoso Ltd
    tenantId: 00000000-0000-0000-0000-000000000000

mappings:
  - id: contoso-bp
    companyId: "250"
    license: { _tag: Sku, partNumber: SPB }
    billingProfileId: m365-bp
    agreementId: "1001"
    options:
      basis: purchased             # or assigned
      minimumQuantity: 0
      includedQuantity: 0
      prorate: true
      negativeProration: false
      usernames: none              # none | lines | comma
      showUnassigned: false
      existingLine: report         # report | adopt | createAlongside

exclusions:
  - { partNumber: FLOW_FREE, reason: free }
  - { partNumber: WINDOWS_STORE, reason: free }

customLicenses: []
`
