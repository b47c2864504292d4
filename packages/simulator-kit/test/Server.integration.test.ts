import { connect } from "node:net"
import { Schema } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import {
  answerControl,
  type ControlAnswers,
  ControlError,
  type ControlRequest,
  controlRoutes,
  decodeBody
} from "../src/Control.js"
import { type Answer, disconnect, emptyReply, hang, jsonReply, reply, route } from "../src/Http.js"
import { makeApp, type Running, SimulatorStartError, start } from "../src/Server.js"

const answers: ControlAnswers = {
  done: () => emptyReply(204),
  value: (value) => jsonReply(200, value),
  created: (value) => jsonReply(201, value),
  error: (status, message) => jsonReply(status, { message })
}

const onError = (cause: unknown) => jsonReply(500, { message: `Simulator error: ${String(cause)}` })

describe("makeApp with inject()", () => {
  it("hands method, URL, headers and the raw body to the handler, whatever the content type", async () => {
    const app = makeApp(
      {
        handle: (request) =>
          jsonReply(200, { method: request.method, url: request.url, body: request.body, h: request.headers["x-a"] }),
        onError
      },
      () => "http://sim"
    )
    const sent = await app.inject({
      method: "PATCH",
      url: "/Any/Path/?q=1",
      headers: { "content-type": "application/json", "x-a": "b" },
      payload: "{not json"
    })
    expect(sent.statusCode).toBe(200)
    expect(sent.json()).toEqual({ method: "PATCH", url: "/Any/Path/?q=1", body: "{not json", h: "b" })
    const plain = await app.inject({
      method: "POST",
      url: "/",
      payload: "text",
      headers: { "content-type": "text/csv" }
    })
    expect(plain.json()).toMatchObject({ body: "text" })
    await app.close()
  })

  it("answers a handler failure with the simulator's own 500", async () => {
    const app = makeApp(
      {
        handle: () => {
          throw new Error("boom")
        },
        onError
      },
      () => ""
    )
    const sent = await app.inject({ method: "GET", url: "/x" })
    expect(sent.statusCode).toBe(500)
    expect(sent.json()).toEqual({ message: "Simulator error: Error: boom" })
    await app.close()
  })

  it("serves the control routes in one shape, refusing bad bodies with the field named", async () => {
    let faults: Array<unknown> = []
    const Fault = Schema.Struct({ kind: Schema.Literal("error"), times: Schema.optional(Schema.Int) })
    const routes = controlRoutes(
      answers,
      {
        counters: () => ({ n: 1 }),
        resetCounters: () => undefined,
        faults: () => faults,
        addFault: (body) => {
          faults.push(decodeBody("Test")(Fault, body, "fault"))
          return { id: faults.length }
        },
        clearFaults: () => {
          faults = []
        }
      },
      [
        route<ControlRequest, Answer, "control">("control", "GET", "/_sim/tenants/{id}", (request) => {
          throw new ControlError({ status: 404, message: `No tenant ${request.params.id}` })
        })
      ]
    )
    const app = makeApp({ handle: (r) => answerControl(routes, answers, r.method, r.url, r.body), onError }, () => "")
    const post = (payload: string) => app.inject({ method: "POST", url: "/_sim/faults", payload })
    expect((await post(JSON.stringify({ kind: "error", times: 2 }))).statusCode).toBe(201)
    const bad = await post(JSON.stringify({ kind: "error", times: "two" }))
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toContain("fault.times")
    expect(bad.json().message).toContain('"two"')
    expect((await post("{")).statusCode).toBe(400)
    expect((await app.inject({ method: "GET", url: "/_SIM/Faults/" })).json()).toEqual([{ kind: "error", times: 2 }])
    expect((await app.inject({ method: "POST", url: "/_sim/counters/reset" })).statusCode).toBe(204)
    expect((await app.inject({ method: "DELETE", url: "/_sim/counters" })).statusCode).toBe(204)
    expect((await app.inject({ method: "GET", url: "/_sim/tenants/t9" })).json()).toEqual({ message: "No tenant t9" })
    expect((await app.inject({ method: "GET", url: "/_sim/nothing" })).statusCode).toBe(404)
    await app.close()
  })
})

describe("start on a real socket", () => {
  let running: Running | undefined
  afterEach(async () => {
    await running?.close()
    running = undefined
  })

  it("listens on 127.0.0.1 and a random port, drops and hangs connections, and closes with them open", async () => {
    running = await start({
      handle: (request) => {
        if (request.url === "/drop") return disconnect
        if (request.url === "/hang") return hang
        return reply(200, `hello ${request.baseUrl}`, { "content-type": "text/plain" })
      },
      onError
    })
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const ok = await fetch(`${running.url}/hi`)
    expect(await ok.text()).toBe(`hello ${running.url}`)
    await expect(fetch(`${running.url}/drop`)).rejects.toThrow()
    // A hung request is open until the server closes.
    const socket = connect(running.port, "127.0.0.1")
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()))
    socket.write("GET /hang HTTP/1.1\r\nhost: x\r\n\r\n")
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()))
    let received = ""
    socket.on("data", (chunk) => {
      received += String(chunk)
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(received).toBe("")
    await running.close()
    await ended
    expect(received).toBe("")
  })

  it("fails with SimulatorStartError when the port is taken", async () => {
    running = await start({ handle: () => emptyReply(204), onError })
    const error = await start({ handle: () => emptyReply(204), onError, port: running.port }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SimulatorStartError)
  })
})
