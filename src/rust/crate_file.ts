/**
 * Reading a `.crate` file (a gzipped ustar archive whose entries sit under `<name>-<version>/`):
 * its normalised `Cargo.toml`'s `package.license`, for the SBOM. Every byte is hostile: the
 * decompressed size is capped, only regular files are looked at, the manifest is size-capped and
 * the licence must read as an SPDX expression.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import tar from "tar-stream";
import { parse as parseToml } from "smol-toml";
import parseSpdx from "spdx-expression-parse";

/** Largest decompressed `.crate` read for its manifest, in bytes. */
export const CRATE_UNPACKED_CAP_BYTES: number = 256 * 1024 * 1024;
/** Largest `Cargo.toml` read, in bytes. */
export const CARGO_TOML_CAP_BYTES: number = 1024 * 1024;

/**
 * The licence a cargo licence field means as an SPDX expression: the field as written when it
 * parses, else with the old `/` separator read as `OR` (cargo's documented legacy form, as
 * crates.io shows it), else undefined.
 *
 * @param field `package.license` from a `Cargo.toml`
 * @returns the SPDX expression, or undefined when it is not one
 *
 * @example
 * ```ts
 * import { cargoLicenseExpression } from "@mochi/pkg/rust";
 * import assert from "node:assert/strict";
 * assert.equal(cargoLicenseExpression("MIT/Apache-2.0"), "MIT OR Apache-2.0");
 * assert.equal(cargoLicenseExpression("see LICENSE"), undefined);
 * ```
 */
export function cargoLicenseExpression(field: string): string | undefined {
  if (field.length > 1024) return undefined;
  for (const candidate of [field.trim(), field.trim().split(/\s*\/\s*/).join(" OR ")]) {
    try {
      parseSpdx(candidate);
      return candidate;
    } catch {
      // try the next reading
    }
  }
  return undefined;
}

/**
 * The `package.license` of a `.crate`'s `<name>-<version>/Cargo.toml`, as an SPDX expression.
 *
 * @param crate the `.crate` bytes (already checked against the lock's SHA-256)
 * @param name the crate's name
 * @param version its version
 * @returns the expression, or undefined when the crate has no readable manifest or licence
 *   (a `license-file` only, a manifest that is not TOML, an archive over the caps)
 *
 * @example
 * ```ts
 * import { crateLicense } from "@mochi/pkg/rust";
 * import assert from "node:assert/strict";
 * assert.equal(await crateLicense(new TextEncoder().encode("not gzip"), "demo", "1.0.0"), undefined);
 * ```
 */
export async function crateLicense(
  crate: Uint8Array,
  name: string,
  version: string,
): Promise<string | undefined> {
  let tarBytes: Uint8Array;
  try {
    tarBytes = gunzipSync(crate, { maxOutputLength: CRATE_UNPACKED_CAP_BYTES });
  } catch {
    return undefined;
  }
  const want = `${name}-${version}/Cargo.toml`;
  const extract = tar.extract();
  extract.on("error", () => {});
  extract.end(tarBytes);
  let text: string | undefined;
  try {
    for await (const entry of extract) {
      const h = entry.header;
      if (h.type === "file" && h.name === want && (h.size ?? 0) <= CARGO_TOML_CAP_BYTES) {
        const body = new Uint8Array(h.size ?? 0);
        let off = 0;
        for await (const c of entry) {
          const chunk = c as Uint8Array;
          if (off + chunk.byteLength > body.byteLength) return undefined;
          body.set(chunk, off);
          off += chunk.byteLength;
        }
        text = new TextDecoder("utf-8", { fatal: true }).decode(body.subarray(0, off));
        break;
      }
      entry.resume();
    }
  } catch {
    return undefined;
  } finally {
    extract.destroy();
  }
  if (text === undefined) return undefined;
  try {
    const doc = parseToml(text) as { package?: { license?: unknown } };
    const field = doc.package?.license;
    return typeof field === "string" ? cargoLicenseExpression(field) : undefined;
  } catch {
    return undefined;
  }
}
