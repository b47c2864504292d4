/**
 * `seatsync tenants` and `seatsync automap`, once they run (commands/Tenants.ts loads this module
 * then): the tenants Microsoft shows, and proposed links to PSA companies.
 */
import { AutoMap, type Psa, LicenseSource as SourcePort } from "@seatsync/core"
import { Effect } from "effect"
import { type Handler, wantsJson } from "./commands/Common.js"
import { Io } from "./Io.js"
import * as Wiring from "./Wiring.js"

const asWiringError = (e: { readonly message: string }) => new Wiring.WiringError({ message: e.message })

/** Lists the tenants Microsoft shows, each with the company it is linked to. */
export const tenants = (options: { readonly config: string; readonly json: boolean }): Handler =>
  Effect.gen(function* () {
    const io = yield* Io
    const list = yield* Wiring.withConfig(options.config, io, (connected) =>
      Effect.gen(function* () {
        const source = yield* SourcePort.LicenseSource
        const listed = yield* source.listTenants.pipe(Effect.mapError(asWiringError))
        const linked = new Map(connected.file.companies.map((c) => [c.tenantId.toLowerCase(), c]))
        return listed.map((t) => ({
          tenantId: t.tenantId,
          name: t.name,
          domains: t.domains,
          linkedTo: linked.get(t.tenantId.toLowerCase())?.companyId ?? null
        }))
      })
    )
    if (wantsJson(io, options.json)) return yield* io.out(`${JSON.stringify({ tenants: list })}\n`)
    for (const t of list) {
      yield* io.out(
        `${t.linkedTo ? "linked    " : "NOT ADDED "} ${t.name.padEnd(32)} ${t.tenantId}  ${t.domains[0] ?? ""}${t.linkedTo ? `  → company ${t.linkedTo}` : ""}\n`
      )
    }
  })

const describe = (p: AutoMap.Proposal) =>
  p._tag === "Matched"
    ? `${AutoMap.isConfident(p) ? "match    " : "weak     "} ${p.tenant.name} → ${p.best.companyName} [${p.best.companyId}] (${Math.round(p.best.confidence * 100)}%, ${p.best.reason})`
    : p._tag === "Ambiguous"
      ? `ambiguous ${p.tenant.name} → ${p.candidates.map((c) => `${c.companyName} [${c.companyId}]`).join(" | ")}`
      : `unmatched ${p.tenant.name}`

const encode = (p: AutoMap.Proposal) =>
  p._tag === "Matched"
    ? { tenant: p.tenant, status: AutoMap.isConfident(p) ? "confident" : "weak", ...p.best }
    : p._tag === "Ambiguous"
      ? { tenant: p.tenant, status: "ambiguous", candidates: p.candidates }
      : { tenant: p.tenant, status: "unmatched" }

/** Proposes tenant ↔ company links; `apply` adds the confident ones to the configuration file. */
export const automap = (options: {
  readonly config: string
  readonly apply: boolean
  readonly json: boolean
}): Handler =>
  Effect.gen(function* () {
    const io = yield* Io
    const file = options.config
    const proposals = yield* Wiring.withConfig(file, io, (connected) =>
      Effect.gen(function* () {
        const source = yield* SourcePort.LicenseSource
        const psa = yield* Wiring.PsaTag
        const list = yield* source.listTenants.pipe(Effect.mapError(asWiringError))
        const companies = yield* psa.listCompanies.pipe(Effect.mapError((e: Psa.PsaError) => asWiringError(e)))
        const linked = new Set(connected.file.companies.map((c) => c.tenantId))
        return AutoMap.propose(list, companies, { linked })
      })
    )
    const confident = proposals.filter((p) => AutoMap.isConfident(p))
    if (options.apply && confident.length > 0) {
      const links = confident.map((p) => ({
        companyId: p.best.companyId,
        name: p.best.companyName,
        tenantId: p.tenant.tenantId
      }))
      yield* Effect.flatten(Effect.promise(() => Wiring.appendCompanies(file, links)))
    }
    if (wantsJson(io, options.json)) {
      return yield* io.out(
        `${JSON.stringify({ proposals: proposals.map(encode), applied: options.apply ? confident.length : 0 })}\n`
      )
    }
    for (const p of proposals) yield* io.out(`${describe(p)}\n`)
    if (options.apply) yield* io.out(`Added ${confident.length} companies to ${file}.\n`)
    else if (confident.length > 0)
      yield* io.out(`Run again with --apply to add the ${confident.length} confident matches to ${file}.\n`)
  })
