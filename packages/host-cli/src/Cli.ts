/**
 * The `seatsync` command line: parses arguments, runs one command, returns an exit code.
 * People get tables and progress (stderr) on a TTY; programs get one JSON document on stdout
 * when piped or with --json, logs on stderr.
 */
import { existsSync } from "node:fs"
import { writeFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import {
  AutoMap,
  Engine,
  History,
  Ids,
  LocalDate,
  type Psa,
  LicenseSource as SourcePort,
  type Store as StorePort
} from "@seatsync/core"
import { Cause, Effect, Either, Exit, Logger, Schema } from "effect"
import type * as ConfigFile from "./ConfigFile.js"
import * as Consent from "./Consent.js"
import * as Demo from "./Demo.js"
import { ExitCode, exitCodeOf, syncResult } from "./Output.js"
import * as Redaction from "./Redaction.js"
import * as Report from "./Report.js"
import * as Simulate from "./Simulate.js"
import { starterYaml } from "./Starter.js"
import * as Wiring from "./Wiring.js"

export interface Io {
  readonly stdout: { write(s: string): unknown; readonly isTTY?: boolean | undefined }
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean | undefined }
  readonly env: NodeJS.ProcessEnv
  /** Resolves when the user asks to stop (Ctrl-C), for long-running commands. */
  readonly interrupted: Promise<void>
  /** Learns the configured secrets; `main` redacts stdout and stderr with it. */
  readonly redactor?: Redaction.Redactor
}

export const usage = `Usage: seatsync <command> [options]

Commands:
  demo [--psa connectwise|autotask] [--db FILE]
                     Start the bundled simulators, sync the sample data into SQLite, show the plan
                     and findings, then sync again to show nothing changes
  init [--out FILE] [--force]
                     Write a commented starter configuration (default seatsync.yaml)
  sync --config FILE [--dry-run] [--company ID]... [--as-of YYYY-MM-DD] [--yes]
                     Sync now: read Microsoft, write the changes to the PSA
  plan --config FILE [--company ID]... [--as-of YYYY-MM-DD]
                     What sync would do (sync --dry-run)
  tenants --config FILE
                     Tenants visible in Microsoft and whether each is linked to a company
  automap --config FILE [--apply]
                     Propose tenant ↔ company links (name and domain, with confidence);
                     --apply adds the confident ones to the configuration file
  history (--config FILE | --storage TARGET) [--company ID] [--run ID] [--limit N]
                     Sync runs and per-line events
  simulate <microsoft|connectwise|autotask> [--port N] [--seed FILE]
                     Run a simulator standalone until Ctrl-C
  consent --config FILE [--port N] [--out FILE]
                     Partner Center consent: prints the sign-in URL for a partner Admin agent,
                     receives the redirect on http://localhost:N/callback (default 8400), and
                     writes the refresh token to FILE (default seatsync-refresh-token, mode 600)
  migrate (--config FILE | --storage TARGET)
                     Create or upgrade the database

Common options:
  --json             One JSON document on stdout (the default when stdout is not a terminal)
  -h, --help         This help

Exit codes: 0 ok, 1 failed, 2 bad usage or configuration, 3 partial (some companies failed or were held),
130 interrupted (Ctrl-C or SIGTERM; the next run completes what was in progress)
`

class UsageError extends Error {}

/** Log lines in logfmt on the (redacting) stderr. */
const stderrLogger = (io: Io) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make((options) => {
      io.stderr.write(`${Logger.logfmtLogger.log(options)}\n`)
    })
  )

type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>
type Values = Record<string, string | boolean | Array<string | boolean> | undefined>

const parse = (args: ReadonlyArray<string>, options: OptionSpec): { values: Values; positionals: Array<string> } => {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...options },
      allowPositionals: true,
      strict: true
    })
    return { values: values as Values, positionals }
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e))
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined)

const asOfOption = (v: unknown): LocalDate.LocalDate | undefined => {
  const s = str(v)
  if (s === undefined) return undefined
  if (!LocalDate.isLocalDate(s)) throw new UsageError(`--as-of: expected a date YYYY-MM-DD, got ${JSON.stringify(s)}`)
  return s
}

