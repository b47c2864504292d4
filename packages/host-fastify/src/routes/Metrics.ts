/**
 * `GET /metrics` (issue 13, "Probes and metrics"): the Prometheus text exposition of the service's
 * own registry (Metrics.ts): sync duration, vendor calls by vendor and outcome, 429s, held
 * companies, queue depth, last successful run, and HTTP requests by route.
 *
 * Public, like the probes, by decision: a Prometheus scraper is configured once and rarely carries
 * an API token, and what is exposed is counts and durations only, labelled by route template,
 * vendor, outcome and state: no company, tenant, user, id or secret. The service listens on
 * 127.0.0.1 by default; an operator who binds it elsewhere restricts `/metrics` at the network
 * (or the reverse proxy) like any other scrape target.
 */
import { Effect, Schema } from "effect"
import * as Route from "../http/Route.js"
import { Metrics } from "../Metrics.js"

export const MetricsText = Schema.String.annotations({
  identifier: "PrometheusText",
  description: "Prometheus text exposition format 0.0.4"
})

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/metrics",
    summary: "Prometheus metrics of this instance",
    tags: ["Operations"],
    access: "public",
    produces: "text/plain",
    response: MetricsText,
    handler: () => Effect.flatMap(Metrics, (metrics) => metrics.render)
  })
]
