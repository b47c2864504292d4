/**
 * One way for every route test to start the service: real HTTP on 127.0.0.1 (a free port), a real
 * SQLite store in a temporary directory, in-memory license source and PSA (from core's testing
 * kit, seeded as the test likes), a fixed-token authenticator and an in-memory audit log.
 *
 * ```ts
 * const service = await startTestService({ config: SampleData.configInput })
 * const res = await service.request("GET", "/companies", { as: "viewer" })
 * expect(res.status).toBe(200)
 * await service.close()
 * ```
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Liveness, type Psa, Setup, Store } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa } from "@seatsync/core/testing"
import { SqlStore } from "@seatsync/store-sql"
import { Effect, Exit, Layer, Redacted, Schema, Scope } from "effect"
import * as Audit from "../../src/auth/Audit.js"
import * as Authenticator from "../../src/auth/Authenticator.js"
import * as OpenApi from "../../src/http/OpenApi.js"
import type * as Route from "../../src/http/Route.js"
import type * as Runtime from "../../src/Runtime.js"
import * as Service from "../../src/Service.js"
import * as OpenApiValidator from "./OpenApiValidator.js"

/** The test principals, one per role, by the bearer token that identifies them. */
export const principals = {
  owner: { userId: "u-owner", role: "owner", via: "token", name: "Olivia Owner" },
  editor: { userId: "u-editor", role: "editor", via: "token", name: "Eddie Editor" },
  viewer: { userId: "u-viewer", role: "viewer", via: "token", name: "Vera Viewer" }
} as const satisfies Record<string, Authenticator.Principal>

export type As = keyof typeof principals

/** The bearer token of each test principal. */
export const tokenOf = (as: As): string => `test-token-${as}`

export const testAuthenticator: Layer.Layer<Authenticator.Authenticator> = Authenticator.layerFixed(
  Object.fromEntries(Object.entries(principals).map(([as, principal]) => [tokenOf(as as As), principal]))
)

export interface TestResponse {
  readonly status: number
  readonly headers: Headers
  /** The parsed JSON body (problem documents included); the text for other content types; undefined when empty. */
  readonly body: unknown
  readonly text: string
}

export interface RequestOptions {
  /** Who calls (default owner); `null` sends no credentials. */
  readonly as?: As | null
  /** A JSON body (serialised, with `content-type: application/json`). */
  readonly body?: unknown
  /** A body sent exactly as given (with `headers` choosing its content type). */
  readonly rawBody?: string
  readonly headers?: Readonly<Record<string, string>>
}

export interface TestService {
  readonly url: string
  readonly handle: Service.Handle
  /** The store the service uses, to arrange and to check what was written. */
  readonly store: Store.StoreShape
  /** The store's SQLite file (to check what is on disk). */
  readonly file: string
  readonly licenses: InMemoryLicenseSource.InMemoryLicenseSourceState
  readonly psa: InMemoryPsa.InMemoryPsaState
  /** The audit entries recorded so far, oldest first. */
  readonly audit: () => Promise<ReadonlyArray<Audit.AuditEntry>>
  readonly request: (method: string, path: string, options?: RequestOptions) => Promise<TestResponse>
  /** Closes the service and the store, and removes the temporary directory. */
  readonly close: () => Promise<void>
}

export interface TestServiceOptions {
  /** The configuration stored before the service starts (encoded, as a config file holds it). */
  readonly config?: Setup.SyncConfigInput
  readonly psa?: InMemoryPsa.InMemoryPsaState
  readonly licenses?: InMemoryLicenseSource.InMemoryLicenseSourceState
  /** The routes served (default: all of the service's). */
  readonly routes?: ReadonlyArray<Route.Any>
  readonly bodyLimit?: number
  /** Another authenticator than the fixed tokens (the real one over the store, in auth's tests). */
  readonly authenticator?: Layer.Layer<Authenticator.Authenticator, unknown, Runtime.Ports | Runtime.Settings>
  /**
   * Another audit log than the in-memory one (the store's, in auth's tests); `audit()` reads the
   * in-memory one only, so with this the test reads `store.listAudit`.
   */
  readonly audit?: Layer.Layer<Audit.AuditLog, unknown, Runtime.Ports | Runtime.Settings>
  /**
   * Check every answer against the service's OpenAPI document (default true): a response that the
   * document does not describe fails the request with an error naming the difference.
   */
  readonly validateResponses?: boolean
  /** Another PSA than the in-memory one (a real adapter on a simulator); `psa` is then unused. */
  readonly psaLayer?: Layer.Layer<Psa.Psa, unknown, never>
  /** The Microsoft app for the consent routes (a simulator's). */
  readonly microsoft?: Service.Options["microsoft"]
  /** The Notifier digests and test messages travel through (absent: delivery not installed). */
  readonly notifier?: Service.Options["notifier"]
}

