/**
 * Checks HTTP answers against the service's own OpenAPI document (issue 13: "every response
 * validates against it"), with a real JSON Schema 2020-12 validator (Ajv), not against the
 * Schemas the routes were built from: what a client generated from `/openapi.json` expects is what
 * is checked.
 *
 * An answer is conformant when its method and path are a documented operation, its status is one
 * of the operation's responses (or its `default`), its content type is the documented one, and
 * its body validates against the documented schema. Answers to paths that are no operation at all
 * (fastify's 404 for an unknown path) are checked against the problem schema.
 */
import { Ajv2020 } from "ajv/dist/2020.js"
import addFormats from "ajv-formats"

type Json = Record<string, unknown>

interface Operation {
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema?: unknown }> }>
}

export interface Validator {
  /** Every problem with this answer (empty when it conforms). */
  readonly check: (answer: {
    readonly method: string
    readonly path: string
    readonly status: number
    readonly contentType: string
    readonly body: unknown
  }) => ReadonlyArray<string>
  /** The documented operations, as `METHOD /openapi/{path}`. */
  readonly operations: ReadonlyArray<string>
}

const pointer = (...parts: ReadonlyArray<string>): string =>
  parts.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")

const templateRegex = (template: string): RegExp =>
  new RegExp(
    `^${template
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("")}$`
  )

/**
 * Effect's JSON Schema marks `unknown`, `any` and `{}` with the same `$id` (`/schemas/unknown`…)
 * wherever they occur; as identifiers they would clash, and they identify nothing: drop them.
 */
const withoutIds = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withoutIds)
    : typeof value === "object" && value !== null
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([key]) => key !== "$id")
            .map(([k, v]) => [k, withoutIds(v)])
        )
      : value

export const make = (document: Json): Validator => {
  const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema({ ...(withoutIds(document) as Json), $id: "openapi" })
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation>>
  const templates = Object.keys(paths).map((template) => ({ template, regex: templateRegex(template) }))
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>()
  const validatorAt = (ref: string) => {
    let validate = compiled.get(ref)
    if (validate === undefined) {
      validate = ajv.compile({ $ref: ref })
      compiled.set(ref, validate)
    }
    return validate
  }
  const problemRef = "openapi#/components/schemas/Problem"

  const check: Validator["check"] = ({ method, path, status, contentType, body }) => {
    const errors: Array<string> = []
    const where = `${method} ${path} → ${status}`
    const mediaType = contentType.split(";", 1)[0]?.trim() ?? ""
    const validateWith = (ref: string) => {
      const validate = validatorAt(ref)
      if (!validate(body))
        errors.push(
          `${where}: the body does not match ${ref}: ${ajv.errorsText(validate.errors, { separator: "; " })} — body ${JSON.stringify(body)?.slice(0, 500)}`
        )
    }
    // Exact templates win over parameterised ones (`/jobs/batch` before `/jobs/{jobId}`).
    const matching = templates
      .filter((t) => t.regex.test(path))
      .sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))
    const template = matching.find((t) => paths[t.template]?.[method.toLowerCase()] !== undefined)?.template
    if (template === undefined) {
      if (status < 400) errors.push(`${where}: answered with success but is not a documented operation`)
      else if (mediaType !== "application/problem+json")
        errors.push(`${where}: an error that is not a problem document`)
      else validateWith(problemRef)
      return errors
    }
    const operation = paths[template]?.[method.toLowerCase()] as Operation
    const key = String(status) in operation.responses ? String(status) : "default"
    const response = operation.responses[key]
    if (response === undefined) {
      errors.push(`${where}: status ${status} is not documented for ${method} ${template}`)
      return errors
    }
    const content = response.content
    if (content === undefined) {
      if (body !== undefined && body !== "") errors.push(`${where}: documented without a body but answered one`)
      return errors
    }
    const documented = content[mediaType]
    if (documented === undefined) {
      errors.push(`${where}: content type ${mediaType} is not documented (${Object.keys(content).join(", ")})`)
      return errors
    }
    validateWith(
      `openapi#/${pointer("paths", template, method.toLowerCase(), "responses", key, "content", mediaType, "schema")}`
    )
    return errors
  }

  return {
    check,
    operations: Object.entries(paths).flatMap(([template, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${template}`)
    )
  }
}
