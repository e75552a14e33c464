/**
 * The one way to open registry clients: every command that reads a registry (install, lock,
 * add, update, audit capabilities, publish, yank) gets its clients here, so each one has the same
 * trust (signed-snapshot checks with the pinned key under `$MOCHI_HOME/state`), the same cache
 * (`$MOCHI_HOME/index`) and the same limits (decoded-size caps, idle timeout, deadline, retries).
 *
 * @module
 */
import {
  type NetworkLimits,
  openRegistry,
  type RegistryClient,
  type RetryNotice,
} from "./index_client.ts";

/** Options of {@link openRegistryClients}. */
export interface RegistryClientsOptions {
  /** `$MOCHI_HOME`: the index cache is `<mochiHome>/index`, trust state `<mochiHome>/state`. */
  mochiHome: string;
  /** Never touch the network (`--offline`, `--frozen`); default false. */
  offline?: boolean;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
  /** Cap on one index-like body in decoded bytes; the client's default (64 MiB) when absent. */
  maxIndexBytes?: number;
  /** Backoff base of retries, ms; the client's default when absent. */
  baseDelayMs?: number;
  /** Download idle timeout and deadline (`networkLimitsFromEnv`). */
  network?: NetworkLimits;
  /** The current time for snapshot expiry, epoch ms (tests); `Date.now` by default. */
  nowMs?: () => number;
  /** Told before each retry's wait (the CLI announces it). */
  onRetry?: (notice: RetryNotice) => void;
}

/** Registry clients opened on first use, one per URL. */
export interface RegistryClients {
  /**
   * The client of a registry URL, opened on first use and reused after.
   *
   * @param url `http(s)://…`, `file://…` or a directory path
   * @returns the client; it checks the registry's signed snapshot when it has one
   * @throws {MochiError} `INDEX_E009` for an unsupported URL scheme
   */
  client(url: string): RegistryClient;
}

/**
 * Opens the registry clients of one run (nothing is fetched until a client is asked).
 *
 * @param options home, offline mode, limits
 * @returns the clients, memoised per URL
 *
 * @example
 * ```ts
 * import { openRegistryClients } from "@mochi/pkg/registry";
 * const dir = await Deno.makeTempDir();
 * const clients = openRegistryClients({ mochiHome: dir, offline: true });
 * const a = clients.client(`${dir}/registry`);
 * if (a !== clients.client(`${dir}/registry`)) throw new Error("one client per URL");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openRegistryClients(options: RegistryClientsOptions): RegistryClients {
  const clients = new Map<string, RegistryClient>();
  return {
    client(url: string): RegistryClient {
      let c = clients.get(url);
      if (c === undefined) {
        c = openRegistry(url, {
          cacheDir: `${options.mochiHome}/index`,
          trust: {
            stateDir: `${options.mochiHome}/state`,
            ...(options.nowMs ? { nowMs: options.nowMs } : {}),
          },
          offline: options.offline ?? false,
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(options.maxIndexBytes !== undefined ? { maxIndexBytes: options.maxIndexBytes } : {}),
          ...(options.baseDelayMs !== undefined ? { baseDelayMs: options.baseDelayMs } : {}),
          ...options.network,
          ...(options.onRetry ? { onRetry: options.onRetry } : {}),
        });
        clients.set(url, c);
      }
      return c;
    },
  };
}
