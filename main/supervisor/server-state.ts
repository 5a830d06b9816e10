/**
 * The supervised server's states, one tagged union: the tray, the window and the notifications are
 * each a function of it.
 */

/** Why the server is not running, as far as the supervisor can tell. */
export type FailureKind =
  /** Another program listens on the configured port (recurs on every start). */
  | 'port-in-use'
  /** The data folder cannot be created or written (recurs on every start). */
  | 'data-dir'
  /** Another PiCloud holds the data folder (recurs until that one stops). */
  | 'already-running'
  /** An invalid setting or config file (recurs on every start). */
  | 'config'
  /** It exited before it was ready, for a reason without a code; retried a few times. */
  | 'start-failed'
  /** It printed no ready banner in time and was stopped. */
  | 'start-timeout'
  /** It kept crashing after it was ready. */
  | 'crashed'
  /** The server program could not be launched at all (missing executable...). */
  | 'spawn-failed';

/** The supervised server's state. */
export type ServerState =
  | { readonly kind: 'stopped' }
  | {
      readonly kind: 'starting';
      /** The child's pid, once spawned. */
      readonly pid: number | null;
    }
  | {
      readonly kind: 'running';
      readonly pid: number;
      /** The panel on this machine, e.g. `http://localhost:8081/` (its own port: PICLOUD_PANEL_PORT). */
      readonly url: string;
      /** The apps' endpoints on this machine, e.g. `http://localhost:8080/`; null when not known. */
      readonly endpointsUrl: string | null;
      /** Where devices on the LAN reach the apps' endpoints (empty when bound to loopback only). */
      readonly lanUrls: readonly string[];
      /**
       * The appliance CA's SHA-256 fingerprint (`AB:CD:…`), for the owner to compare with what a device
       * shows before trusting the CA; null when not known (a server that does not publish it).
       */
      readonly caFingerprint?: string | null;
      /** Epoch milliseconds of readiness. */
      readonly since: number;
    }
  | { readonly kind: 'stopping'; readonly pid: number }
  | {
      readonly kind: 'restarting';
      /** What ended the last run. */
      readonly reason: string;
      /** The back-off delay before the next spawn. */
      readonly delayMs: number;
      /** Consecutive failed runs so far (crashes, or failed starts). */
      readonly failures: number;
      /** Epoch milliseconds of the next spawn. */
      readonly at: number;
    }
  | {
      readonly kind: 'error';
      readonly failure: FailureKind;
      /** One human line: what is wrong and, when known, what to do. */
      readonly message: string;
      /** The catalogue code the server printed, if any (`PICLOUD_ERR_STARTUP_...`). */
      readonly code: string | null;
    };

/** What the user can ask of the server. */
export type ServerAction = 'start' | 'stop' | 'restart';

/** The actions, for validating what crosses IPC. */
export const SERVER_ACTIONS: readonly ServerAction[] = ['start', 'stop', 'restart'];

/** The endpoints' URL to hand to other devices: the first LAN address, else this machine's. */
export function endpointUrl(state: ServerState): string | null {
  if (state.kind !== 'running') return null;
  return state.lanUrls[0] ?? state.endpointsUrl;
}

/** An action received over IPC, or null when it is not one. */
export function parseServerAction(value: unknown): ServerAction | null {
  return SERVER_ACTIONS.find((action) => action === value) ?? null;
}
