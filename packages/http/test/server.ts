/** A real node:http server on 127.0.0.1 (random port) for the transport tests: scripted answers, what it saw. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
}

export interface TestServer {
  readonly url: string
  readonly seen: Array<Seen>
  /** Most sockets open at the same time. */
  readonly maxSockets: () => number
  /** Requests being answered now (from arrival until the answer is sent). */
  readonly inFlight: () => number
  /** Most requests being answered at the same time. */
  readonly maxInFlight: () => number
}

/**
 * Serves `handle` (the nth request, from 0; `inFlight` counts the requests being answered when it
 * arrived, itself included) for the scope's lifetime.
 */
export const serve = (handle: (n: number, req: IncomingMessage, res: ServerResponse, inFlight: number) => void) =>
  Effect.acquireRelease(
    Effect.async<TestServer & { readonly close: () => Promise<void> }>((resume) => {
      const seen: Array<Seen> = []
      let open = 0
      let max = 0
      let busy = 0
      let maxBusy = 0
      const server = createServer((req, res) => {
        const n = seen.length
        seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers })
        busy++
        maxBusy = Math.max(maxBusy, busy)
        const now = busy
        res.on("close", () => busy--)
        req.resume()
        req.on("end", () => handle(n, req, res, now))
      })
      server.on("connection", (socket) => {
        open++
        max = Math.max(max, open)
        socket.on("close", () => open--)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(
          Effect.succeed({
            url: `http://127.0.0.1:${port}`,
            seen,
            maxSockets: () => max,
            inFlight: () => busy,
            maxInFlight: () => maxBusy,
            close: () =>
              new Promise<void>((done) => {
                server.closeAllConnections()
                server.close(() => done())
              })
          })
        )
      })
    }),
    (server) => Effect.promise(server.close)
  )

export const reply = (
  res: ServerResponse,
  status: number,
  body: unknown = {},
  headers: Record<string, string> = {}
) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}
