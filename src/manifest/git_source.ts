/**
 * Git sources of dependencies (`{ git = "…", rev | tag | branch = "…" }`), checked before any
 * of their text reaches the `git` command, and their `mochi.lock` form (cargo's
 * `git+<url>?branch=<name>#<commit>` source id, the cargo book "Cargo.lock" and
 * `cargo::core::source_id`).
 *
 * Every string here comes from a manifest or a lock and is hostile: a URL or ref starting with
 * `-` would be read by git as an option (CVE-2017-1000117's class), and the `ext::` and `fd::`
 * transports run commands, so only the `https`, `http`, `file`, `ssh` and `git` schemes pass,
 * and the callers still put every URL and ref after `--`.
 *
 * @module
 */

/** The URL schemes a git source may use. */
export const GIT_URL_SCHEMES: readonly string[] = ["https", "http", "file", "ssh", "git"];

/** Longest git URL or ref accepted, in characters. */
export const MAX_GIT_TEXT = 1024;

/** Which ref a git source follows, as the manifest writes it. */
export type GitRefKind = "rev" | "tag" | "branch";

/**
 * Why `url` cannot be a git source URL, or undefined when it can: an absolute URL with one of
 * {@link GIT_URL_SCHEMES}, no control characters or whitespace, not starting with `-`, no
 * `::` transport prefix (`ext::sh -c …`), and for `file:` a path.
 *
 * @param url the URL as written
 * @returns a one-line reason, or undefined
 * @example
 * ```ts
 * import { gitUrlProblem } from "@mochi/pkg/manifest";
 * import assert from "node:assert/strict";
 * assert.equal(gitUrlProblem("https://example.org/acme/log.git"), undefined);
 * assert.equal(gitUrlProblem("file:///srv/git/log.git"), undefined);
 * assert.match(gitUrlProblem("ext::sh")!, /transport/);
 * assert.match(gitUrlProblem("--upload-pack=touch /tmp/x")!, /"-"/);
 * ```
 */
export function gitUrlProblem(url: string): string | undefined {
  if (url.length === 0) return "it is empty";
  if (url.length > MAX_GIT_TEXT) return `it is longer than ${MAX_GIT_TEXT} characters`;
  if (url.startsWith("-")) return 'it starts with "-" (git would read it as an option)';
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x20\x7f]/.test(url)) return "it holds whitespace or a control character";
  if (url.includes("::")) return 'it names a "::" transport, which runs commands';
  if (/[?#]/.test(url)) return 'it holds "?" or "#" (the lock\'s source form uses them)';
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (m === null) {
    return `it is not an absolute URL with a scheme (allowed: ${GIT_URL_SCHEMES.join(", ")})`;
  }
  const scheme = m[1]!.toLowerCase();
  if (!GIT_URL_SCHEMES.includes(scheme)) {
    return `its scheme "${scheme}" is not allowed (allowed: ${GIT_URL_SCHEMES.join(", ")})`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "it does not parse as a URL";
  }
  if (scheme === "file") {
    if (parsed.host !== "") return "a file: URL must name a local path (file:///…)";
  } else if (parsed.hostname === "" || parsed.hostname.startsWith("-")) {
    return 'it names no host, or a host starting with "-"';
  }
  if (parsed.username.startsWith("-")) return 'its user name starts with "-"';
  return undefined;
}

/**
 * Why `ref` cannot be the `rev`, `tag` or `branch` of a git source, or undefined when it can.
 * A branch or tag follows `git check-ref-format`'s rules (no `..`, `@{`, control characters,
 * space, `~ ^ : ? * [ \`, no part starting with `.` or ending in `.lock`, not ending in `/` or
 * `.`); none may start with `-`. A `rev` is a ref name or a commit id (4 to 64 hex digits).
 *
 * @param kind which key it is
 * @param ref the value as written
 * @returns a one-line reason, or undefined
 * @example
 * ```ts
 * import { gitRefProblem } from "@mochi/pkg/manifest";
 * import assert from "node:assert/strict";
 * assert.equal(gitRefProblem("branch", "release/1.x"), undefined);
 * assert.equal(gitRefProblem("rev", "9fceb02"), undefined);
 * assert.match(gitRefProblem("tag", "--output=/etc/passwd")!, /"-"/);
 * assert.match(gitRefProblem("branch", "a..b")!, /\.\./);
 * ```
 */
export function gitRefProblem(kind: GitRefKind, ref: string): string | undefined {
  if (ref.length === 0) return "it is empty";
  if (ref.length > 255) return "it is longer than 255 characters";
  if (ref.startsWith("-")) return 'it starts with "-" (git would read it as an option)';
  if (kind === "rev" && /^[0-9a-f]{4,64}$/.test(ref)) return undefined;
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) {
    return "it holds a space, a control character or one of ~ ^ : ? * [ \\";
  }
  if (ref.includes("..")) return 'it holds ".."';
  if (ref.includes("@{") || ref === "@") return 'it holds "@{" or is "@"';
  if (ref.includes("//") || ref.startsWith("/") || ref.endsWith("/")) {
    return 'it starts or ends with "/" or holds "//"';
  }
  if (ref.endsWith(".")) return 'it ends with "."';
  for (const part of ref.split("/")) {
    if (part.startsWith(".")) return 'a part of it starts with "."';
    if (part.endsWith(".lock")) return 'a part of it ends with ".lock"';
  }
  return undefined;
}