/** Runs an Effect, mapping typed failures to a message and exit code. */
const runEffect = async <A>(
  io: Io,
  effect: Effect.Effect<A, Wiring.WiringError | ConfigFile.ConfigFileError | StorePort.StoreError>
): Promise<Either.Either<A, number>> => {
  // Ctrl-C or SIGTERM interrupts the work: finalizers run (a sync gives its leases back and
  // closes its run; simulators stop), and what was journaled completes on the next run.
  const stop = new AbortController()
  void io.interrupted.then(() => stop.abort())
  // Logs go to stderr: stdout carries only the command's output (one JSON document when piped).
  const exit = await Effect.runPromiseExit(effect.pipe(Effect.provide(stderrLogger(io))), { signal: stop.signal })
  if (Exit.isSuccess(exit)) return Either.right(exit.value)
  if (Exit.isInterrupted(exit)) {
    io.stderr.write("seatsync: interrupted (what a sync had started is completed by the next run, never doubled)\n")
    return Either.left(ExitCode.interrupted)
  }
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "Some") {
    const e = failure.value
    io.stderr.write(`seatsync: ${e.message}\n`)
    return Either.left(e._tag === "ConfigFileError" ? ExitCode.usage : ExitCode.failed)
  }
  io.stderr.write(`seatsync: ${Cause.pretty(exit.cause)}\n`)
  return Either.left(ExitCode.failed)
}

const wantsJson = (io: Io, flag: unknown) => flag === true || io.stdout.isTTY !== true

/**
 * `SEATSYNC_LEASE_TTL_MS`: how long a sync's leases last past their last renewal (default 60 s;
 * renewed every third of it). Only matters for a sync that dies on another host, or whose
 * process cannot be checked: on the same host a dead sync's leases are taken over at once.
 */
const leaseTtlOption = (env: NodeJS.ProcessEnv): { readonly leaseTtlMillis?: number } => {
  const raw = env.SEATSYNC_LEASE_TTL_MS
  if (raw === undefined || raw === "") return {}
  const ms = Number(raw)
  if (!Number.isInteger(ms) || ms < 100 || ms > 3_600_000) {
    throw new UsageError(
      `SEATSYNC_LEASE_TTL_MS: expected whole milliseconds between 100 and 3600000, got ${JSON.stringify(raw)}`
    )
  }
  return { leaseTtlMillis: ms }
}

const requireConfig = (values: Record<string, unknown>): string => {
  const file = str(values.config) ?? str(values.c)
  if (file === undefined) throw new UsageError("--config FILE is required")
  return file
}

const sync = async (args: ReadonlyArray<string>, io: Io, forceDryRun: boolean): Promise<number> => {
  const { values } = parse(args, {
    config: { type: "string", short: "c" },
    "dry-run": { type: "boolean" },
    company: { type: "string", multiple: true },
    "as-of": { type: "string" },
    yes: { type: "boolean" }
  })
  const file = requireConfig(values)
  const json = wantsJson(io, values.json)
  const dryRun = forceDryRun || values["dry-run"] === true
  const asOf = asOfOption(values["as-of"])
  const companies = (Array.isArray(values.company) ? values.company : []).map((c) => Ids.CompanyId.make(String(c)))
  const lease = leaseTtlOption(io.env)
  const started = Date.now()
  const progress = (calls: () => Wiring.CallCounts) => (_: Engine.CompanyResult, done: number, total: number) =>
    Effect.sync(() => {
      if (!io.stderr.isTTY) return
      const c = calls()
      io.stderr.write(
        `\r${done}/${total} companies · ${c.microsoft + c.psaReads + c.psaWrites} calls (${c.psaWrites} PSA writes) · ${((Date.now() - started) / 1000).toFixed(1)} s`
      )
    })
  const result = await runEffect(
    io,
    Wiring.withConfig(file, io, (connected) =>
      Engine.syncAll({
        dryRun,
        ...(asOf ? { asOf } : {}),
        ...(companies.length > 0 ? { companies } : {}),
        releaseHolds: values.yes === true,
        ...lease,
        trigger: "cli",
        onCompanyDone: progress(connected.calls)
      }).pipe(Effect.map((r) => ({ result: r, calls: connected.calls() })))
    )
  )
  if (Either.isLeft(result)) return result.left
  if (io.stderr.isTTY) io.stderr.write("\n")
  const { result: r, calls } = result.right
  if (json) io.stdout.write(`${JSON.stringify({ ...syncResult(r), calls })}\n`)
  else {
    io.stdout.write(`${Report.format(r, { color: io.stdout.isTTY === true })}\n`)
    io.stderr.write(
      `${calls.psaWrites} PSA writes, ${calls.psaReads} PSA reads in ${((Date.now() - started) / 1000).toFixed(1)} s\n`
    )
  }
  return exitCodeOf(r)
}

