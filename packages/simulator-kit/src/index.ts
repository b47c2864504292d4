/** @seatsync/simulator-kit — one server base for vendor simulators (being built; see README). */
export {}
