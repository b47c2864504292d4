/** `seatsync commitments`: the renewal plan for committed (NCE annual/triennial) seats. */
import { Command } from "@effect/cli"
import { Effect } from "effect"
import { config, type Handler, json, load } from "./Common.js"
import { asOf } from "./Sync.js"

/** The command itself (../Commitments.ts), loaded when it runs. */
const commitmentsModule = load(() => import("../Commitments.js"))

export const commitments = Command.make(
  "commitments",
  { config, asOf, json },
  (options): Handler => Effect.flatMap(commitmentsModule, (m) => m.commitments(options))
).pipe(
  Command.withDescription(
    "The renewal plan: reduce <SKU> to N at renewal on <date> for committed subscriptions with unused seats, and the seats still reducible now"
  )
)
