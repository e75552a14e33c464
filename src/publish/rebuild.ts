/**
 * `mochi rebuild`'s rules: reading `--from-source <git-url>@<commit>` and comparing a published
 * package archive with the one its source packs to, file by file. Pure; the clone, pack and
 * fetch are `src/install/rebuild.ts`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { MochiError } from "../errors.ts";
import { GIT_URL_SCHEMES, gitUrlProblem } from "../manifest/git_source.ts";
import type { ArchiveEntry } from "../store/archive.ts";

/** One difference between the published archive and the rebuilt one. */
export interface RebuildDifference {
  /** The entry's path. */
  path: string;
  /** `published-only`, `source-only`, `content` or `mode`. */
  kind: "published-only" | "source-only" | "content" | "mode";
}

/**
 * Reads `--from-source <git-url>@<commit>`: the commit is 7–64 lowercase hex digits; the URL
 * is an absolute local path or a URL git sources accept in `mochi.toml` (`gitUrlProblem`: an
 * https, http, ssh, git or file URL; nothing starting with `-`, no `ext::`/`fd::` transport, no
 * whitespace or control characters).
 *
 * @param value the option's value
 * @returns the URL and the commit
 * @throws {MochiError} `CLI_E001` naming what is wrong
 *
 * @example
 * ```ts
 * import { parseFromSource } from "@mochi/pkg/publish";
 * import assert from "node:assert/strict";
 * assert.equal(parseFromSource("https://example.org/a.git@0123abc").commit, "0123abc");
 * assert.throws(() => parseFromSource("ext::sh -c id@0123abc"));
 * ```
 */
export function parseFromSource(value: string | undefined): { url: string; commit: string } {
  const usage = {
    hint: "mochi rebuild @acme/log@0.3.1 --from-source <repo URL>@<full commit hash>",
  };
  const at = value?.lastIndexOf("@") ?? -1;
  if (value === undefined || at <= 0) {
    throw new MochiError("CLI_E001", "--from-source takes <git-url>@<commit hex>", usage);
  }
  const url = value.slice(0, at);
  const commit = value.slice(at + 1);
  if (!/^[0-9a-f]{7,64}$/.test(commit)) {
    throw new MochiError(
      "CLI_E001",
      `--from-source: ${JSON.stringify(commit)} is not a commit id (7–64 hex digits)`,
      usage,
    );
  }
  const problem = gitUrlProblem(url.startsWith("/") ? `file://${url}` : url);
  if (problem !== undefined) {
    throw new MochiError(
      "CLI_E001",
      `--from-source: ${JSON.stringify(url)} is not a git URL mochi pkg clones from: ${problem}`,
      { hint: `use an absolute path or a ${GIT_URL_SCHEMES.join(", ")} URL` },
    );
  }
  return { url, commit };
}

function entriesOf(list: readonly ArchiveEntry[]): Map<string, ArchiveEntry> {
  const m = new Map<string, ArchiveEntry>();
  for (const e of list) if (e.type === "file") m.set(e.path, e);
  return m;
}

function sha(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The file-level differences of two package archives' entries, sorted by path.
 *
 * @param published the published archive's entries
 * @param rebuilt the rebuilt archive's entries
 * @returns the differences (empty when every file is the same)
 *
 * @example
 * ```ts
 * import { archiveDifferences } from "@mochi/pkg/publish";
 * import assert from "node:assert/strict";
 * const file = (path: string, text: string) => {
 *   const bytes = new TextEncoder().encode(text);
 *   return { path, type: "file" as const, executable: false, sizeBytes: bytes.length, bytes };
 * };
 * assert.deepEqual(archiveDifferences([file("a", "1"), file("b", "x")], [file("a", "2")]), [
 *   { path: "a", kind: "content" },
 *   { path: "b", kind: "published-only" },
 * ]);
 * ```
 */
export function archiveDifferences(
  published: readonly ArchiveEntry[],
  rebuilt: readonly ArchiveEntry[],
): RebuildDifference[] {
  const a = entriesOf(published);
  const b = entriesOf(rebuilt);
  const out: RebuildDifference[] = [];
  for (const [path, e] of a) {
    const f = b.get(path);
    if (!f) out.push({ path, kind: "published-only" });
    else if (e.sizeBytes !== f.sizeBytes || sha(e.bytes) !== sha(f.bytes)) {
      out.push({ path, kind: "content" });
    } else if (e.executable !== f.executable) out.push({ path, kind: "mode" });
  }
  for (const path of b.keys()) if (!a.has(path)) out.push({ path, kind: "source-only" });
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
