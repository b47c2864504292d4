/**
 * The transport a host supplies to the adapters: `@effect/platform-node`'s undici `HttpClient`
 * over an undici `Agent` of our own, so connections are pooled and bounded per host (a vendor's
 * thread limit, a simulator's sockets) instead of whatever the global dispatcher does. The
 * adapters only require `HttpClient`; this layer is the host's choice.
 */
import type { HttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, type Scope } from "effect"
import { Agent, type Dispatcher } from "undici"

export interface TransportOptions {
  /** Sockets open at once per origin (scheme, host, port). Default 8. */
  readonly connectionsPerHost?: number | undefined
  /** Requests pipelined per socket. Default 1 (no pipelining: most vendor APIs dislike it). */
  readonly pipelining?: number | undefined
  /** Time to establish a connection, in milliseconds. Default 10 000. */
  readonly connectTimeoutMillis?: number | undefined
  /** How long an idle socket is kept, in milliseconds. Default 4 000. */
  readonly keepAliveMillis?: number | undefined
  /**
   * Called for every request as it goes out on the network, with its final URL (a host counting
   * calls per API, a test watching what is sent). Retries are requests too.
   */
  readonly onRequest?: ((request: { readonly method: string; readonly url: URL }) => void) | undefined
}

/** The undici dispatcher the transport uses (an `Agent`, observed when asked); closed when the layer's scope ends. */
export const makeDispatcher = (options: TransportOptions = {}): Effect.Effect<Dispatcher, never, Scope.Scope> =>
  Effect.map(
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
    ),
    (agent): Dispatcher => {
      const onRequest = options.onRequest
      if (onRequest === undefined) return agent
      return agent.compose((dispatch) => (opts, handler) => {
        onRequest({ method: opts.method.toUpperCase(), url: new URL(opts.path, opts.origin) })
        return dispatch(opts, handler)
      })
    }
  )

/** The host's `HttpClient`: undici with per-host connection limits. */
export const layer = (options: TransportOptions = {}): Layer.Layer<HttpClient.HttpClient> =>
  NodeHttpClient.layerUndiciWithoutDispatcher.pipe(
    Layer.provide(Layer.scoped(NodeHttpClient.Dispatcher, makeDispatcher(options)))
  )
