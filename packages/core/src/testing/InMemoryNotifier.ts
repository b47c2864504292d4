/** An in-memory notifier: keeps every message it is given; addresses in `failing` are refused. */
import { Effect, Layer } from "effect"
import { type Message, Notifier, NotifierError } from "../Notifier.js"

export interface InMemoryNotifierState {
  readonly delivered: Array<Message>
  /** Addresses whose deliveries fail (as unreachable, retryable). */
  readonly failing: Set<string>
}

export const makeState = (): InMemoryNotifierState => ({ delivered: [], failing: new Set() })

export const layer = (state: InMemoryNotifierState): Layer.Layer<Notifier> =>
  Layer.succeed(Notifier, {
    deliver: (message) =>
      state.failing.has(message.address)
        ? Effect.fail(
            new NotifierError({
              reason: "Unreachable",
              message: `cannot reach ${message.address}`,
              retryable: true,
              attempts: 1
            })
          )
        : Effect.sync(() => {
            state.delivered.push(message)
            return { attempts: 1, response: "kept in memory" }
          })
  })