const tenants = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parse(args, { config: { type: "string", short: "c" } })
  const file = requireConfig(values)
  const result = await runEffect(
    io,
    Wiring.withConfig(file, io, (connected) =>
      Effect.gen(function* () {
        const source = yield* SourcePort.LicenseSource
        const list = yield* source.listTenants.pipe(
          Effect.mapError((e) => new Wiring.WiringError({ message: e.message }))
        )
        const linked = new Map(connected.file.companies.map((c) => [c.tenantId.toLowerCase(), c]))
        return list.map((t) => ({
          tenantId: t.tenantId,
          name: t.name,
          domains: t.domains,
          linkedTo: linked.get(t.tenantId.toLowerCase())?.companyId ?? null
        }))
      })
    )
  )
  if (Either.isLeft(result)) return result.left
  if (wantsJson(io, values.json)) io.stdout.write(`${JSON.stringify({ tenants: result.right })}\n`)
  else {
    for (const t of result.right) {
      io.stdout.write(
        `${t.linkedTo ? "linked    " : "NOT ADDED "} ${t.name.padEnd(32)} ${t.tenantId}  ${t.domains[0] ?? ""}${t.linkedTo ? `  → company ${t.linkedTo}` : ""}\n`
      )
    }
  }
  return ExitCode.ok
}

const automap = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parse(args, { config: { type: "string", short: "c" }, apply: { type: "boolean" } })
  const file = requireConfig(values)
  const result = await runEffect(
    io,
    Wiring.withConfig(file, io, (connected) =>
      Effect.gen(function* () {
        const source = yield* SourcePort.LicenseSource
        const psa = yield* Wiring.PsaTag
        const list = yield* source.listTenants.pipe(
          Effect.mapError((e) => new Wiring.WiringError({ message: e.message }))
        )
        const companies = yield* psa.listCompanies.pipe(
          Effect.mapError((e: Psa.PsaError) => new Wiring.WiringError({ message: e.message }))
        )
        const linked = new Set(connected.file.companies.map((c) => c.tenantId))
        return AutoMap.propose(list, companies, { linked })
      })
    )
  )
  if (Either.isLeft(result)) return result.left
  const proposals = result.right
  const confident = proposals.filter((p) => AutoMap.isConfident(p))
  if (values.apply === true && confident.length > 0) {
    const applied = await Wiring.appendCompanies(
      file,
      confident.map((p) => ({ companyId: p.best.companyId, name: p.best.companyName, tenantId: p.tenant.tenantId }))
    )
    if (Either.isLeft(applied)) {
      io.stderr.write(`seatsync: ${applied.left.message}\n`)
      return ExitCode.failed
    }
  }
  if (wantsJson(io, values.json)) {
    io.stdout.write(
      `${JSON.stringify({
        proposals: proposals.map((p) =>
          p._tag === "Matched"
            ? { tenant: p.tenant, status: AutoMap.isConfident(p) ? "confident" : "weak", ...p.best }
            : p._tag === "Ambiguous"
              ? { tenant: p.tenant, status: "ambiguous", candidates: p.candidates }
              : { tenant: p.tenant, status: "unmatched" }
        ),
        applied: values.apply === true ? confident.length : 0
      })}\n`
    )
  } else {
    for (const p of proposals) {
      const line =
        p._tag === "Matched"
          ? `${AutoMap.isConfident(p) ? "match    " : "weak     "} ${p.tenant.name} → ${p.best.companyName} [${p.best.companyId}] (${Math.round(p.best.confidence * 100)}%, ${p.best.reason})`
          : p._tag === "Ambiguous"
            ? `ambiguous ${p.tenant.name} → ${p.candidates.map((c) => `${c.companyName} [${c.companyId}]`).join(" | ")}`
            : `unmatched ${p.tenant.name}`
      io.stdout.write(`${line}\n`)
    }
    if (values.apply === true) io.stdout.write(`Added ${confident.length} companies to ${file}.\n`)
    else if (confident.length > 0)
      io.stdout.write(`Run again with --apply to add the ${confident.length} confident matches to ${file}.\n`)
  }
  return ExitCode.ok
}

