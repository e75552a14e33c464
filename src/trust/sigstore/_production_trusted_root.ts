/**
 * The Sigstore public-good production trusted root shipped with mochi pkg.
 *
 * `production_trusted_root.json` is a byte-for-byte copy of
 * `fixtures/sigstore-conformance/production_trusted_root.json` (sha256
 * `6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66`), which is the
 * `trusted_root.json` TUF target embedded in npm `@sigstore/tuf@5.0.1` `seeds.json` for
 * `https://tuf-repo-cdn.sigstore.dev` (same content as sigstore/sigstore-js `packages/tuf/seeds.json`).
 * It is used when no trusted root is given; it is never refreshed over the network.
 *
 * @module
 */

import root from "./production_trusted_root.json" with { type: "json" };

/** SHA-256 (hex) of `production_trusted_root.json` as shipped. */
export const PRODUCTION_TRUSTED_ROOT_SHA256 =
  "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66";

/**
 * The decoded public-good trusted root (protobuf JSON of `dev.sigstore.trustroot.v1.TrustedRoot`):
 * Rekor v1 and v2 log keys, CT log keys, Fulcio CA chains and the timestamp authority, each with
 * its validity period.
 */
export const PRODUCTION_TRUSTED_ROOT: Readonly<Record<string, unknown>> = root;