/**
 * Whether `text` is a full commit id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
 *
 * @param text the text
 * @returns whether it is one
 * @example
 * ```ts
 * import { isCommitId } from "@mochi/pkg/manifest";
 * import assert from "node:assert/strict";
 * assert.ok(isCommitId("a".repeat(40)));
 * assert.ok(!isCommitId("9fceb02"));
 * ```
 */
export function isCommitId(text: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(text);
}

/** A git source as the lock records it: the URL, the ref followed, and the commit it was at. */
export interface GitSourceId {
  /** Repository URL, as the manifest writes it. */
  url: string;
  /** The ref the manifest names, if any (none: the remote's `HEAD`). */
  ref?: { kind: GitRefKind; value: string };
  /** The full commit id the lock pins. */
  commit: string;
}

/**
 * The ref a manifest's git table follows: its `rev`, else its `tag`, else its `branch`, or
 * undefined when it names none (the remote's `HEAD`).
 *
 * @param git the table's ref keys
 * @returns the ref, for a {@link GitSourceId}
 */
export function gitRefOf(
  git: { rev?: string; tag?: string; branch?: string },
): GitSourceId["ref"] {
  return git.rev !== undefined
    ? { kind: "rev", value: git.rev }
    : git.tag !== undefined
    ? { kind: "tag", value: git.tag }
    : git.branch !== undefined
    ? { kind: "branch", value: git.branch }
    : undefined;
}

/**
 * The lock's `source` of a git package: `git+<url>?<kind>=<ref>#<commit>` (cargo's form; the
 * ref is percent-encoded, no ref when the manifest names none).
 *
 * @param id the source
 * @returns the source text
 * @example
 * ```ts
 * import { formatGitSourceId, parseGitSourceId } from "@mochi/pkg/manifest";
 * import assert from "node:assert/strict";
 * const id = { url: "https://example.org/log.git", ref: { kind: "branch" as const, value: "main" },
 *   commit: "a".repeat(40) };
 * const text = formatGitSourceId(id);
 * assert.equal(text, `git+https://example.org/log.git?branch=main#${"a".repeat(40)}`);
 * assert.deepEqual(parseGitSourceId(text), id);
 * ```
 */
export function formatGitSourceId(id: GitSourceId): string {
  const ref = id.ref === undefined ? "" : `?${id.ref.kind}=${encodeURIComponent(id.ref.value)}`;
  return `git+${id.url}${ref}#${id.commit}`;
}

/**
 * Reads a lock's `git+…` source back, checking the URL, the ref and the commit id as a manifest
 * entry would be checked.
 *
 * @param text the `source` text
 * @returns the source, or a one-line reason why it is not a valid git source
 */
export function parseGitSourceId(text: string): GitSourceId | string {
  if (!text.startsWith("git+")) return 'it does not start with "git+"';
  const hash = text.lastIndexOf("#");
  if (hash < 0) return "it pins no commit (#<commit id>)";
  const commit = text.slice(hash + 1);
  if (!isCommitId(commit)) return `"${commit.slice(0, 80)}" is not a full commit id`;
  let rest = text.slice(4, hash);
  let ref: GitSourceId["ref"];
  const q = rest.lastIndexOf("?");
  if (q >= 0) {
    const m = /^(rev|tag|branch)=(.*)$/.exec(rest.slice(q + 1));
    if (m === null) return "its query is not ?rev=, ?tag= or ?branch=";
    let value: string;
    try {
      value = decodeURIComponent(m[2]!);
    } catch {
      return "its ref is not percent-encoded properly";
    }
    const kind = m[1] as GitRefKind;
    const problem = gitRefProblem(kind, value);
    if (problem !== undefined) return `its ${kind} is refused: ${problem}`;
    ref = { kind, value };
    rest = rest.slice(0, q);
  }
  const problem = gitUrlProblem(rest);
  if (problem !== undefined) return `its URL is refused: ${problem}`;
  return ref === undefined ? { url: rest, commit } : { url: rest, ref, commit };
}
