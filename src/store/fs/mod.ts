/**
 * The store's Deno I/O half (`src/store/` is the pure half): the content-addressed store under
 * `$MOCHI_HOME/store` ({@link FsStore}), store sessions ({@link openStoreSession}, the only way
 * to get a writable store), the store lock, the `$MOCHI_HOME` layout and crash-safe writes.
 *
 * @module
 */

export * from "./fs_store.ts";
export * from "./session.ts";
export * from "./store_lock.ts";
export * from "./fs_atomic.ts";
export {
  type EnvLike,
  type MochiHomeLayout,
  mochiHomeLayout,
  resolveMochiHome,
  storeRootOf,
} from "./home.ts";
