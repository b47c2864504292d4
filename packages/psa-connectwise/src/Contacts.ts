/**
 * Contact sync (optional per company): Microsoft users become ConnectWise contacts of the
 * company (API-REFERENCE.md §1.7 `/company/contacts`), matched by e-mail address, created when
 * missing, never changed or deleted.
 */
import { type Ids, Psa, type Snapshot } from "@seatsync/core"
import { Effect } from "effect"
import * as Conditions from "./Conditions.js"
import { ConnectWiseClient, type ConnectWiseClientShape, outcomeUnknown } from "./ConnectWiseClient.js"
import { numericId } from "./internal/Wire.js"
import * as Schemas from "./Schemas.js"

/** Someone who should be a contact. */
export interface Person {
  readonly email: string
  readonly firstName?: string | undefined
  readonly lastName?: string | undefined
  /** Used for the names when they are not given ("Adele Vance"). */
  readonly displayName?: string | undefined
}

export interface ContactSyncOptions {
  /** Report what would be created, create nothing. Default false. */
  readonly dryRun?: boolean | undefined
  /** The communication type of e-mail addresses (`{"id":1,"name":"Email"}` in a default setup, §1.7). Default 1. */
  readonly emailTypeId?: number | undefined
  /** Contact types given to new contacts (`typeIds`, §1.7). */
  readonly typeIds?: ReadonlyArray<number> | undefined
}

export interface ContactSyncResult {
  readonly companyId: Ids.CompanyId
  readonly dryRun: boolean
  /** People who already are contacts (inactive contacts included: they are not re-created). */
  readonly matched: ReadonlyArray<{ readonly email: string; readonly contactId: number }>
  /** Contacts created (no id in a dry run). */
  readonly created: ReadonlyArray<{ readonly email: string; readonly contactId: number | undefined }>
  /** People left out, with the reason (not an e-mail address, the PSA refused the contact…). */
  readonly failed: ReadonlyArray<{ readonly email: string; readonly error: string }>
}

/**
 * The people among Microsoft users: enabled members, by user principal name. Guests and disabled
 * accounts are not contacts of the customer.
 */
export const peopleFromUsers = (users: ReadonlyArray<Snapshot.User>): ReadonlyArray<Person> =>
  users
    .filter((u) => u.accountEnabled && u.userType === "Member" && !u.userPrincipalName.includes("#EXT#"))
    .map((u) => ({ email: u.userPrincipalName, displayName: u.displayName }))

const capitalise = (word: string) => (word === "" ? word : `${word.charAt(0).toUpperCase()}${word.slice(1)}`)

/** First and last name (ConnectWise keeps at most 30 characters of each, §1.7). */
export const namesOf = (person: Person): { readonly firstName: string; readonly lastName?: string } => {
  const clip = (s: string) => s.trim().slice(0, 30)
  if (person.firstName !== undefined && person.firstName.trim() !== "") {
    const last = person.lastName?.trim()
    return { firstName: clip(person.firstName), ...(last ? { lastName: clip(last) } : {}) }
  }
  const fromDisplay =
    person.displayName
      ?.trim()
      .split(/\s+/)
      .filter((s) => s !== "") ?? []
  const words =
    fromDisplay.length > 0
      ? fromDisplay
      : (person.email.split("@")[0] ?? person.email)
          .split(/[._-]+/)
          .filter((s) => s !== "")
          .map(capitalise)
  const [first, ...rest] = words
  const last = rest.join(" ")
  return { firstName: clip(first ?? person.email), ...(last !== "" ? { lastName: clip(last) } : {}) }
}

const normaliseEmail = (email: string) => email.trim().toLowerCase()

/** E-mail addresses of a contact (communication items of type Email, §1.7). */
const emailsOf = (contact: Schemas.Contact): ReadonlyArray<string> =>
  (contact.communicationItems ?? [])
    .filter((item) => item.communicationType === undefined || item.communicationType === "Email")
    .map((item) => item.value)
    .filter((value): value is string => value?.includes("@") === true)
    .map(normaliseEmail)

const contactsOf = (client: ConnectWiseClientShape, companyId: number) =>
  client.list("/company/contacts", Schemas.Contact, {
    conditions: Conditions.render(Conditions.eq("company/id", companyId)),
    fields: "id,firstName,lastName,inactiveFlag,communicationItems"
  })

/** Makes every person a contact of the company; one read, one create per missing person. */
export const syncContacts = (
  companyId: Ids.CompanyId,
  people: ReadonlyArray<Person>,
  options: ContactSyncOptions = {}
): Effect.Effect<ContactSyncResult, Psa.PsaError, ConnectWiseClient> =>
  Effect.gen(function* () {
    const client = yield* ConnectWiseClient
    const dryRun = options.dryRun ?? false
    const id = numericId(companyId)
    if (id === undefined) {
      return yield* Effect.fail(
        new Psa.PsaError({ reason: "NotFound", message: `company ${companyId} not found`, retryable: false })
      )
    }
    const existing = yield* contactsOf(client, id)
    const byEmail = new Map<string, number>()
    for (const contact of existing) for (const email of emailsOf(contact)) byEmail.set(email, contact.id)

    const matched: Array<{ email: string; contactId: number }> = []
    const created: Array<{ email: string; contactId: number | undefined }> = []
    const failed: Array<{ email: string; error: string }> = []
    const seen = new Set<string>()
    for (const person of people) {
      const email = normaliseEmail(person.email)
      if (seen.has(email)) continue
      seen.add(email)
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
        failed.push({ email: person.email, error: "not an e-mail address" })
        continue
      }
      const known = byEmail.get(email)
      if (known !== undefined) {
        matched.push({ email, contactId: known })
        continue
      }
      if (dryRun) {
        created.push({ email, contactId: undefined })
        continue
      }
      const body = {
        ...namesOf(person),
        company: { id },
        communicationItems: [
          {
            type: { id: options.emailTypeId ?? 1 },
            value: person.email.trim(),
            defaultFlag: true,
            communicationType: "Email"
          }
        ],
        ...(options.typeIds !== undefined && options.typeIds.length > 0 ? { typeIds: [...options.typeIds] } : {})
      }
      const result = yield* Effect.either(
        client.post("/company/contacts", body, Schemas.Contact).pipe(
          // The contact may exist after a failure whose outcome is unknown: look before reporting it.
          Effect.catchIf(outcomeUnknown, (error) =>
            Effect.flatMap(contactsOf(client, id), (again) => {
              const found = again.find((c) => emailsOf(c).includes(email))
              return found === undefined ? Effect.fail(error) : Effect.succeed(found)
            })
          )
        )
      )
      if (result._tag === "Left") failed.push({ email, error: result.left.message })
      else {
        created.push({ email, contactId: result.right.id })
        byEmail.set(email, result.right.id)
      }
    }
    return { companyId, dryRun, matched, created, failed } satisfies ContactSyncResult
  }).pipe(Effect.withSpan("Contacts.syncContacts"))
