/** @seatsync/host-fastify — the self-hosted service (not built yet; see README). */
export {}
