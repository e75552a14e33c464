/**
 * Per-package isolation: run one package's module in a Web Worker whose Deno permissions are
 * exactly that package's own capabilities (plus read access to its own code, which a worker
 * needs to import it), so one package cannot use what another was granted.
 *
 * Deno's `new Worker(url, { deno: { permissions } })` is still behind
 * `--unstable-worker-options` in Deno 2.9, and a worker can never hold more than its parent:
 * the parent process must run with the union of the packages' grants (`mochi run --isolate`
 * does both). Calls cross the worker boundary by structured clone: arguments and results must
 * be cloneable; a thrown error comes back with its class name (`NotCapable`) and message.
 *
 * @module
 */
import { lowerToDeno, workerPermissions } from "../lowering/mod.ts";

/** Options of {@link PackageWorker.start}. */
export interface PackageWorkerOptions {
  /** The package name (used in error messages and the worker's name). */
  name: string;
  /** URL of the package's entry module (`file:` URL). */
  moduleUrl: string | URL;
  /** The package's capabilities (from the lock). */
  capabilities: readonly string[];
  /** Directories the worker may read to import the package's code (default: the module's directory). */
  codeDirs?: readonly string[];
}

/** An error thrown inside a package worker, rebuilt in the caller. */
export class PackageWorkerError extends Error {
  /** Class name of the original error, e.g. `"NotCapable"`. */
  readonly errorName: string;

  /**
   * Creates the error.
   *
   * @param pkg package name
   * @param errorName class name of the error thrown in the worker
   * @param message its message
   */
  constructor(pkg: string, errorName: string, message: string) {
    super(`${pkg}: ${errorName}: ${message}`);
    this.name = "PackageWorkerError";
    this.errorName = errorName;
  }
}

// The worker's main module, as a blob: it imports the package and answers calls.
const HOST_SOURCE = `
let mod;
self.onmessage = async (event) => {
  const { id, moduleUrl, fn, args } = event.data;
  try {
    mod ??= await import(moduleUrl);
    if (typeof mod[fn] !== "function") throw new TypeError(moduleUrl + " exports no function " + fn);
    const value = await mod[fn](...args);
    self.postMessage({ id, ok: true, value });
  } catch (e) {
    self.postMessage({
      id,
      ok: false,
      name: e && e.constructor ? e.constructor.name : "Error",
      message: e instanceof Error ? e.message : String(e),
    });
  }
};
`;
let hostUrl: string | undefined;

/** A package running in its own Worker with its own permission set. */
export class PackageWorker {
  readonly #worker: Worker;
  readonly #name: string;
  readonly #moduleUrl: string;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  #nextId = 0;

  private constructor(worker: Worker, name: string, moduleUrl: string) {
    this.#worker = worker;
    this.#name = name;
    this.#moduleUrl = moduleUrl;
    worker.onmessage = (e: MessageEvent) => {
      const { id, ok, value, name: errorName, message } = e.data;
      const p = this.#pending.get(id);
      if (p === undefined) return;
      this.#pending.delete(id);
      if (ok) p.resolve(value);
      else p.reject(new PackageWorkerError(this.#name, errorName, message));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      const err = new PackageWorkerError(this.#name, "WorkerError", e.message);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
  }

  /**
   * Starts a worker for one package. The worker's permissions are the Deno lowering of
   * `capabilities` (nothing inherited; `sys` and `import` denied) plus read access to
   * `codeDirs`.
   *
   * @param options package name, module URL, capabilities, code directories
   * @returns the running worker
   * @throws {MochiError} CAP_E003/CAP_E005 from the lowering; a `NotCapable` error from Deno
   *   when the parent process does not hold the permissions asked for
   */
  static start(options: PackageWorkerOptions): PackageWorker {
    const moduleUrl = new URL(options.moduleUrl).href;
    const codeDirs = options.codeDirs ??
      [decodeURIComponent(new URL(".", moduleUrl).pathname).replace(/\/$/, "")];
    const permissions = workerPermissions(
      lowerToDeno(options.capabilities).permissions,
      codeDirs,
    );
    hostUrl ??= URL.createObjectURL(new Blob([HOST_SOURCE], { type: "text/javascript" }));
    const worker = new Worker(hostUrl, {
      type: "module",
      name: options.name,
      // deno-lint-ignore no-explicit-any
      deno: { permissions } as any,
    });
    return new PackageWorker(worker, options.name, moduleUrl);
  }

  /**
   * Calls an exported function of the package inside its worker.
   *
   * @param fn the export's name
   * @param args structured-cloneable arguments
   * @returns the function's (awaited) result
   * @throws {PackageWorkerError} whatever the function threw, with its class name
   */
  call(fn: string, ...args: unknown[]): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, moduleUrl: this.#moduleUrl, fn, args });
    });
  }

  /** Stops the worker; pending calls never settle. */
  terminate(): void {
    this.#worker.terminate();
    this.#pending.clear();
  }
}
