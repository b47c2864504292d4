/** The notifier port: delivers a digest of findings (DESIGN.md §8). */
import { Context, type Effect, Schema } from "effect"
import type { Finding } from "./Findings.js"

export class NotifierError extends Schema.TaggedError<NotifierError>()("NotifierError", {
  reason: Schema.Literal("Unreachable", "Rejected", "Invalid"),
  message: Schema.String,
  retryable: Schema.Boolean
}) {}

export interface Digest {
  /** An e-mail address or webhook URL. */
  readonly recipient: string
  readonly subject: string
  readonly findings: ReadonlyArray<Finding>
}

export interface NotifierShape {
  readonly deliver: (digest: Digest) => Effect.Effect<void, NotifierError>
}

export class Notifier extends Context.Tag("@seatsync/core/Notifier")<Notifier, NotifierShape>() {}
