/**
 * The registry's root `config.json`, shaped like cargo's sparse-index config
 * (the cargo book, "Registry Index", "Index configuration").
 *
 * @module
 */
import { MochiError } from "../errors.ts";

/** A registry's `config.json`: `{"dl": …, "api": …, "auth-required": …}`. */
export interface RegistryConfig {
  /**
   * Base URL of the blobs (`dl`), absolute or relative to the index root (e.g. `"blobs/"`).
   * A blob lives at `<dl>/<blake3-hex>`, its bundle at `<dl>/<blake3-hex>.sigstore`.
   */
  readonly dl: string;
  /** Base URL of the web API (`api`), or null when the registry has none. */
  readonly api: string | null;
  /** Whether every request must carry a token (`auth-required`, default false). */
  readonly authRequired: boolean;
  /**
   * The registry's snapshot signing key (`snapshot-key`), `"ed25519:<base64 of the 32-byte raw
   * public key>"`; absent when the registry publishes no signed `snapshot.json`. Clients pin it
   * on first use (`src/index/snapshot.ts`).
   */
  readonly snapshotKey?: string;
}

/**
 * Parses a registry `config.json`. Unknown keys are ignored.
 *
 * @param text the file body
 * @param source optional URL or path of the file, for error messages
 * @returns the config; `api` defaults to null and `authRequired` to false
 * @throws {MochiError} `INDEX_E003` when the text is not a JSON object, `dl` is missing or not a
 *   non-empty string, `api` is neither a string nor null, `auth-required` is not a boolean, or
 *   `snapshot-key` is not `"ed25519:<base64 of 32 bytes>"`
 *
 * @example
 * ```ts
 * import { parseRegistryConfig } from "@mochi/pkg/registry";
 * import assert from "node:assert/strict";
 *
 * const c = parseRegistryConfig('{"dl":"blobs/","api":null}');
 * assert.equal(c.dl, "blobs/");
 * assert.equal(c.authRequired, false);
 * ```
 */
export function parseRegistryConfig(text: string, source?: string): RegistryConfig {
  const where = source === undefined ? "registry config.json" : `registry config ${source}`;
  const fail = (what: string): never => {
    throw new MochiError("INDEX_E003", `${where}: ${what}`, {
      hint: 'config.json must look like {"dl": "blobs/", "api": null, "auth-required": false}',
      file: source,
    });
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    fail(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail("expected a JSON object");
  }
  const o = value as Record<string, unknown>;
  if (typeof o.dl !== "string" || o.dl.length === 0) fail('"dl" must be a non-empty string');
  if (o.api !== undefined && o.api !== null && typeof o.api !== "string") {
    fail('"api" must be a string or null');
  }
  const auth = o["auth-required"];
  if (auth !== undefined && typeof auth !== "boolean") {
    fail('"auth-required" must be true or false');
  }
  const key = o["snapshot-key"];
  if (key !== undefined && (typeof key !== "string" || !/^ed25519:[A-Za-z0-9+/]{43}=$/.test(key))) {
    fail('"snapshot-key" must be "ed25519:<base64 of 32 bytes>"');
  }
  const config: { -readonly [K in keyof RegistryConfig]: RegistryConfig[K] } = {
    dl: o.dl as string,
    api: (o.api as string | null | undefined) ?? null,
    authRequired: (auth as boolean | undefined) ?? false,
  };
  if (key !== undefined) config.snapshotKey = key as string;
  return config;
}

/**
 * Formats a registry config as the canonical `config.json` body (keys `dl`, `api`,
 * `auth-required`, then `snapshot-key` when set; one final LF).
 *
 * @param config the config
 * @returns the JSON text, which {@link parseRegistryConfig} reads back to an equal config
 */
export function formatRegistryConfig(config: RegistryConfig): string {
  const o: Record<string, unknown> = {
    dl: config.dl,
    api: config.api,
    "auth-required": config.authRequired,
  };
  if (config.snapshotKey !== undefined) o["snapshot-key"] = config.snapshotKey;
  return JSON.stringify(o) + "\n";
}
