/**
 * The core's PSA conformance kit, run against the Autotask adapter and the simulator over real HTTP.
 *
 * The kit is PSA-neutral: billing modes follow the adapter's capabilities, adoption may hand the
 * units to a new marked line (Autotask's internalDescription is write-once), and writes are
 * counted per changed field set.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { BillingPeriod, type Ids, LocalDate } from "@seatsync/core"
import { PsaConformance, PsaSequences } from "@seatsync/core/testing"
import { Effect } from "effect"
import { type FaultSpec, sampleSeedPath } from "../src/simulator/index.js"
import { configFor, psaLayer, sampleIds, simulator } from "./adapterSupport.js"

const faults: Record<PsaConformance.FaultKind, FaultSpec> = {
  unauthorized: { kind: "error", status: 401, message: "Authorization has been denied for this request." },
  notFound: { kind: "error", status: 404, message: "No resource was found." },
  rateLimited: { kind: "threadLimit" },
  serverError: { kind: "error", status: 503, message: "Service Unavailable" }
}

/** The sample world with a second Contoso contract (30400006, like 30400001), for the move sequence. */
const withSecondContosoContract = (): unknown => {
  const seed = JSON.parse(readFileSync(sampleSeedPath(), "utf8")) as { contracts: Array<{ id: number }> }
  const contoso = seed.contracts.find((c) => c.id === 30400001)
  return {
    ...seed,
    contracts: [...seed.contracts, { ...contoso, id: 30400006, contractName: "Contoso - Microsoft 365 (2)" }]
  }
}

const harness: PsaConformance.Harness = {
  moveTo: "30400006" as Ids.AgreementId,
  faults: { retries: true },
  writeFaults: true,
  setup: Effect.gen(function* () {
    const sim = yield* simulator({ seed: withSecondContosoContract() })
    const seeded = new Set(sim.data.list("ContractServices").map((cs) => cs.id))
    const contractStart = (contractId: number): LocalDate.LocalDate | undefined => {
      const start = sim.data.get("Contracts", contractId)?.startDate
      return typeof start === "string" ? LocalDate.unsafe(start.slice(0, 10)) : undefined
    }
    return {
      layer: psaLayer(configFor(sim)),
      ids: sampleIds,
      writes: Effect.sync(() => sim.counters.writes()),
      // Autotask prorates an adjustment whose date cuts a billing period (§2.7). The adjustment that
      // gave a line SeatSync created its opening units is the line's start, not a change of it.
      prorations: (lineId: Ids.LineId) =>
        Effect.sync(() => {
          const csId = Number(lineId)
          const adjustments = sim.data.adjustments().filter((a) => a.contractServiceID === csId)
          return adjustments
            .filter((_, i) => i > 0 || seeded.has(csId))
            .flatMap((a) => {
              const date = LocalDate.unsafe(a.effectiveDate.slice(0, 10))
              const startDate = contractStart(a.contractID)
              if (startDate === undefined) return []
              const period = BillingPeriod.periodContaining({ cycle: "Monthly", startDate }, date)
              return period.start === date ? [] : [{ units: a.unitChange, effectiveDate: date }]
            })
        }),
      injectFault: (kind: PsaConformance.FaultKind, times: number) =>
        Effect.sync(() => void sim.faults.inject({ ...faults[kind], times })),
      // Every create/update after the first `landed` fails (until cleared) as Autotask answers:
      // the thread-limit 429, a 500 with an `errors` body, or a processed write whose body is cut.
      failWrites: (landed: number, kind: PsaConformance.WriteFaultKind) =>
        Effect.sync(() => {
          const scope = { match: { writes: true }, after: landed, times: 10_000 }
          const spec: FaultSpec =
            kind === "rateLimited"
              ? { kind: "threadLimit", ...scope }
              : kind === "serverError"
                ? { kind: "error", status: 500, message: "Internal Server Error", ...scope }
                : { kind: "malformedJson", ...scope }
          sim.faults.inject(spec)
        }),
      clearFaults: Effect.sync(() => sim.faults.clear())
    }
  })
}

PsaConformance.run("Autotask (simulator over HTTP)", harness, { describe, expect, it })
PsaSequences.run("Autotask (simulator over HTTP)", harness, { describe, expect, it })
