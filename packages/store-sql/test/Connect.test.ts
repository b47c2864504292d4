/** The SQLite connection's prepared statements: each SQL text compiled once, the cache bounded. */
import { describe, expect, it } from "@effect/vitest"
import Sqlite from "better-sqlite3"
import { preparedOnce } from "../src/internal/Connect.js"

/** An in-memory database whose `prepare` calls are counted by SQL text. */
const counted = () => {
  const database = new Sqlite(":memory:")
  const prepared = new Map<string, number>()
  const prepare = database.prepare.bind(database)
  database.prepare = ((sql: string) => {
    prepared.set(sql, (prepared.get(sql) ?? 0) + 1)
    return prepare(sql)
  }) as typeof database.prepare
  return { database, prepared }
}

describe("preparedOnce", () => {
  it("compiles a statement once however often it runs, with each run's parameters", () => {
    const { database, prepared } = counted()
    const db = preparedOnce(database)
    db.prepare("create table t (k integer primary key, v text)").run([])
    for (let k = 0; k < 50; k++) db.prepare("insert into t (k, v) values (?, ?)").run([k, `v${k}`])
    const rows = db.prepare("select v from t where k >= ? order by k").all([48])
    expect(rows).toEqual([{ v: "v48" }, { v: "v49" }])
    expect(prepared.get("insert into t (k, v) values (?, ?)")).toBe(1)
    db.close()
  })

  it("keeps at most `size` statements, dropping the least recently used", () => {
    const { database, prepared } = counted()
    const db = preparedOnce(database, 2)
    db.prepare("select 1").all([])
    db.prepare("select 2").all([])
    db.prepare("select 1").all([]) // now the most recent
    db.prepare("select 3").all([]) // drops "select 2"
    db.prepare("select 1").all([])
    db.prepare("select 2").all([])
    expect(prepared.get("select 1")).toBe(1)
    expect(prepared.get("select 2")).toBe(2)
    db.close()
    expect(database.open).toBe(false)
  })
})
