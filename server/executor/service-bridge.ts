/**
 * The synchronous bridge between a script worker and the main thread, for the script services
 * (`kv::`, `secret::`, `http::`, `queue::`). A script runs synchronously in its worker, but the
 * services are asynchronous and live on the main thread (the manager), so a call goes like this:
 *
 * 1. the worker posts `{id, run, call}` on its dedicated service port and blocks in `Atomics.wait` on
 *    a shared flag, at most until the run's deadline;
 * 2. the main thread's `BridgeHost` finds the app of task `run` (never from the call), asks
 *    `ScriptServices.call(appId, call, deadline)`, posts `{id, outcome}` back, sets the flag and
 *    `Atomics.notify`s;
 * 3. the worker wakes and takes the answer with `receiveMessageOnPort` (its event loop is not running).
 *
 * Answers are matched by id: an answer that arrives after its call was given up (deadline passed,
 * worker replaced) is dropped on the main thread when its run is over, and skipped by the worker
 * otherwise. Blocked time counts against the run's deadline; the pool's hard deadline still
 * terminates a worker stuck anywhere, `Atomics.wait` included.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type {
  ScriptServices,
  ServiceCall,
  ServiceName,
  ServiceOutcome,
  SyncServiceClient,
} from '../contracts/script-services.js';
import type { ScriptWorkerData, ServiceAnswer, ServiceRequest } from './worker-protocol.js';

/** Index of the "an answer was posted" flag in the shared Int32Array. */
const FLAG = 0;

const SERVICES: ReadonlySet<ServiceName> = new Set<ServiceName>(['kv', 'secret', 'http', 'queue']);

/** The outcome of every call when the executor was built without services (e.g. the compile check). */
export const SERVICE_UNAVAILABLE: ServiceOutcome = Object.freeze({
  ok: false,
  reason: 'SERVICE_UNAVAILABLE',
  message: 'Script services are not available here',
});

/** The outcome of a call still pending at the run's deadline. */
export const SERVICE_TIMEOUT: ServiceOutcome = Object.freeze({
  ok: false,
  reason: 'TIMEOUT',
  message: 'The script ran out of time waiting for the service',
});

/** The outcome when the service threw, or answered something that is not an outcome. */
export const SERVICE_INTERNAL: ServiceOutcome = Object.freeze({
  ok: false,
  reason: 'INTERNAL',
  message: 'The service failed unexpectedly',
});

/** The worker's ends of a bridge: what it receives in `workerData`. */
export type BridgeWorkerData = Pick<ScriptWorkerData, 'serviceFlag' | 'servicePort'>;

/** The run a call belongs to, as the pool knows it. */
export interface BridgeRun {
  /** The job's `request.app.id`: the only app the call may act for. */
  appId: string;
  /** Epoch milliseconds. */
  deadline: number;
}

/**
 * The main thread's end of one worker's bridge. Create it before the worker and pass `workerData`
 * and `transferList` to the `Worker` constructor.
 *
 * @example
 * const bridge = new BridgeHost(services, (run) => (run === slot.taskId ? slot.run : null));
 * const worker = new Worker(file, { workerData: bridge.workerData, transferList: bridge.transferList });
 */
export class BridgeHost {
  /** What the worker receives as `workerData`. */
  readonly workerData: BridgeWorkerData;
  /** The port to transfer with `workerData`. */
  readonly transferList: MessagePort[];
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private closed = false;

  /**
   * @param services performs the calls; without it every call answers `SERVICE_UNAVAILABLE`.
   * @param currentRun the app and deadline of task `run` while it is this worker's current task,
   *   else null (the call or its answer is then dropped: nobody waits for it).
   */
  constructor(
    private readonly services: ScriptServices | undefined,
    private readonly currentRun: (run: number) => BridgeRun | null,
  ) {
    const flag = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.flag = new Int32Array(flag);
    this.workerData = { serviceFlag: flag, servicePort: port2 };
    this.transferList = [port2];
    port1.on('message', (request: ServiceRequest) => void this.serve(request));
    // A worker's bridge must not keep the process alive (the worker itself is ref'd while it runs).
    port1.unref();
  }

  /** Stops answering (the worker was terminated or replaced). */
  close(): void {
    this.closed = true;
    this.port.close();
  }

  private async serve(request: ServiceRequest): Promise<void> {
    const run = this.currentRun(request.run);
    if (run === null || this.closed) return;
    const outcome = await performServiceCall(this.services, run, request.call);
    // The run is over (the worker gave up at its deadline, or was replaced): nobody waits any more.
    if (this.closed || this.currentRun(request.run) === null) return;
    this.answer({ id: request.id, run: request.run, outcome });
  }

