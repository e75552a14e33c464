/**
 * The `$MOCHI_HOME` layout, in one place (README.md §Reliability; cargo's `$CARGO_HOME` and uv's
 * cache dir are laid out the same way: one root, one sub-directory per concern):
 *
 * ```
 * $MOCHI_HOME/store/   the content-addressed store (src/store/fs/fs_store.ts)
 * $MOCHI_HOME/index/   the index cache, HTTP files with their ETags (index_client.ts)
 * $MOCHI_HOME/state/   per-registry trust state: pinned key, highest snapshot (trust_state.ts)
 * ```
 *
 * Every module asks {@link mochiHomeLayout} for these paths instead of joining names itself.
 *
 * @module
 */
import { join } from "node:path";
import { MochiError } from "../../errors.ts";

/** The directories inside one `$MOCHI_HOME` (none is created by asking). */
export interface MochiHomeLayout {
  /** `$MOCHI_HOME` itself. */
  readonly home: string;
  /** The content-addressed store: `$MOCHI_HOME/store`. */
  readonly store: string;
  /** The index cache: `$MOCHI_HOME/index`. */
  readonly index: string;
  /** Per-registry trust state: `$MOCHI_HOME/state`. */
  readonly state: string;
  /**
   * Where `mochi fetch` kept its SHA-256 → BLAKE3 map before the store held crate aliases:
   * `$MOCHI_HOME/crates`. Nothing reads it any more; `mochi cache prune` removes it.
   */
  readonly legacyCrates: string;
}

/**
 * The layout of a mochi home.
 *
 * @param mochiHome from {@link resolveMochiHome}
 * @returns the paths of its parts
 * @example
 * ```ts
 * import { mochiHomeLayout } from "@mochi/pkg/store";
 * import assert from "node:assert/strict";
 * assert.equal(mochiHomeLayout("/h").store, "/h/store");
 * ```
 */
export function mochiHomeLayout(mochiHome: string): MochiHomeLayout {
  return {
    home: mochiHome,
    store: join(mochiHome, "store"),
    index: join(mochiHome, "index"),
    state: join(mochiHome, "state"),
    legacyCrates: join(mochiHome, "crates"),
  };
}

/** Environment lookup accepted by {@link resolveMochiHome}: `Deno.env` or a plain record. */
export type EnvLike = { get(key: string): string | undefined } | Record<string, string | undefined>;

function envGet(env: EnvLike, key: string): string | undefined {
  const v = typeof env.get === "function"
    ? (env as { get(k: string): string | undefined }).get(key)
    : (env as Record<string, string | undefined>)[key];
  return v === undefined || v === "" ? undefined : v;
}

/**
 * Resolve `$MOCHI_HOME`: the `MOCHI_HOME` variable, else `$XDG_CACHE_HOME/mochi` (only when
 * absolute, per the XDG spec), else `%LOCALAPPDATA%\mochi` on Windows, else `~/.cache/mochi`
 * (the XDG Base Directory specification).
 *
 * @param env `Deno.env` or a record of variables
 * @param os the platform (default `Deno.build.os`)
 * @returns the directory (not created)
 * @throws {MochiError} `CLI_E001` when no home directory can be found
 */
export function resolveMochiHome(env: EnvLike, os: string = Deno.build.os): string {
  const explicit = envGet(env, "MOCHI_HOME");
  if (explicit) return explicit;
  const xdg = envGet(env, "XDG_CACHE_HOME");
  if (xdg && (xdg.startsWith("/") || /^[A-Za-z]:[\\/]/.test(xdg))) return join(xdg, "mochi");
  if (os === "windows") {
    const local = envGet(env, "LOCALAPPDATA");
    if (local) return join(local, "mochi");
  }
  const home = envGet(env, "HOME") ?? envGet(env, "USERPROFILE");
  if (home) return join(home, ".cache", "mochi");
  throw new MochiError("CLI_E001", "cannot find a directory for the mochi cache", {
    hint: "set MOCHI_HOME (or HOME) to a writable directory",
  });
}

/**
 * The store root inside a mochi home: `<mochiHome>/store` ({@link mochiHomeLayout}`.store`).
 *
 * @param mochiHome from {@link resolveMochiHome}
 * @returns the store root
 */
export function storeRootOf(mochiHome: string): string {
  return mochiHomeLayout(mochiHome).store;
}
