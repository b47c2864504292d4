/**
 * How deeply a configuration text nests and how many values it holds, found without parsing it.
 * Parsers and decoders recurse: 100,000 nested brackets overflow the stack (a raw RangeError),
 * and the YAML parser needs about a minute for 5 MB of them — or 40 s and 3 GB for a flat list of
 * 2.6 million numbers. A linear scan finds the first place over a limit, so such a file is
 * refused at once with its line.
 */

/** Where the text first goes over a limit (1-based line): nesting, or the number of values. */
export interface Excess {
  readonly too: "deep" | "many"
  readonly line: number
}

/**
 * JSON: brackets outside strings. Exact for valid JSON; for invalid JSON it may stop early or
 * late, and the parser reports the syntax error.
 */
export const scanJson = (text: string, limit: number, maxEntries = Number.POSITIVE_INFINITY): Excess | undefined => {
  let depth = 0
  let entries = 1
  let line = 1
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 10) line++
    if (inString) {
      if (c === 92)
        i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
      continue
    }
    if (c === 34) inString = true
    else if (c === 91 || c === 123) {
      if (++depth > limit) return { too: "deep", line }
    } else if (c === 93 || c === 125) depth--
    else if (c === 44 && ++entries > maxEntries) return { too: "many", line }
  }
  return undefined
}

const isSpace = (c: number) => c === 32 || c === 9
/**
 * Whether a quote or bracket at `k` starts a quoted scalar or a flow collection; elsewhere it is
 * part of a plain scalar (`O'Brien`, `Plan [EU`, `-{`). In a flow collection it may follow `[`,
 * `{`, `,` or `:` directly (`{"a":[1]}`); in a block it starts a token after `: `, `- `, `? ` or
 * the indentation.
 */
const startsToken = (text: string, k: number, previous: number | undefined, inFlow: boolean): boolean => {
  if (inFlow && (previous === 91 || previous === 123 || previous === 44 || previous === 58)) return true
  const before = k === 0 ? undefined : text.charCodeAt(k - 1)
  return (
    (before === undefined || isSpace(before)) &&
    (previous === undefined || previous === 58 || previous === 45 || previous === 63)
  )
}

/**
 * YAML: an upper estimate of nesting, block and flow together. Block nesting is the stack of
 * indentations seen so far (one per collection) plus one per compact `- ` / `? ` indicator at
 * the start of a line; flow nesting is brackets that open or close a flow collection (not inside
 * plain or quoted scalars, comments or block scalars `|`, `>`). It may count a level too many (a scalar after `- `), never too few for
 * the text YAML parses, so the limit is met by every configuration the schema accepts.
 */
export const scanYaml = (text: string, limit: number, maxEntries = Number.POSITIVE_INFINITY): Excess | undefined => {
  const lines = text.split(/\r?\n/)
  /** Lines with content plus separators in flow collections: at least one per value. */
  let entries = 0
  const indents: Array<number> = []
  let flow = 0
  let quote: 0 | 34 | 39 = 0
  /** Indentation of the line that opened a block scalar; deeper (or blank) lines are its text. */
  let blockScalarOf = -1
  for (let n = 0; n < lines.length; n++) {
    const text = lines[n] ?? ""
    let i = 0
    while (i < text.length && text.charCodeAt(i) === 32) i++
    const blank = i === text.length || text.charCodeAt(i) === 35
    if (blockScalarOf >= 0) {
      if (blank || i > blockScalarOf) continue
      blockScalarOf = -1
    }
    if (quote === 0 && flow === 0) {
      if (blank) continue
      if (text.startsWith("---", i) || text.startsWith("...", i) || text.charCodeAt(i) === 37) continue
      while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= i) indents.pop()
      indents.push(i)
      // Compact nested collections: `- - x`, `- key: v`, `? key`.
      let j = i
      while (
        j + 1 < text.length &&
        (text.charCodeAt(j) === 45 || text.charCodeAt(j) === 63) &&
        isSpace(text.charCodeAt(j + 1))
      ) {
        j += 2
        while (j < text.length && isSpace(text.charCodeAt(j))) j++
        indents.push(j)
      }
      if (indents.length > limit) return { too: "deep", line: n + 1 }
      if (++entries > maxEntries) return { too: "many", line: n + 1 }
    }
    let previous: number | undefined
    for (let k = i; k < text.length; k++) {
      const c = text.charCodeAt(k)
      if (quote !== 0) {
        if (quote === 34 && c === 92) k++
        else if (c === quote) {
          if (quote === 39 && text.charCodeAt(k + 1) === 39) k++
          else {
            quote = 0
            previous = c
          }
        }
        continue
      }
      if (isSpace(c)) continue
      if (c === 35 && (k === 0 || isSpace(text.charCodeAt(k - 1)))) break
      const opens = (c === 34 || c === 39 || c === 91 || c === 123) && startsToken(text, k, previous, flow > 0)
      if ((c === 34 || c === 39) && opens) quote = c
      else if ((c === 91 || c === 123) && opens) {
        if (indents.length + ++flow > limit) return { too: "deep", line: n + 1 }
      } else if ((c === 93 || c === 125) && flow > 0) flow--
      else if (c === 44 && flow > 0 && ++entries > maxEntries) return { too: "many", line: n + 1 }
      else if (
        (c === 124 || c === 62) &&
        flow === 0 &&
        (previous === 58 || previous === 45 || previous === undefined)
      ) {
        // `key: |`, `- >-`: the following, more indented lines are text.
        if (/^[|>][-+0-9]*\s*(#.*)?$/.test(text.slice(k))) {
          blockScalarOf = i
          break
        }
      }
      previous = c
    }
  }
  return undefined
}

/**
 * The nesting of a parsed value (objects and arrays), measured with an explicit stack: YAML
 * aliases can build depth the text does not show.
 */
export const valueTooDeep = (value: unknown, limit: number): boolean => {
  const stack: Array<{ readonly value: unknown; readonly depth: number }> = [{ value, depth: 0 }]
  /** Aliases share objects: one is measured again only when reached deeper (a cycle runs into the limit). */
  const deepest = new Map<object, number>()
  while (stack.length > 0) {
    const top = stack.pop()
    if (top === undefined || top.value === null || typeof top.value !== "object") continue
    if (top.depth + 1 > limit) return true
    if ((deepest.get(top.value) ?? -1) >= top.depth) continue
    deepest.set(top.value, top.depth)
    for (const child of Object.values(top.value)) stack.push({ value: child, depth: top.depth + 1 })
  }
  return false
}
