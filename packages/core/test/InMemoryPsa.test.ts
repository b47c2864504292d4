import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Psa } from "../src/index.js"
import type { Agreement } from "../src/PsaModel.js"
import { InMemoryPsa, PsaConformance, PsaSequences, SampleData } from "../src/testing/index.js"

const failures: Record<PsaConformance.FaultKind, () => Psa.PsaError> = {
  unauthorized: () => new Psa.PsaError({ reason: "Unauthorized", message: "bad credentials", retryable: false }),
  notFound: () => new Psa.PsaError({ reason: "NotFound", message: "not found", retryable: false }),
  rateLimited: () => new Psa.PsaError({ reason: "RateLimited", message: "slow down", retryable: true }),
  serverError: () => new Psa.PsaError({ reason: "Unavailable", message: "server error", retryable: true })
}

const harness: PsaConformance.Harness = {
  moveTo: "1006" as Agreement["id"],
  faults: { retries: false },
  writeFaults: true,
  unknownValues: true,
  setup: Effect.sync(() => {
    const contoso = SampleData.agreements.find((a) => a.id === "1001")
    const second = contoso && { ...contoso, id: "1006" as Agreement["id"], name: "Contoso - Microsoft 365 (2)" }
    const state = InMemoryPsa.makeState({
      ...SampleData,
      agreements: [...SampleData.agreements, ...(second ? [second] : [])]
    })
    return {
      layer: InMemoryPsa.layer(state),
      ids: PsaConformance.sampleWorldIds,
      writes: Effect.sync(() => state.calls.writes),
      prorations: (lineId) =>
        Effect.sync(() =>
          state.charges
            .filter((c) => c.lineId === lineId)
            .map((c) => ({ units: c.units, effectiveDate: c.effectiveDate }))
        ),
      injectFault: (kind, times) =>
        Effect.sync(() => {
          for (let i = 0; i < times; i++) state.nextFailures.push(failures[kind]())
        }),
      unknownValue: (lineId) =>
        Effect.sync(() => {
          state.unreadable.set(lineId, { field: "billing", value: "BillOnInvoice" })
        }),
      // In process there is no answer to cut short: a truncated answer is a refused write here.
      failWrites: (landed, kind) =>
        Effect.sync(() => {
          state.failWritesAfter = {
            landed,
            error: kind === "rateLimited" ? failures.rateLimited : failures.serverError
          }
        }),
      clearFaults: Effect.sync(() => {
        state.failWritesAfter = undefined
        state.nextFailures.length = 0
      })
    }
  })
}

PsaConformance.run("in-memory PSA", harness, { describe, expect, it })
PsaSequences.run("in-memory PSA", harness, { describe, expect, it })
