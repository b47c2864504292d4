/** Temporary folders for test databases, removed when the scope closes. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"

/** A fresh folder under the OS temp dir. */
export const tempDir = (prefix = "seatsync-test-") =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** A path for a SQLite file in a fresh temp folder. */
export const tempSqliteFile = Effect.map(tempDir(), (dir) => join(dir, "seatsync.db"))

/** A fixed test key (32 bytes, base64). Never use outside tests. */
export const testKey = "q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k="
