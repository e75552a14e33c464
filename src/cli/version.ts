/**
 * The version of mochi pkg, in a module of its own: `mochi --version`, the usage text and the
 * no-op stamps (a stamp from another version is never trusted) read it.
 *
 * @module
 */

/** The version `mochi --version` prints. */
export const VERSION = "0.1.0";