/** A fresh secret key for each test store. */
const secretKey = Redacted.make(SqlStore.generateSecretKey())

export const startTestService = async (options: TestServiceOptions = {}): Promise<TestService> => {
  const dir = mkdtempSync(join(tmpdir(), "seatsync-service-"))
  const scope = Effect.runSync(Scope.make())
  const store = await Effect.runPromise(
    Scope.extend(SqlStore.makeSqlite({ filename: join(dir, "seatsync.db"), secretKey }), scope)
  )
  if (options.config !== undefined)
    await Effect.runPromise(store.saveConfig(Schema.decodeUnknownSync(Setup.SyncConfig)(options.config)))
  const licenses = options.licenses ?? InMemoryLicenseSource.makeState()
  const psa = options.psa ?? InMemoryPsa.makeState({})
  const memory = Effect.runSync(Audit.makeMemory)
  const ports = Layer.mergeAll(
    Layer.succeedContext(Store.context(store)),
    InMemoryLicenseSource.layer(licenses),
    options.psaLayer ?? InMemoryPsa.layer(psa),
    Liveness.layerNothingProvablyDead
  )
  const routes = options.routes ?? Service.routes()
  const validator = OpenApiValidator.make(OpenApi.document(routes, { title: "SeatSync", version: Service.version }))
  const handle = await Service.start({
    host: "127.0.0.1",
    port: 0,
    ports,
    storage: join(dir, "seatsync.db"),
    timeZone: "Europe/Amsterdam",
    authenticator: options.authenticator ?? testAuthenticator,
    audit: options.audit ?? Layer.succeed(Audit.AuditLog, memory.log),
    routes,
    bodyLimit: options.bodyLimit,
    microsoft: options.microsoft,
    notifier: options.notifier
  })
  const request = async (method: string, path: string, request: RequestOptions = {}): Promise<TestResponse> => {
    const as = request.as === undefined ? "owner" : request.as
    const headers: Record<string, string> = { ...(as === null ? {} : { authorization: `Bearer ${tokenOf(as)}` }) }
    let body: string | undefined
    if (request.rawBody !== undefined) body = request.rawBody
    else if (request.body !== undefined) {
      body = JSON.stringify(request.body)
      headers["content-type"] = "application/json"
    }
    const response = await fetch(`${handle.url}${path}`, {
      method,
      // A redirect (the consent flow's) is an answer to check, never followed off this machine.
      redirect: "manual",
      headers: { ...headers, ...request.headers },
      ...(body === undefined ? {} : { body })
    })
    const text = await response.text()
    const type = response.headers.get("content-type") ?? ""
    const parsed = text === "" ? undefined : type.includes("json") ? JSON.parse(text) : text
    if (options.validateResponses !== false) {
      const problems = validator.check({
        method,
        path: path.split("?", 1)[0] ?? path,
        status: response.status,
        contentType: type,
        body: parsed
      })
      if (problems.length > 0) throw new Error(`the answer does not conform to /openapi.json:\n${problems.join("\n")}`)
    }
    return { status: response.status, headers: response.headers, body: parsed, text }
  }
  let closed = false
  return {
    url: handle.url,
    handle,
    store,
    file: join(dir, "seatsync.db"),
    licenses,
    psa,
    audit: () =>
      Effect.runPromise(Effect.map(memory.entries, (entries) => entries.map(({ at: _at, ...entry }) => entry))),
    request,
    close: async () => {
      if (closed) return
      closed = true
      await handle.close()
      await Effect.runPromise(Scope.close(scope, Exit.void))
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
