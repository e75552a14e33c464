/**
 * The install pipeline and the lockfile graph views.
 *
 * @module
 */
export {
  diffLocks,
  install,
  type InstallOptions,
  type InstallReport,
  lock,
  type LockReport,
  type Project,
  readProject,
  registryUrlFor,
  resolveProject,
} from "./install.ts";
export { formatTree, formatWhy, type LockGraph, lockGraph, type NodeId } from "./graph.ts";
export { type IndexSource, RegistryProvider } from "./registry_provider.ts";
export {
  cachePrune,
  type CachePruneOptions,
  type CachePruneReport,
  type CacheSize,
  cacheSize,
  DEFAULT_PRUNE_AGE_MS,
} from "./cache.ts";
