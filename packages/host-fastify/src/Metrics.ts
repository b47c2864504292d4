/**
 * The service's Prometheus metrics (issue 13, "Probes and metrics"), on a registry of its own (not
 * prom-client's global one, so two services in one process, as in tests, never share counters),
 * served at `/metrics`.
 *
 * Who feeds what:
 * - `seatsync_http_requests_total`, `seatsync_http_request_duration_seconds`: the server, per route.
 * - `seatsync_sync_duration_seconds`, `seatsync_last_successful_run_timestamp_seconds`,
 *   `seatsync_held_companies`: `recordRun` with a finished `SyncRun` (the job runner calls it
 *   when a sync job ends; the engine's result carries the run).
 * - `seatsync_vendor_calls_total{vendor,outcome}`, `seatsync_vendor_rate_limited_total{vendor}`:
 *   `recordVendorCalls` with the counts of a sync (host-cli's `Wiring` counts calls per vendor).
 * - `seatsync_queue_depth{state}`: `setQueueDepth`, by the job queue (or a collect callback it
 *   registers with `onCollect`, read at every scrape).
 */
import type { History } from "@seatsync/core"
import { Context, Effect, Layer } from "effect"
import { Counter, Gauge, Histogram, Registry } from "prom-client"

/** How a vendor call ended. */
export type CallOutcome = "ok" | "rate_limited" | "client_error" | "server_error" | "network_error"

export interface MetricsShape {
  readonly registry: Registry
  /** The text exposition format of every metric (prom-client collects the gauges first). */
  readonly render: Effect.Effect<string>
  readonly observeRequest: (labels: { method: string; route: string; status: number }, seconds: number) => void
  /** A finished sync run: its duration by status, the last success (status `ok`), the companies it held. */
  readonly recordRun: (run: History.SyncRun) => void
  readonly recordVendorCalls: (vendor: string, outcome: CallOutcome, count: number) => void
  readonly setQueueDepth: (state: string, depth: number) => void
  /** A callback run before every scrape (e.g. to read the queue's depth). */
  readonly onCollect: (collect: () => Promise<void> | void) => void
}

export class Metrics extends Context.Tag("@seatsync/host-fastify/Metrics")<Metrics, MetricsShape>() {}

/** A fresh set of instruments on a registry of its own. */
export const make = (): MetricsShape => {
  const registry = new Registry()
  const collectors: Array<() => Promise<void> | void> = []
  const httpRequests = new Counter({
    name: "seatsync_http_requests_total",
    help: "HTTP requests answered, by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry]
  })
  const httpDuration = new Histogram({
    name: "seatsync_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by route",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry]
  })
  const syncDuration = new Histogram({
    name: "seatsync_sync_duration_seconds",
    help: "Duration of sync runs, by final status",
    labelNames: ["status"] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [registry]
  })
  const lastSuccess = new Gauge({
    name: "seatsync_last_successful_run_timestamp_seconds",
    help: "When the last sync run that succeeded finished (Unix seconds)",
    registers: [registry]
  })
  const held = new Gauge({
    name: "seatsync_held_companies",
    help: "Companies the safety guard held in the last finished run",
    registers: [registry]
  })
  const vendorCalls = new Counter({
    name: "seatsync_vendor_calls_total",
    help: "Calls to vendor APIs (Microsoft, the PSA), by vendor and outcome",
    labelNames: ["vendor", "outcome"] as const,
    registers: [registry]
  })
  const rateLimited = new Counter({
    name: "seatsync_vendor_rate_limited_total",
    help: "Vendor answers 429 (Too Many Requests), by vendor",
    labelNames: ["vendor"] as const,
    registers: [registry]
  })
  const queueDepth = new Gauge({
    name: "seatsync_queue_depth",
    help: "Sync jobs in the queue, by state",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      for (const collect of collectors) await collect()
    }
  })
  return {
    registry,
    render: Effect.promise(() => registry.metrics()),
    observeRequest: (labels, seconds) => {
      httpRequests.inc({ method: labels.method, route: labels.route, status: String(labels.status) })
      httpDuration.observe({ method: labels.method, route: labels.route }, seconds)
    },
    recordRun: (run) => {
      if (run.finishedAt !== undefined) {
        const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000
        if (Number.isFinite(seconds) && seconds >= 0) syncDuration.observe({ status: run.status }, seconds)
        if (run.status === "ok") lastSuccess.set(Date.parse(run.finishedAt) / 1000)
      }
      if (!run.dryRun) held.set(run.held)
    },
    recordVendorCalls: (vendor, outcome, count) => {
      if (count <= 0) return
      vendorCalls.inc({ vendor, outcome }, count)
      if (outcome === "rate_limited") rateLimited.inc({ vendor }, count)
    },
    setQueueDepth: (state, depth) => queueDepth.set({ state }, depth),
    onCollect: (collect) => {
      collectors.push(collect)
    }
  }
}

/** Fresh instruments for one service. */
export const layer: Layer.Layer<Metrics> = Layer.sync(Metrics, make)
