/**
 * The OpenAPI 3.1 document of the service, generated from the routes themselves (their Schemas,
 * through Effect's `JSONSchema`), so what is documented is what is decoded and encoded. Served at
 * `/openapi.json`, with a small page at `/docs` that reads it (no CDN, no external script).
 */
import { Effect, JSONSchema, Schema, SchemaAST } from "effect"
import { ProblemDocument } from "./Problem.js"
import * as Route from "./Route.js"

/** A JSON value of the document. */
type Json = JSONSchema.JsonSchema7

/** `/companies/:companyId` → `/companies/{companyId}`. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")

/** The operation id: method and path, as one camel-cased word (`getCompaniesCompanyId`). */
export const operationId = (route: Route.Any): string =>
  [route.method.toLowerCase(), ...route.path.split(/[^A-Za-z0-9]+/).filter((part) => part !== "")]
    .map((part, i) => (i === 0 ? part : part[0]?.toUpperCase() + part.slice(1)))
    .join("")

interface Parameter {
  readonly name: string
  readonly in: "path" | "query" | "header"
  readonly required: boolean
  readonly schema: Json
  readonly description?: string
}

const isVoid = (schema: Schema.Schema.AnyNoContext): boolean =>
  SchemaAST.isVoidKeyword(schema.ast) || SchemaAST.isUndefinedKeyword(schema.ast)

/** The properties of a struct schema as parameters of one location. */
const parametersOf = (
  location: Parameter["in"],
  schema: Schema.Schema.AnyNoContext | undefined,
  definitions: Record<string, Json>
): ReadonlyArray<Parameter> => {
  if (schema === undefined) return []
  const json = JSONSchema.fromAST(schema.ast, {
    definitions,
    definitionPath: "#/components/schemas/",
    target: "openApi3.1",
    topLevelReferenceStrategy: "skip"
  }) as { readonly properties?: Record<string, Json>; readonly required?: ReadonlyArray<string> }
  const required = new Set(json.required ?? [])
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === "path" || required.has(name),
    schema: property,
    ...(property.description === undefined ? {} : { description: property.description })
  }))
}

const schemaOf = (schema: Schema.Schema.AnyNoContext, definitions: Record<string, Json>): Json =>
  JSONSchema.fromAST(schema.ast, { definitions, definitionPath: "#/components/schemas/", target: "openApi3.1" })

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } }
})

/** The document for these routes. */
export const document = (
  routes: ReadonlyArray<Route.Any>,
  info: { readonly title: string; readonly version: string; readonly description?: string }
) => {
  const definitions: Record<string, Json> = {}
  schemaOf(ProblemDocument, definitions)
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    const parameters = [
      ...parametersOf("path", route.schemas.params, definitions),
      ...parametersOf("query", route.schemas.query, definitions),
      ...parametersOf("header", route.schemas.headers, definitions)
    ]
    const response = route.schemas.response
    const success =
      isVoid(response) || route.status === 204
        ? { description: route.summary }
        : {
            description: route.summary,
            content: {
              [route.produces]: {
                schema: route.produces === "application/json" ? schemaOf(response, definitions) : { type: "string" }
              }
            }
          }
    const responses: Record<string, unknown> = { [String(route.status)]: success }
    const decodes = parameters.length > 0 || route.schemas.body !== undefined
    // The framework refuses any unexpected query parameter or body, so every route can answer 400.
    responses["400"] = problem(decodes ? "The request does not decode; `errors` names each field" : "Bad request")
    if (route.access !== "public") {
      responses["401"] = problem("No caller: sign in or send an API token")
      responses["403"] = problem(`The caller's role is below ${route.access}`)
    }
    if (route.schemas.params !== undefined) responses["404"] = problem("Not found")
    if (route.schemas.body !== undefined) {
      responses["413"] = problem("The body is larger than the limit")
      responses["415"] = problem("The body is not application/json")
    }
    responses["500"] = problem("Unexpected error (logged; no detail is given)")
    // Any other refusal a handler may answer (409, 412, 429, 503…) is a problem document too.
    responses.default = problem("Another refusal (a conflict, too many sign-ins, unavailable…), as a problem document")
    const operation = {
      operationId: operationId(route),
      summary: route.summary,
      ...(route.description === undefined ? {} : { description: route.description }),
      tags: route.tags,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.schemas.body === undefined
        ? {}
        : {
            requestBody: {
              required: !isVoid(route.schemas.body),
              content: { "application/json": { schema: schemaOf(route.schemas.body, definitions) } }
            }
          }),
      responses,
      security: route.access === "public" ? [] : [{ bearer: [] }, { session: [] }],
      "x-seatsync-access": route.access
    }
    const path = openApiPath(route.path)
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation }
  }
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: {
      schemas: definitions,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API token" },
        session: { type: "apiKey", in: "cookie", name: "seatsync_session", description: "A console session" }
      }
    }
  }
}

/** The document as `/openapi.json` serves it. */
export const OpenApiDocument = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  identifier: "OpenApiDocument",
  description: "An OpenAPI 3.1 document"
})

const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SeatSync API</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}
h2{margin-top:2rem;border-bottom:1px solid #ddd}details{margin:.3rem 0}summary{cursor:pointer}
code{font:13px ui-monospace,monospace}.m{display:inline-block;width:4.5rem;font-weight:600}
pre{background:#f6f6f6;padding:.6rem;overflow:auto}</style></head>
<body><h1>SeatSync API</h1><p>The machine-readable document: <a href="/openapi.json">/openapi.json</a>.</p>
<div id="ops">Loading…</div>
<script>
fetch("/openapi.json").then(r=>r.json()).then(doc=>{
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths))for(const [method,op] of Object.entries(ops))
    for(const tag of op.tags.length?op.tags:["Other"])(byTag[tag]??=[]).push({path,method,op});
  const root=document.getElementById("ops");root.textContent="";
  for(const [tag,ops] of Object.entries(byTag).sort()){
    const h=document.createElement("h2");h.textContent=tag;root.append(h);
    for(const {path,method,op} of ops){
      const d=document.createElement("details"),s=document.createElement("summary");
      s.innerHTML='<span class="m"></span><code></code> — <span></span>';
      s.children[0].textContent=method.toUpperCase();s.children[1].textContent=path;
      s.children[2].textContent=op.summary+" ("+op["x-seatsync-access"]+")";
      const pre=document.createElement("pre");
      pre.textContent=JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2);
      d.append(s,pre);root.append(d);
    }
  }
  const c=document.createElement("h2");c.textContent="Schemas";root.append(c);
  const pre=document.createElement("pre");pre.textContent=JSON.stringify(doc.components.schemas,null,2);root.append(pre);
});
</script></body></html>
`

/**
 * `/openapi.json` and `/docs`. `all` returns every route of the service (these two included): it
 * is called when the document is asked for, after the route list is complete.
 */
export const routes = (
  all: () => ReadonlyArray<Route.Any>,
  info: { readonly title: string; readonly version: string }
): ReadonlyArray<Route.Any> => {
  let cached: ReturnType<typeof document> | undefined
  return [
    Route.make({
      method: "GET",
      path: "/openapi.json",
      summary: "The OpenAPI 3.1 document of this API",
      tags: ["Docs"],
      access: "public",
      response: OpenApiDocument,
      handler: () => Effect.sync(() => (cached ??= document(all(), info)))
    }),
    Route.make({
      method: "GET",
      path: "/docs",
      summary: "A page listing the API's operations (reads /openapi.json)",
      tags: ["Docs"],
      access: "public",
      produces: "text/html",
      response: Schema.String,
      handler: () => Effect.succeed(docsPage)
    })
  ]
}
