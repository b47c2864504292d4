/**
 * The audit log (issue 13), for owners: who changed what, when, before → after (secrets were
 * redacted when the entries were written), newest first, in pages: `limit` entries, and `after`
 * the `next` cursor of the previous page. Filters: `target` (`user:u-1`) and `action` (`user.update`).
 */
import { Store } from "@seatsync/core"
import { Effect, ParseResult, Schema } from "effect"
import { mapStoreError } from "../http/Problem.js"
import * as Route from "../http/Route.js"

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

/** `after`: an opaque cursor (the instant and id of the last entry of the previous page). */
const Cursor = Schema.transformOrFail(
  Schema.String.pipe(Schema.maxLength(400)),
  Schema.Struct({ at: Schema.String, id: Store.AuditEntryId }),
  {
    strict: true,
    decode: (text, _, ast) => {
      const plain = Buffer.from(text, "base64url").toString("utf8")
      const at = plain.indexOf("|")
      const instant = plain.slice(0, at)
      return at > 0 && at < plain.length - 1 && !Number.isNaN(Date.parse(instant))
        ? Effect.succeed({ at: instant, id: Store.AuditEntryId.make(plain.slice(at + 1)) })
        : Effect.fail(new ParseResult.Type(ast, text, "expected a cursor from a previous page's next"))
    },
    encode: (cursor) => Effect.succeed(Buffer.from(`${cursor.at}|${cursor.id}`, "utf8").toString("base64url"))
  }
)

const Limit = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 500))

const encodeCursor = (entry: { readonly at: string; readonly id: string }) =>
  Buffer.from(`${entry.at}|${entry.id}`, "utf8").toString("base64url")

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/audit",
    summary: "The audit log, newest first, in pages (limit, after); by target or action",
    tags: ["Audit"],
    access: "owner",
    query: Schema.Struct({
      limit: Schema.optional(Limit),
      after: Schema.optional(Cursor),
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
          ...(entries.length === limit && last !== undefined ? { next: encodeCursor(last) } : {})
        }
      })
  })
]
