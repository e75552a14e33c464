/**
 * The author's side of fan-out publishing: the uploaders of each target registry's own protocol,
 * keyed by ecosystem.
 *
 * @module
 */

export { UPLOADERS } from "./uploaders.ts";
