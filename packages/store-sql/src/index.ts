/** @seatsync/store-sql — see README: this package is being built. */
export {}
