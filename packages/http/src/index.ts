/**
 * @seatsync/http — one way to call a vendor API: the retry schedule (Retry-After, jittered
 * back-off for idempotent calls only), adaptive pools of requests in flight per vendor host,
 * per-call timeout and run deadline, trace headers off, secrets redacted from error text, Schema
 * decoding, one structured error, and the undici transport a host supplies.
 */
export * as Decode from "./Decode.js"
export * as EnvOptions from "./EnvOptions.js"
export * as Exchange from "./Exchange.js"
export * as Pause from "./Pause.js"
export * as Pool from "./Pool.js"
export * as PoolPolicy from "./PoolPolicy.js"
export * as Redact from "./Redact.js"
export * as Retry from "./Retry.js"
export * as Transport from "./Transport.js"
export { outcomeUnknown, VendorCallError, type VendorCallReason } from "./VendorCallError.js"
export * as VendorClient from "./VendorClient.js"
