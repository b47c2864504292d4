/**
 * @seatsync/psa-connectwise — SeatSync's `Psa` port on ConnectWise PSA (Manage) REST 3.0, with
 * contact sync and bulk cancel. The simulator is `@seatsync/psa-connectwise/simulator`.
 */

/** Bulk cancel of another tool's additions, for migrations (dry run first). */
export * as BulkCancel from "./BulkCancel.js"
/** Building `conditions` strings with every value escaped. */
export * as Conditions from "./Conditions.js"
/** The REST client: discovery, auth, paging, retries, error mapping. */
export * as ConnectWiseClient from "./ConnectWiseClient.js"
/** The adapter's options as a Schema (the decoded Type is what `ConnectWisePsa.layer` takes). */
export { ConnectWiseOptions } from "./ConnectWiseOptions.js"
/** The `Psa` implementation and its layer. */
export * as ConnectWisePsa from "./ConnectWisePsa.js"
/** Microsoft users → ConnectWise contacts. */
export * as Contacts from "./Contacts.js"
/** The wire objects, as Schema. */
export * as Schemas from "./Schemas.js"
