/**
 * The ConnectWise REST API version SeatSync speaks, in one place (API-REFERENCE.md §1.1).
 *
 * Every request pins the model version with `Accept: application/vnd.connectwise.com+json;
 * version=…`, and every path is under `/{codebase}apis/3.0`. The paths, methods and field names
 * the adapter uses were checked request by request against ConnectWise's OpenAPI document
 * `cw-api.json` version {@link checkedAgainstSpec}; the pinned model version is the oldest that
 * has every field the adapter reads (deprecated versions are served for 12 months, so a newer
 * pin is a deliberate change, re-checked against the spec).
 */

/** The model version pinned by default with the `Accept` header. */
export const apiVersion = "2025.1"

/** The OpenAPI document version (`cw-api.json`) the adapter's requests were checked against. */
export const checkedAgainstSpec = "2025.8"

/** The REST API's path under the codebase. */
export const apiPath = "apis/3.0"

/** The `Accept` header that pins a model version. */
export const acceptFor = (version: string): string => `application/vnd.connectwise.com+json; version=${version}`