const history = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parse(args, {
    config: { type: "string", short: "c" },
    storage: { type: "string" },
    company: { type: "string" },
    run: { type: "string" },
    limit: { type: "string" }
  })
  const storage = str(values.storage)
  const file = storage === undefined ? requireConfig(values) : undefined
  const limit = Number(str(values.limit) ?? "50")
  if (!Number.isInteger(limit) || limit <= 0) throw new UsageError("--limit: expected a positive whole number")
  const result = await runEffect(
    io,
    Wiring.withStore(file !== undefined ? { config: file } : { storage: storage ?? "" }, (store) =>
      Effect.gen(function* () {
        const runs = yield* store.listRuns(limit)
        const company = str(values.company)
        const run = str(values.run)
        const events = yield* store.listEvents({
          limit,
          ...(company ? { companyId: Ids.CompanyId.make(company) } : {}),
          ...(run ? { runId: Ids.RunId.make(run) } : {})
        })
        return { runs, events }
      })
    )
  )
  if (Either.isLeft(result)) return result.left
  const { runs, events } = result.right
  if (wantsJson(io, values.json)) {
    io.stdout.write(
      `${JSON.stringify({
        runs: runs.map((r) => Schema.encodeSync(History.SyncRun)(r)),
        events: events.map((e) => Schema.encodeSync(History.SyncEvent)(e))
      })}\n`
    )
  } else {
    io.stdout.write(`${Report.formatHistory(runs, events)}\n`)
  }
  return ExitCode.ok
}

const consent = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parse(args, {
    config: { type: "string", short: "c" },
    port: { type: "string" },
    out: { type: "string" }
  })
  const file = requireConfig(values)
  const port = Number(str(values.port) ?? "8400")
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port: expected 0–65535")
  const out = str(values.out) ?? "seatsync-refresh-token"
  const result = await runEffect(
    io,
    Consent.run({
      configPath: file,
      ...(io.redactor ? { redactor: io.redactor } : {}),
      env: io.env,
      port,
      out,
      show: (url, redirectUri) => {
        io.stderr.write(
          `The app registration must list ${redirectUri} as a redirect URI.\nOpen this URL as a partner Admin agent (sign in with MFA):\n\n`
        )
        if (wantsJson(io, values.json)) io.stdout.write(`${JSON.stringify({ url, redirectUri })}\n`)
        else io.stdout.write(`${url}\n\n`)
        io.stderr.write("Waiting for the sign-in…\n")
      }
    })
  )
  if (Either.isLeft(result)) return result.left
  io.stderr.write(
    `Consent given${result.right.username ? ` by ${result.right.username}` : ""}. The refresh token is in ${result.right.file}: store it in your secret store and expose it as the environment variable your configuration names (e.g. SEATSYNC_PC_REFRESH_TOKEN), then delete the file.\n`
  )
  return ExitCode.ok
}

