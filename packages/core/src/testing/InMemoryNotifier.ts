/** An in-memory notifier: keeps every digest it is given. */
import { Effect, Layer } from "effect"
import { type Digest, Notifier, NotifierError } from "../Notifier.js"

export interface InMemoryNotifierState {
  readonly delivered: Array<Digest>
  /** Recipients whose deliveries fail. */
  readonly failing: Set<string>
}

export const makeState = (): InMemoryNotifierState => ({ delivered: [], failing: new Set() })

export const layer = (state: InMemoryNotifierState): Layer.Layer<Notifier> =>
  Layer.succeed(Notifier, {
    deliver: (digest) =>
      state.failing.has(digest.recipient)
        ? Effect.fail(
            new NotifierError({ reason: "Unreachable", message: `cannot reach ${digest.recipient}`, retryable: true })
          )
        : Effect.sync(() => {
            state.delivered.push(digest)
          })
  })
