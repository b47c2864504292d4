/** @seatsync/psa-connectwise — see README: this package is being built. */
export {}
