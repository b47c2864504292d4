/**
 * `seatsync commitments`, once it runs (commands/Commitments.ts loads this module then): reads
 * each configured company's tenant and prints its renewal plan (core `Commitments.renewalPlan`)
 * and its commitment findings (seats reducible now, renewals soon, trials ending, monthly top-ups).
 * Nothing is written. A tenant that cannot be read is listed under `unread` and the exit is 3.
 */
import { Commitments, Findings, LocalDate, LicenseSource as SourcePort } from "@seatsync/core"
import { Clock, Effect, Option } from "effect"
import { exitWith, type Handler, wantsJson } from "./commands/Common.js"
import { ExitCode } from "./ExitCode.js"
import { Io } from "./Io.js"
import * as Wiring from "./Wiring.js"

const minimal = { users: false, mailboxes: false, devices: false, groups: [] }

export const commitments = (options: {
  readonly config: string
  readonly asOf: Option.Option<LocalDate.LocalDate>
  readonly json: boolean
}): Handler =>
  Effect.gen(function* () {
    const io = yield* Io
    const result = yield* Wiring.withConfig(options.config, io, (connected) =>
      Effect.gen(function* () {
        const source = yield* SourcePort.LicenseSource
        const now = yield* Clock.currentTimeMillis
        const { settings, companies } = connected.file
        const asOf = Option.getOrElse(options.asOf, () => LocalDate.ofInstant(now, settings.timeZone))
        const plan: Array<Commitments.RenewalStep> = []
        const findings: Array<Findings.Finding> = []
        const unread: Array<{ readonly companyId: string; readonly tenantId: string; readonly message: string }> = []
        for (const company of companies.filter((c) => c.enabled)) {
          const read = yield* Effect.either(source.readSnapshot(company.tenantId, minimal))
          if (read._tag === "Left") {
            unread.push({ companyId: company.companyId, tenantId: company.tenantId, message: read.left.message })
            continue
          }
          const where = { companyId: company.companyId, tenantId: company.tenantId, snapshot: read.right }
          plan.push(...Commitments.renewalPlan({ ...where, asOf }))
          findings.push(
            ...Commitments.findings({
              ...where,
              now,
              timeZone: settings.timeZone,
              tenantTimeZone: company.timeZone,
              settings: settings.commitments
            })
          )
        }
        plan.sort((a, b) => (a.renewalDate < b.renewalDate ? -1 : a.renewalDate > b.renewalDate ? 1 : 0))
        return { asOf, plan, findings, unread }
      })
    )
    if (wantsJson(io, options.json)) {
      yield* io.out(`${JSON.stringify(result)}\n`)
    } else {
      yield* io.out(`Renewal plan as of ${result.asOf}:\n`)
      if (result.plan.length === 0) yield* io.out("  nothing to reduce at renewal\n")
      for (const step of result.plan) {
        yield* io.out(
          `  company ${step.companyId}: ${step.text} (${step.unused} of ${step.quantity} seats unused; subscription ${step.subscriptionId})\n`
        )
      }
      if (result.findings.length > 0) yield* io.out("Findings:\n")
      for (const f of result.findings) yield* io.out(`  ${Findings.describe(f)}\n`)
      for (const u of result.unread) yield* io.out(`  NOT READ company ${u.companyId}: ${u.message}\n`)
    }
    return yield* exitWith(result.unread.length > 0 ? ExitCode.partial : ExitCode.ok)
  })
