/** @seatsync/partner-center — see README: this package is being built. */
export {}
