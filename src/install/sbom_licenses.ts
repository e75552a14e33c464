/**
 * The licences an SBOM names for locked packages, read from what the store holds and re-checked:
 * a Mochi package's own `mochi.toml` in its extracted tree (only while the tree still matches its
 * recorded digest), and a Rust crate's `Cargo.toml` inside its `.crate` blob (only when the blob
 * still hashes to the lock's SHA-256). A package the store does not hold, or holds altered,
 * simply has no known licence.
 *
 * @module
 */
import type { Lockfile } from "../lockfile/mod.ts";
import { crateLicense } from "../rust/crate_file.ts";
import { packageUrl } from "../sbom/model.ts";
import { digestBytes } from "../store/digest.ts";
import { FsStore } from "../store/fs/fs_store.ts";
import { mochiHomeLayout } from "../store/fs/home.ts";
import { parseManifestText } from "./project.ts";

/** Largest `mochi.toml` read from the store for a package's licence, in bytes. */
const MANIFEST_CAP_BYTES = 1024 * 1024;
/** Largest `.crate` blob read for its licence, in bytes. */
const CRATE_CAP_BYTES = 64 * 1024 * 1024;

/**
 * Licence expressions for the locked Mochi packages and Rust crates the store holds.
 *
 * @param mochiHome `$MOCHI_HOME`
 * @param lock the parsed lock
 * @returns package URL (as the SBOM model writes it) → SPDX expression
 */
export async function storeLicenses(
  mochiHome: string,
  lock: Lockfile,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let store: FsStore;
  try {
    store = new FsStore(mochiHomeLayout(mochiHome).store);
  } catch {
    return out;
  }
  for (const p of lock.packages) {
    if (p.blake3 === undefined) continue;
    try {
      if (await store.checkTree(p.blake3) !== "ok") continue;
      const path = `${store.extractedPath(p.blake3)}/mochi.toml`;
      const info = await Deno.lstat(path);
      if (!info.isFile || info.size > MANIFEST_CAP_BYTES) continue;
      const { manifest } = parseManifestText(await Deno.readTextFile(path), path);
      if (
        manifest.package.name === p.name && manifest.package.version === p.version &&
        manifest.package.license !== undefined
      ) {
        out.set(packageUrl("mochi", p.name, p.version), manifest.package.license);
      }
    } catch {
      // no licence known for this one
    }
  }
  for (const c of lock.rustPackages ?? []) {
    try {
      const b3 = await store.resolveAlias(c.checksumSha256);
      if (b3 === undefined) continue;
      const path = store.blobPath(b3);
      const info = await Deno.lstat(path);
      if (!info.isFile || info.size > CRATE_CAP_BYTES) continue;
      const bytes = await Deno.readFile(path);
      const digest = await digestBytes(bytes);
      if (digest.sha256 !== c.checksumSha256 || digest.blake3 !== b3) continue;
      const license = await crateLicense(bytes, c.name, c.version);
      if (license !== undefined) out.set(packageUrl("cargo", c.name, c.version), license);
    } catch {
      // no licence known for this one
    }
  }
  return out;
}
