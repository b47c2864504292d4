/**
 * The transport a host supplies to the adapters: `@effect/platform-node`'s undici `HttpClient`
 * over an undici `Agent` of our own, so connections are pooled and bounded per host (a vendor's
 * thread limit, a simulator's sockets) instead of whatever the global dispatcher does. The
 * adapters only require `HttpClient`; this layer is the host's choice.
 */
import type { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Agent } from "undici"

export interface TransportOptions {
  /** Sockets open at once per origin (scheme, host, port). Default 8. */
  readonly connectionsPerHost?: number | undefined
  /** Requests pipelined per socket. Default 1 (no pipelining: most vendor APIs dislike it). */
  readonly pipelining?: number | undefined
  /** Time to establish a connection, in milliseconds. Default 10 000. */
  readonly connectTimeoutMillis?: number | undefined
  /** How long an idle socket is kept, in milliseconds. Default 4 000. */
  readonly keepAliveMillis?: number | undefined
}

/** The undici `Agent` the transport uses; closed when the layer's scope ends. */
export const makeAgent = (options: TransportOptions = {}) =>
  Effect.acquireRelease(
    Effect.sync(
      () =>
        new Agent({
          connections: Math.max(1, Math.floor(options.connectionsPerHost ?? 8)),
          pipelining: Math.max(0, Math.floor(options.pipelining ?? 1)),
          connect: { timeout: options.connectTimeoutMillis ?? 10_000 },
          keepAliveTimeout: options.keepAliveMillis ?? 4_000
        })
    ),
    (agent) => Effect.promise(() => agent.close())
  )

/** The host's `HttpClient`: undici with per-host connection limits. */
export const layer = (options: TransportOptions = {}): Layer.Layer<HttpClient.HttpClient> =>
  NodeHttpClient.layerUndiciWithoutDispatcher.pipe(
    Layer.provide(Layer.scoped(NodeHttpClient.Dispatcher, makeAgent(options)))
  )
