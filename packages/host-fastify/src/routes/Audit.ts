/**
 * The audit log (issue 13), for owners: who changed what, when, before → after (secrets were
 * redacted when the entries were written), newest first, in pages: `limit` entries, and `after`
 * the `next` cursor of the previous page. Filters: `target` (`user:u-1`) and `action` (`user.update`).
 */
import { Store } from "@seatsync/core"
import { Effect, Schema } from "effect"
import { mapStoreError } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { Cursor, encodeCursor, Limit } from "./shared/Paging.js"

export const AuditEntryView = Schema.Struct({
  id: Schema.String,
  /** ISO instant. */
  at: Schema.String,
  actor: Schema.Struct({
    /** Absent for the command line on the host. */
    userId: Schema.optional(Schema.String),
    name: Schema.String,
    via: Schema.Literal("session", "token", "cli")
  }),
  action: Schema.String,
  target: Schema.String,
  before: Schema.optional(Schema.Unknown),
  after: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "AuditEntryView" })

export const AuditPage = Schema.Struct({
  entries: Schema.Array(AuditEntryView),
  /** The cursor of the next (older) page, as `after`; absent on the last page. */
  next: Schema.optional(Schema.String)
}).annotations({ identifier: "AuditPage" })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/audit",
    summary: "The audit log, newest first, in pages (limit, after); by target or action",
    tags: ["Audit"],
    access: "owner",
    query: Schema.Struct({
      limit: Schema.optional(Limit),
      after: Schema.optional(Cursor(Store.AuditEntryId)),
      target: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(300))),
      action: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100)))
    }),
    response: AuditPage,
    handler: ({ query }) =>
      Effect.gen(function* () {
        const store = yield* Store.AdminStore
        const limit = query.limit ?? 50
        const entries = yield* mapStoreError(
          store.listAudit({
            limit,
            ...(query.after === undefined ? {} : { after: query.after }),
            ...(query.target === undefined ? {} : { target: query.target }),
            ...(query.action === undefined ? {} : { action: query.action })
          })
        )
        const last = entries.at(-1)
        return {
          entries,
          ...(entries.length === limit && last !== undefined ? { next: encodeCursor(last.at, last.id) } : {})
        }
      })
  })
]
