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
import { failoverFetch } from "./mirror_fetch.ts";
import { TrustStore } from "../../trust/trust_state.ts";

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
  /**
   * Mirrors by primary registry URL (`[registry] mirrors`, `MOCHI_MIRRORS`): an http(s)
   * registry listed here is read through {@link failoverFetch}, and must have a snapshot key.
   */
  mirrors?: ReadonlyMap<string, readonly string[]>;
  /** Told when a request goes to a mirror. */
  onFailover?: (notice: { url: string; mirror: string; reason: string }) => void;
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
        const mirrors = /^https?:\/\//.test(url) ? options.mirrors?.get(url) ?? [] : [];
        const fetchFn = mirrors.length === 0 ? options.fetch : failoverFetch(url, mirrors, {
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(options.onFailover ? { onFailover: options.onFailover } : {}),
          // The key comes from the primary's config.json on first use, never from a mirror.
          primaryOnly: async (rel) =>
            rel === "config.json" &&
            await new TrustStore(`${options.mochiHome}/state`, url).read() === undefined,
        });
        c = openRegistry(url, {
          cacheDir: `${options.mochiHome}/index`,
          trust: {
            stateDir: `${options.mochiHome}/state`,
            ...(options.nowMs ? { nowMs: options.nowMs } : {}),
            ...(mirrors.length > 0 ? { requireKey: true } : {}),
          },
          offline: options.offline ?? false,
          ...(fetchFn ? { fetch: fetchFn } : {}),
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
