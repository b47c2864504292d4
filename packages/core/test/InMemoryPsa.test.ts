import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Ids, Psa } from "../src/index.js"
import { InMemoryPsa, PsaConformance, SampleData } from "../src/testing/index.js"

const failures: Record<PsaConformance.FaultKind, () => Psa.PsaError> = {
  unauthorized: () => new Psa.PsaError({ reason: "Unauthorized", message: "bad credentials", retryable: false }),
  notFound: () => new Psa.PsaError({ reason: "NotFound", message: "not found", retryable: false }),
  rateLimited: () => new Psa.PsaError({ reason: "RateLimited", message: "slow down", retryable: true }),
  serverError: () => new Psa.PsaError({ reason: "Unavailable", message: "server error", retryable: true })
}

PsaConformance.run(
  "in-memory PSA",
  {
    faults: { retries: false },
    setup: Effect.sync(() => {
      const state = InMemoryPsa.makeState(SampleData)
      return {
        layer: InMemoryPsa.layer(state),
        ids: {
          companies: {
            contoso: SampleData.companyIds.contoso,
            fabrikam: SampleData.companyIds.fabrikam,
            northwind: SampleData.companyIds.northwind,
            obrien: SampleData.companyIds.obrien
          },
          agreements: {
            contoso: Ids.AgreementId.make("1001"),
            fabrikam: Ids.AgreementId.make("1002"),
            fabrikamOld: Ids.AgreementId.make("1003"),
            northwind: Ids.AgreementId.make("1004")
          },
          products: {
            businessPremium: Ids.ProductId.make("501"),
            exchange: Ids.ProductId.make("504"),
            businessBasic: Ids.ProductId.make("503")
          },
          lines: { backup: Ids.LineId.make("9001"), northwindBasic: Ids.LineId.make("9002") }
        },
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
          })
      }
    })
  },
  { describe, expect, it }
)
