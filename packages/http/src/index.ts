/** @seatsync/http — one way to call a vendor API (being built; see README). */
export {}
