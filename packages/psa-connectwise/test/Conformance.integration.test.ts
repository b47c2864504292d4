/**
 * The PSA conformance kit (`@seatsync/core/testing`) against the ConnectWise adapter and its
 * simulator, over real HTTP on 127.0.0.1.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Ids, LocalDate, Ownership } from "@seatsync/core"
import { PsaConformance, PsaSequences } from "@seatsync/core/testing"
import { Effect } from "effect"
import { type JsonObject, sampleSeed } from "../src/simulator/index.js"
import { noDelayRetry, rig } from "./adapter.js"

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

/** The sample world with a second Contoso agreement (1006, like 1001), for the move sequence. */
const withSecondContosoAgreement = (): unknown => {
  const seed = sampleSeed() as { agreements: Array<JsonObject> }
  const contoso = seed.agreements.find((a) => a.id === 1001)
  return { ...seed, agreements: [...seed.agreements, { ...contoso, id: 1006, name: "Contoso - Microsoft 365 (2)" }] }
}

const harness: PsaConformance.Harness = {
  moveTo: "1006" as Ids.AgreementId,
  setup: Effect.gen(function* () {
    // The kit's tests run on TestClock (it.scoped): back-off sleeps would never end, so no delays here.
    // Waiting out real Retry-After and back-off delays is covered by Adapter.integration.test.ts.
    const { sim, tamper, layer } = yield* rig({ seed: withSecondContosoAgreement() }, { retry: noDelayRetry })
    const agreementIds = sim.data.agreements().map((a) => Number(a.id))
    /** The addition with this id, wherever it is. */
    const additionById = (lineId: string): { agreementId: number; addition: JsonObject } | undefined => {
      for (const agreementId of agreementIds) {
        const addition = sim.data.additions(agreementId).find((a) => String(a.id) === lineId)
        if (addition !== undefined) return { agreementId, addition }
      }
      return undefined
    }
    return {
      layer,
      ids: PsaConformance.sampleWorldIds,
      writes: Effect.sync(() => sim.counters.writes()),
      // The proration additions of the line's mapping on its agreement (each marked with its operation).
      prorations: (lineId) =>
        Effect.sync(() => {
          const found = additionById(lineId)
          const mapping = Ownership.mappingOf(text(found?.addition.description))
          if (found === undefined || mapping === undefined) return []
          return sim.data
            .additions(found.agreementId)
            .filter((a) => {
              const note = text(a.description)
              return Ownership.mappingOf(note) === mapping && Ownership.operationOf(note) !== undefined
            })
            .map((a) => ({
              id: String(a.id),
              units: Number(a.quantity),
              effectiveDate: LocalDate.unsafe(String(a.effectiveDate).slice(0, 10))
            }))
        }),
      injectFault: (kind, times) =>
        Effect.sync(() => {
          switch (kind) {
            case "rateLimited":
              // Retry-After: 0 keeps the suite fast; waiting out a longer one is tested in Adapter tests.
              sim.faults.rateLimit({ times, retryAfterSeconds: 0 })
              break
            case "serverError":
              sim.faults.serverError({ times })
              break
            case "unauthorized":
            case "notFound":
              tamper.kind = kind
              tamper.times = times
              break
          }
        }),
      // Every POST/PATCH after the first `landed` fails (until cleared) as ConnectWise answers:
      // 429 with Retry-After (not processed), 500 (not processed), or a processed write whose body is cut.
      failWrites: (landed, kind) =>
        Effect.sync(() => {
          const scope = { writes: true, after: landed, times: 10_000 }
          if (kind === "rateLimited") sim.faults.rateLimit({ ...scope, retryAfterSeconds: 0 })
          else if (kind === "serverError") sim.faults.serverError(scope)
          else sim.faults.malformedJson(scope)
        }),
      clearFaults: Effect.sync(() => sim.faults.clear()),
      // A billing mode a later ConnectWise version could hold.
      unknownValue: (lineId, agreementId) =>
        Effect.sync(() => {
          sim.data.forceAddition(Number(agreementId), Number(lineId), { billCustomer: "BillOnInvoice" })
        })
    }
  }),
  faults: { retries: true },
  writeFaults: true,
  unknownValues: true
}

PsaConformance.run("ConnectWise (simulator over HTTP)", harness, { describe, expect, it })
PsaSequences.run("ConnectWise (simulator over HTTP)", harness, { describe, expect, it })
