/**
 * The part of the library the everyday commands use (`install`, `lock`, `fetch`, `tree`, `why`,
 * `verify`, `add`, `cache`), imported by `cli.ts` instead of `mod.ts` for those commands so that they do
 * not load the Sigstore, tar and SPDX libraries at start-up (those load on first use).
 *
 * @module
 */
export { addDependency } from "./install/add.ts";
export { CapabilityGateError, formatGateWarnings } from "./capability/gate.ts";
export { fetchCrates } from "./install/rust.ts";
export { formatTree, formatWhy, lockGraph } from "./install/graph.ts";
export { FsStore, resolveMochiHome } from "./store/fs/fs_store.ts";
export { install, lock, readProject, registryUrlFor } from "./install/install.ts";
export { cachePrune, cacheSize } from "./install/cache.ts";
export { parseDuration } from "./store/duration.ts";
