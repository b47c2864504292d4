/** A fixed sample digest message (Tailspin Toys is the tenant nobody added), used by the tests and docs/notification-email.md. */
import type { Notifier } from "@seatsync/core"

const text = [
  "SeatSync digest for Contoso MSP - Friday 4 December 2026",
  "",
  "NEW (1)",
  "- Tenant not added: Tailspin Toys (tailspintoys.onmicrosoft.com) holds 25 licenses",
  "  (Microsoft 365 Business Premium x 20, Exchange Online Plan 1 x 5) and is linked to no PSA company.",
  "  Unbilled: USD 464.00 a month. Link it: seatsync map tenant tailspintoys.onmicrosoft.com --company <id>",
  "",
  "RESOLVED (0)",
  "",
  "Coverage: 3 tenants checked, 2 companies synced, 0 reads failed.",
  ""
].join("\n")

const html = `<!doctype html>
<html lang="en"><body style="font-family: sans-serif">
<h1 style="font-size: 18px">SeatSync digest for Contoso MSP &ndash; Friday 4 December 2026</h1>
<h2 style="font-size: 15px">New (1)</h2>
<ul>
<li><strong>Tenant not added:</strong> Tailspin Toys (tailspintoys.onmicrosoft.com) holds 25 licenses
(Microsoft 365 Business Premium &times; 20, Exchange Online Plan 1 &times; 5) and is linked to no PSA company.
<br>Unbilled: <strong>USD 464.00</strong> a month.
Link it: <code>seatsync map tenant tailspintoys.onmicrosoft.com --company &lt;id&gt;</code></li>
</ul>
<h2 style="font-size: 15px">Resolved (0)</h2>
<p style="color: #555">Coverage: 3 tenants checked, 2 companies synced, 0 reads failed.</p>
</body></html>
`

/** The sample e-mail message. */
export const sampleEmail: Notifier.Message = {
  idempotencyKey: "digest-2026-12-04-daily-recipient-ops",
  channel: "email",
  address: "ops@contoso-msp.example",
  subject: "SeatSync: 1 new finding, USD 464.00 a month unbilled",
  text,
  html,
  json: {
    period: "2026-12-04",
    new: [{ kind: "TenantNotAdded", tenant: "Tailspin Toys", monthly: "464.00", currency: "USD" }],
    resolved: [],
    coverage: { tenantsChecked: 3, companiesSynced: 2, readsFailed: 0 }
  }
}
