/**
 * Keyset paging shared by the list routes: `limit`, and `after`, an opaque cursor naming the last
 * row of the previous page by its instant and its id (base64url of `<instant>|<id>`), so a page is
 * stable while rows are added.
 */
import { Effect, ParseResult, Schema } from "effect"

/** How many rows a page holds (1–500). */
export const Limit = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 500))

/** `after`, decoded to the instant and the id of the previous page's last row. */
export const Cursor = <I>(id: Schema.Schema<I, string, never>) =>
  Schema.transformOrFail(Schema.String.pipe(Schema.maxLength(400)), Schema.Struct({ at: Schema.String, id }), {
    strict: true,
    decode: (text, _, ast) => {
      const plain = Buffer.from(text, "base64url").toString("utf8")
      const bar = plain.indexOf("|")
      const at = plain.slice(0, bar)
      return bar > 0 && bar < plain.length - 1 && !Number.isNaN(Date.parse(at))
        ? Effect.succeed({ at, id: plain.slice(bar + 1) })
        : Effect.fail(new ParseResult.Type(ast, text, "expected a cursor from a previous page's next"))
    },
    encode: (cursor) => Effect.succeed(encodeCursor(cursor.at, cursor.id))
  })

/** The cursor of the page after the one ending with the row of this instant and id. */
export const encodeCursor = (at: string, id: string): string => Buffer.from(`${at}|${id}`, "utf8").toString("base64url")
