import { describe, expect, it } from "@effect/vitest"
import { InMemoryStore, StoreSuite } from "../src/testing/index.js"

StoreSuite.runStoreSuite("in-memory", () => InMemoryStore.layer(InMemoryStore.makeState()), { describe, expect, it })