  private answer(answer: ServiceAnswer): void {
    try {
      this.port.postMessage(answer);
    } catch {
      // A value that cannot cross threads (a function, a class instance with private state…).
      this.port.postMessage({ ...answer, outcome: SERVICE_INTERNAL } satisfies ServiceAnswer);
    }
    // Posted before the flag is set: a worker that sees the flag finds the answer.
    Atomics.store(this.flag, FLAG, 1);
    Atomics.notify(this.flag, FLAG);
  }
}

/**
 * Performs one call of `run` with `services` (the blocking bridge and the pool's answers to suspended
 * runs share it): settles by the run's deadline with `TIMEOUT`, never rejects, and answers
 * `INTERNAL` for a malformed call, a throwing service or an answer that is not an outcome.
 */
export function performServiceCall(
  services: ScriptServices | undefined,
  run: BridgeRun,
  call: ServiceCall,
): Promise<ServiceOutcome> {
  if (services === undefined) return Promise.resolve(SERVICE_UNAVAILABLE);
  if (!isCall(call)) return Promise.resolve(SERVICE_INTERNAL);
  const left = run.deadline - Date.now();
  if (left <= 0) return Promise.resolve(SERVICE_TIMEOUT);
  return new Promise((resolve) => {
    // Bounds the wait by the run's deadline; cleared as soon as the service answers.
    const timer = setTimeout(() => resolve(SERVICE_TIMEOUT), left);
    const settle = (outcome: ServiceOutcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    // A synchronous throw from `call` is a failure like a rejection.
    Promise.resolve()
      .then(() => services.call(run.appId, call, run.deadline))
      .then(
        (outcome) => settle(isOutcome(outcome) ? outcome : SERVICE_INTERNAL),
        () => settle(SERVICE_INTERNAL),
      );
  });
}

function isCall(call: unknown): call is ServiceCall {
  if (typeof call !== 'object' || call === null) return false;
  const c = call as ServiceCall;
  return SERVICES.has(c.service) && typeof c.op === 'string' && Array.isArray(c.args);
}

function isOutcome(outcome: unknown): outcome is ServiceOutcome {
  if (typeof outcome !== 'object' || outcome === null) return false;
  const o = outcome as { ok?: unknown; reason?: unknown; message?: unknown };
  if (o.ok === true) return true;
  return o.ok === false && typeof o.reason === 'string' && typeof o.message === 'string';
}

/**
 * The worker's end: a blocking `SyncServiceClient` for the run in progress. The worker calls
 * `beginRun` before each job and `endRun` after it; a call outside a run answers
 * `SERVICE_UNAVAILABLE`.
 */
export class BridgeClient implements SyncServiceClient {
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private nextId = 0;
  private run = 0;
  private deadline = 0;

  constructor(data: BridgeWorkerData) {
    this.port = data.servicePort;
    this.flag = new Int32Array(data.serviceFlag);
  }

  /** A client whose calls act for run `run` (the pool's task id) and wait at most until `deadline`. */
  forRun(run: number, deadline: number): SyncServiceClient {
    return {
      call: (call) => {
        this.beginRun(run, deadline);
        try {
          return this.call(call);
        } finally {
          this.endRun();
        }
      },
    };
  }

  /** The run `run` (the pool's task id) starts; its calls wait at most until `deadline` (epoch ms). */
  beginRun(run: number, deadline: number): void {
    this.run = run;
    this.deadline = deadline;
  }

  /** The run is over. */
  endRun(): void {
    this.run = 0;
  }

  call(call: ServiceCall): ServiceOutcome {
    if (this.run === 0) return SERVICE_UNAVAILABLE;
    if (Date.now() >= this.deadline) return SERVICE_TIMEOUT;
    this.nextId += 1;
    const id = this.nextId;
    try {
      this.port.postMessage({ id, run: this.run, call } satisfies ServiceRequest);
    } catch {
      return SERVICE_INTERNAL;
    }
    for (;;) {
      // Clear the flag before looking: an answer posted after the look sets it again, so the wait
      // below returns at once instead of sleeping through it.
      Atomics.store(this.flag, FLAG, 0);
      for (
        let received = receiveMessageOnPort(this.port);
        received;
        received = receiveMessageOnPort(this.port)
      ) {
        const answer = received.message as ServiceAnswer;
        // Anything else is the late answer of a call given up earlier.
        if (answer.id === id) return answer.outcome;
      }
      const left = this.deadline - Date.now();
      if (left <= 0) return SERVICE_TIMEOUT;
      Atomics.wait(this.flag, FLAG, 0, left);
    }
  }
}
