/** @seatsync/psa-autotask — see README: this package is being built. */
export {}
