/**
 * Password hashing (issue 13): scrypt from `node:crypto` with N = 2^15, r = 8, p = 1, a 16-byte
 * random salt and a 64-byte key, stored as the self-describing `scrypt$N$r$p$salt$hash` (salt and
 * hash base64url, the form `Store.PasswordHash` requires), so that the parameters can be raised
 * later without breaking the hashes already stored: `verify` reads them from the hash.
 *
 * `verify` compares in constant time (`timingSafeEqual`), and `verifyNobody` does the same work
 * against a throwaway hash, so that a sign-in for an unknown e-mail address takes as long as one
 * with a wrong password and does not reveal which addresses exist.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { Store } from "@seatsync/core"
import { Effect, Redacted, Schema } from "effect"
import { BadRequest } from "../http/Problem.js"

/** The parameters new hashes are made with. */
export const parameters = { N: 2 ** 15, r: 8, p: 1, saltBytes: 16, keyBytes: 64 } as const

/** The shortest password accepted for a new or reset password. */
export const minLength = 12
/** The longest accepted (a bound on the work one request can ask for). */
export const maxLength = 1024

/**
 * A password as a body carries it: any string, `Redacted` from the edge on. Its length is checked
 * by `checkNew` / `checkGiven`, not by the schema, because a schema's 400 shows the value refused
 * and a password must never be in an answer.
 */
export const PasswordField = Schema.Redacted(Schema.String).annotations({
  identifier: "Password",
  description: `${minLength} to ${maxLength} characters for a new one; never returned`
})

const refuse = (field: string, message: string) =>
  new BadRequest({ detail: `${field}: ${message}`, errors: [{ field, value: "[redacted]", message }] })

/** 400 (without the value) unless a new password has 12 to 1024 characters. */
export const checkNew = (password: Redacted.Redacted<string>, field: string): Effect.Effect<void, BadRequest> => {
  const length = [...Redacted.value(password)].length
  if (length < minLength) return Effect.fail(refuse(field, `a password needs at least ${minLength} characters`))
  if (length > maxLength) return Effect.fail(refuse(field, `a password has at most ${maxLength} characters`))
  return Effect.void
}

/** 400 (without the value) when a password given at sign-in is longer than any accepted. */
export const checkGiven = (password: Redacted.Redacted<string>, field: string): Effect.Effect<void, BadRequest> =>
  [...Redacted.value(password)].length > maxLength
    ? Effect.fail(refuse(field, `a password has at most ${maxLength} characters`))
    : Effect.void

type Plain = string | Redacted.Redacted<string>

const plain = (password: Plain): string => (typeof password === "string" ? password : Redacted.value(password))

interface Parsed {
  readonly N: number
  readonly r: number
  readonly p: number
  readonly salt: Buffer
  readonly key: Buffer
}

// Bounds on what a stored hash may ask for: a hash from a tampered database must not make one
// sign-in allocate gigabytes.
const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0

const parse = (encoded: string): Parsed | undefined => {
  const [scheme, n, r, p, salt, key] = encoded.split("$")
  if (scheme !== "scrypt" || salt === undefined || key === undefined) return undefined
  const N = Number(n)
  const R = Number(r)
  const P = Number(p)
  if (
    !isPowerOfTwo(N) ||
    N > 2 ** 20 ||
    !Number.isInteger(R) ||
    R < 1 ||
    R > 32 ||
    !Number.isInteger(P) ||
    P < 1 ||
    P > 16
  )
    return undefined
  const saltBytes = Buffer.from(salt, "base64url")
  const keyBytes = Buffer.from(key, "base64url")
  if (saltBytes.length < 8 || keyBytes.length < 16 || keyBytes.length > 128) return undefined
  return { N, r: R, p: P, salt: saltBytes, key: keyBytes }
}

const derive = (password: string, salt: Buffer, N: number, r: number, p: number, keyBytes: number) =>
  Effect.async<Buffer>((resume) => {
    // scrypt needs 128·N·r bytes; node's default ceiling (32 MiB) is exactly N = 2^15, r = 8.
    scrypt(password.normalize("NFC"), salt, keyBytes, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      // The parameters are checked before, so scrypt failing is a bug or the machine out of memory.
      resume(error === null ? Effect.succeed(key) : Effect.die(error))
    )
  })

/** Hashes a password with a new random salt. */
export const hash = (password: Plain): Effect.Effect<Store.PasswordHash> =>
  Effect.gen(function* () {
    const { N, r, p, saltBytes, keyBytes } = parameters
    const salt = randomBytes(saltBytes)
    const key = yield* derive(plain(password), salt, N, r, p, keyBytes)
    return Store.PasswordHash.make(`scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`)
  }).pipe(Effect.withSpan("Password.hash"))

/** Whether `password` is the one `stored` was made from; compares in constant time. */
export const verify = (
  password: Plain,
  stored: Store.PasswordHash | Redacted.Redacted<Store.PasswordHash>
): Effect.Effect<boolean> =>
  Effect.gen(function* () {
    const parsed = parse(typeof stored === "string" ? stored : Redacted.value(stored))
    if (parsed === undefined) {
      // An unreadable hash matches nothing, after the same work as a readable one.
      yield* verifyNobody(password)
      return false
    }
    const key = yield* derive(plain(password), parsed.salt, parsed.N, parsed.r, parsed.p, parsed.key.length)
    return timingSafeEqual(key, parsed.key)
  }).pipe(Effect.withSpan("Password.verify"))

let dummy: Parsed | undefined

/**
 * The work of a `verify` for a caller with no password to check (an unknown e-mail address, a
 * disabled user, a user without a password): always false, after as long as a real one.
 */
export const verifyNobody = (password: Plain): Effect.Effect<false> =>
  Effect.gen(function* () {
    const { N, r, p, saltBytes, keyBytes } = parameters
    dummy ??= { N, r, p, salt: randomBytes(saltBytes), key: randomBytes(keyBytes) }
    const key = yield* derive(plain(password), dummy.salt, N, r, p, keyBytes)
    timingSafeEqual(key, dummy.key)
    return false as const
  })
