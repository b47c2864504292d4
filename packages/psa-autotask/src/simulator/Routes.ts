/**
 * URL forms of the Autotask REST API (API-REFERENCE §2.3): `/ATServicesRest/V1.0/…`, matched
 * case-insensitively, each with the methods its entity allows. A path form that exists but does not
 * allow the method is a 405; an unknown path is a 404.
 */
import { childBySegment, type EntityDef, entityBySegment } from "./Entities.js"

/** A matched API route. */
export type Route =
  | { readonly kind: "zone" }
  | { readonly kind: "threshold" }
  | { readonly kind: "entityInformation" | "fields" | "userDefinedFields"; readonly entity: EntityDef }
  | { readonly kind: "query" | "count" | "next"; readonly entity: EntityDef }
  | { readonly kind: "item"; readonly entity: EntityDef; readonly id: number; readonly parentId: number | undefined }
  | { readonly kind: "collection"; readonly entity: EntityDef; readonly parentId: number | undefined }

/** A route with what the counters and limits need to know about it. */
export interface Matched {
  readonly route: Route
  /** Route template for counters, e.g. `/V1.0/Contracts/{parentId}/Services`. */
  readonly template: string
  /** Object endpoint for the thread limit (the entity name). */
  readonly endpoint: string
  /** Methods this path form allows. */
  readonly methods: ReadonlyArray<string>
}

const ID = /^\d+$/

const decode = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    // A malformed escape is matched as written (and will not name an entity).
    return segment
  }
}

const metadataKinds: Readonly<Record<string, "entityInformation" | "fields" | "userDefinedFields">> = {
  "": "entityInformation",
  fields: "fields",
  userdefinedfields: "userDefinedFields"
}

/** Matches the path segments after `/ATServicesRest/V1.0/`. */
export const match = (segments: ReadonlyArray<string>): Matched | undefined => {
  const [first, second, third, fourth, fifth, ...rest] = segments.map(decode)
  if (first === undefined) return undefined
  const lowerFirst = first.toLowerCase()
  if (segments.length === 1 && lowerFirst === "zoneinformation") {
    return { route: { kind: "zone" }, template: "/V1.0/zoneInformation", endpoint: "zoneInformation", methods: ["GET"] }
  }
  if (segments.length === 1 && lowerFirst === "thresholdinformation") {
    return {
      route: { kind: "threshold" },
      template: "/V1.0/ThresholdInformation",
      endpoint: "ThresholdInformation",
      methods: ["GET"]
    }
  }
  const entity = entityBySegment(first)
  if (entity === undefined) return undefined
  const base = `/V1.0/${entity.name}`
  const root = entity.root

  if (second === undefined) {
    return {
      route: { kind: "collection", entity, parentId: undefined },
      template: base,
      endpoint: entity.name,
      methods: [...(root.create ? ["POST"] : []), ...(root.update ? ["PATCH", "PUT"] : [])]
    }
  }
  const lowerSecond = second.toLowerCase()
  if (lowerSecond === "entityinformation" && fourth === undefined) {
    const kind = metadataKinds[(third ?? "").toLowerCase()]
    if (kind === undefined) return undefined
    return {
      route: { kind, entity },
      template: `${base}/entityInformation${third === undefined ? "" : `/${kind}`}`,
      endpoint: entity.name,
      methods: ["GET"]
    }
  }
  if (lowerSecond === "query" && fourth === undefined) {
    const lowerThird = third?.toLowerCase()
    const kind =
      lowerThird === undefined ? "query" : lowerThird === "count" ? "count" : lowerThird === "next" ? "next" : undefined
    if (kind === undefined) return undefined
    return {
      route: { kind, entity },
      template: `${base}/query${kind === "query" ? "" : `/${kind}`}`,
      endpoint: entity.name,
      methods: root.query ? ["GET", "POST"] : []
    }
  }
  if (!ID.test(second)) return undefined
  const id = Number(second)
  if (third === undefined) {
    return {
      route: { kind: "item", entity, id, parentId: undefined },
      template: `${base}/{id}`,
      endpoint: entity.name,
      methods: [...(root.get ? ["GET"] : []), ...(root.delete ? ["DELETE"] : [])]
    }
  }
  // Child forms: /{Parent}/{parentId}/{Child}[/{id} | /entityInformation[/fields|/userDefinedFields]]
  const child = childBySegment(entity.name, third)
  if (child?.child === undefined || rest.length > 0) return undefined
  const caps = child.child.capabilities
  const childBase = `${base}/{parentId}/${child.child.segment}`
  if (fourth === undefined) {
    return {
      route: { kind: "collection", entity: child, parentId: id },
      template: childBase,
      endpoint: child.name,
      methods: [
        ...(caps.query ? ["GET"] : []),
        ...(caps.create ? ["POST"] : []),
        ...(caps.update ? ["PATCH", "PUT"] : [])
      ]
    }
  }
  if (fourth.toLowerCase() === "entityinformation") {
    const kind = metadataKinds[(fifth ?? "").toLowerCase()]
    if (kind === undefined) return undefined
    return {
      route: { kind, entity: child },
      template: `${childBase}/entityInformation${fifth === undefined ? "" : `/${kind}`}`,
      endpoint: child.name,
      methods: ["GET"]
    }
  }
  if (!ID.test(fourth) || fifth !== undefined) return undefined
  return {
    route: { kind: "item", entity: child, id: Number(fourth), parentId: id },
    template: `${childBase}/{id}`,
    endpoint: child.name,
    methods: [...(caps.get ? ["GET"] : []), ...(caps.delete ? ["DELETE"] : [])]
  }
}
