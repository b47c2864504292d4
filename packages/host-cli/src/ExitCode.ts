/** Exit codes scripts can rely on (a module of its own: the command line needs them before a command loads). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** Some companies failed, were held by the safety guard, or were skipped. */
  partial: 3,
  /** Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it). */
  interrupted: 130
} as const