const migrate = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parse(args, { config: { type: "string", short: "c" }, storage: { type: "string" } })
  const target = str(values.storage)
  const file = str(values.config)
  if (target === undefined && file === undefined)
    throw new UsageError("migrate needs --config FILE or --storage TARGET")
  const result = await runEffect(io, Wiring.migrate(file, target))
  if (Either.isLeft(result)) return result.left
  if (wantsJson(io, values.json)) io.stdout.write(`${JSON.stringify(result.right)}\n`)
  else io.stdout.write(`${Wiring.describeMigration(result.right)}\n`)
  return ExitCode.ok
}

const init = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parse(args, { out: { type: "string", short: "o" }, force: { type: "boolean" } })
  const out = str(values.out) ?? "seatsync.yaml"
  if (existsSync(out) && values.force !== true) {
    io.stderr.write(`seatsync: ${out} exists; use --force to overwrite it\n`)
    return ExitCode.usage
  }
  await writeFile(out, starterYaml, "utf8")
  io.stderr.write(`Wrote ${out}. Fill in your connections, then: seatsync plan --config ${out}\n`)
  return ExitCode.ok
}

const demo = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parse(args, { psa: { type: "string" }, db: { type: "string" } })
  const psa = str(values.psa) ?? "connectwise"
  if (psa !== "connectwise" && psa !== "autotask")
    throw new UsageError(`--psa: expected connectwise or autotask, got ${psa}`)
  const result = await runEffect(
    io,
    Demo.run({ psa, db: str(values.db), log: (line: string) => io.stderr.write(line) })
  )
  if (Either.isLeft(result)) return result.left
  if (wantsJson(io, values.json)) io.stdout.write(`${JSON.stringify(Demo.toJson(result.right))}\n`)
  else io.stdout.write(`${Demo.print(result.right, io.stdout.isTTY === true)}\n`)
  const first = exitCodeOf(result.right.first)
  if (first !== ExitCode.ok) return first
  return result.right.secondWrites === 0 ? exitCodeOf(result.right.second) : ExitCode.failed
}

const simulate = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values, positionals } = parse(args, { port: { type: "string" }, seed: { type: "string" } })
  const which = positionals[0]
  if (which !== "microsoft" && which !== "connectwise" && which !== "autotask") {
    throw new UsageError("simulate needs one of: microsoft, connectwise, autotask")
  }
  const port = Number(str(values.port) ?? "0")
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port: expected 0–65535")
  return Simulate.run(which, { port, seed: str(values.seed), json: wantsJson(io, values.json) }, io)
}

/** Runs the command line; resolves to the exit code. */
export const main = async (argv: ReadonlyArray<string>, given: Io): Promise<number> => {
  const [command, ...rest] = argv
  // Whatever a vendor echoed (an error, a finding, a log line) reaches the terminal or a pipe
  // with the configured secrets replaced: every command writes through these.
  const redactor = given.redactor ?? Redaction.make()
  const io: Io = {
    ...given,
    stdout: Redaction.writer(given.stdout, redactor),
    stderr: Redaction.writer(given.stderr, redactor),
    redactor
  }
  try {
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout.write(usage)
      return ExitCode.ok
    }
    switch (command) {
      case "demo":
        return await demo(rest, io)
      case "init":
        return await init(rest, io)
      case "sync":
        return await sync(rest, io, false)
      case "plan":
        return await sync(rest, io, true)
      case "tenants":
        return await tenants(rest, io)
      case "automap":
        return await automap(rest, io)
      case "history":
        return await history(rest, io)
      case "simulate":
        return await simulate(rest, io)
      case "migrate":
        return await migrate(rest, io)
      case "consent":
        return await consent(rest, io)
      case "help":
      case "--help":
      case "-h":
        io.stdout.write(usage)
        return ExitCode.ok
      case undefined:
        io.stderr.write(usage)
        return ExitCode.usage
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`)
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`seatsync: ${e.message}\nRun seatsync --help for usage.\n`)
      return ExitCode.usage
    }
    // A bug: the stack helps, redacted like everything else.
    io.stderr.write(`seatsync: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    return ExitCode.failed
  }
}
