/** A store's errors as the API's problems: each reason its status, a missing secret key a 503 that says so. */
import { describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { Cause, Effect, Exit, Option } from "effect"
import { fromStoreError } from "../../src/http/Problem.js"

const failureOf = (reason: Store.StoreError["reason"], message = "m") => {
  const exit = Effect.runSyncExit(fromStoreError(new Store.StoreError({ reason, message })))
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return Cause.failureOption(exit.cause)
}

describe("fromStoreError", () => {
  it("maps NotFound, Conflict, Invalid and Unavailable to their problems", () => {
    expect(Option.getOrThrow(failureOf("NotFound"))._tag).toBe("NotFound")
    expect(Option.getOrThrow(failureOf("Conflict"))._tag).toBe("Conflict")
    expect(Option.getOrThrow(failureOf("Invalid"))._tag).toBe("BadRequest")
    expect(Option.getOrThrow(failureOf("Unavailable"))._tag).toBe("Unavailable")
  })

  it("a secret written without SEATSYNC_SECRET_KEY is a 503 naming the variable, not a 500", () => {
    const problem = Option.getOrThrow(
      failureOf("SecretKey", "cannot save a connection: SEATSYNC_SECRET_KEY is not set, and secrets are never stored")
    )
    expect(problem).toMatchObject({ _tag: "Unavailable" })
    expect((problem as { detail: string }).detail).toContain("SEATSYNC_SECRET_KEY is not set")
  })
})
