/** The job queue's errors as the API's problems. */
import { Effect } from "effect"
import { Conflict, NotFound, Unavailable } from "../http/Problem.js"
import type { JobQueueError } from "../jobs/JobQueue.js"

export const toProblem = (e: JobQueueError) => {
  switch (e.reason) {
    case "NotFound":
      return new NotFound({ detail: e.message })
    case "Invalid":
      return new Conflict({ detail: e.message })
    case "Unavailable":
      return new Unavailable({ detail: `The job queue cannot be reached: ${e.message}`, retryAfter: 5 })
  }
}

/** Runs a queue call, its errors as problems. */
export const orProblem = <A, R>(effect: Effect.Effect<A, JobQueueError, R>) => Effect.mapError(effect, toProblem)
