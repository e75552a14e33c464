/**
 * The digest of an extracted tree (pure): what the store records when it extracts a blob, and
 * compares with the tree on disk before it trusts it again (issue 11 item 13: an edited
 * extracted tree must not survive `mochi verify` or `mochi install`). Like a git tree, the digest
 * covers every path, its kind, its executable bit and the SHA-256 of each file's bytes, in one
 * canonical order, so it does not depend on the archive's entry order or on directories the
 * archive leaves implied.
 *
 * @module
 */
import { sha256Hex } from "./digest.ts";

/** One entry of a tree, as an archive holds it or the disk shows it. */
export interface TreeEntry {
  /** Relative path with `/` separators, no trailing slash. */
  path: string;
  /** A regular file or a directory (nothing else is ever extracted). */
  type: "file" | "directory";
  /** Whether the file is executable (false for directories). */
  executable: boolean;
  /** File size in bytes (0 for directories). */
  sizeBytes: number;
  /** SHA-256 of the file's bytes, lowercase hex (empty for directories). */
  sha256: string;
}

/**
 * The digest of a tree: SHA-256 over one line per entry, sorted by path, with every directory
 * a file path implies added, as `sha256:<hex>`.
 *
 * @param entries the files and directories of the tree (any order)
 * @returns the digest, e.g. `sha256:3a…`
 * @example
 * ```ts
 * import { treeDigest } from "@mochi/pkg/store";
 * import assert from "node:assert/strict";
 * const file = { path: "src/a.mochi", type: "file" as const, executable: false, sizeBytes: 1,
 *   sha256: "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb" };
 * const dir = { path: "src", type: "directory" as const, executable: false, sizeBytes: 0,
 *   sha256: "" };
 * assert.equal(treeDigest([file]), treeDigest([dir, file]));
 * assert.notEqual(treeDigest([file]), treeDigest([{ ...file, executable: true }]));
 * ```
 */
export function treeDigest(entries: readonly TreeEntry[]): string {
  const lines = new Map<string, string>();
  const addDir = (path: string) => {
    if (path !== "" && !lines.has(path)) lines.set(path, `d ${JSON.stringify(path)}`);
  };
  for (const e of entries) {
    const parts = e.path.split("/");
    for (let i = 1; i < parts.length; i++) addDir(parts.slice(0, i).join("/"));
    if (e.type === "directory") addDir(e.path);
    else {
      lines.set(
        e.path,
        `f ${e.executable ? "x" : "-"} ${e.sizeBytes} ${e.sha256} ${JSON.stringify(e.path)}`,
      );
    }
  }
  let text = "";
  for (const path of [...lines.keys()].sort()) text += lines.get(path)! + "\n";
  return `sha256:${sha256Hex(text)}`;
}
