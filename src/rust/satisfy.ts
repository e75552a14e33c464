/**
 * Whether the `[[rust-package]]` entries of a lock still answer the project's Rust
 * requirements, so `mochi install` can reuse them without touching the index (cargo reuses
 * Cargo.lock the same way).
 *
 * @module
 */
import type { LockedCrate } from "../lockfile/mod.ts";
import { parseRequirement, parseVersion, satisfies } from "../semver/mod.ts";
import type { RustRequirement } from "./resolve.ts";
import { posix } from "node:path";
import { parseGitSourceId } from "../manifest/git_source.ts";

/**
 * Whether a locked crate comes from the source a requirement names: the registry, the same
 * directory, or the same git URL and ref (any commit: the lock pins which).
 *
 * @param c the locked crate
 * @param r the requirement
 * @returns whether they agree
 */
export function crateSourceFits(c: LockedCrate, r: RustRequirement): boolean {
  const local = r.local;
  if (local === undefined) return c.source.kind === "registry";
  if ("path" in local) {
    return c.source.kind === "path" &&
      posix.normalize(c.source.path) === posix.normalize(local.path.split("\\").join("/"));
  }
  if (c.source.kind !== "git") return false;
  const id = parseGitSourceId(c.source.id);
  if (typeof id === "string") return false;
  const g = local.git;
  const ref = g.rev !== undefined
    ? ["rev", g.rev]
    : g.tag !== undefined
    ? ["tag", g.tag]
    : g.branch !== undefined
    ? ["branch", g.branch]
    : undefined;
  return id.url === g.url && id.ref?.kind === ref?.[0] && id.ref?.value === ref?.[1];
}

/**
 * Checks the locked crates against the requirements: every requirement has a locked crate of
 * that name whose version satisfies it and whose features include the requested ones; every
 * locked crate comes from `indexUrl` and is reachable from the requirements through the
 * locked `dependencies`; every dependency entry names a locked crate.
 *
 * @param locked the lock's `[[rust-package]]` entries
 * @param requirements the project's Rust requirements
 * @param indexUrl the cargo index the project uses now
 * @returns `{ ok: true }` or the first reason it does not hold
 */
export function lockedCratesSatisfy(
  locked: readonly LockedCrate[],
  requirements: readonly RustRequirement[],
  indexUrl: string,
): { ok: true } | { ok: false; reason: string } {
  const byId = new Map(locked.map((c) => [`${c.name} ${c.version}`, c]));
  const queue: LockedCrate[] = [];
  for (const r of requirements) {
    const req = parseRequirement(r.requirement);
    const hit = locked.find((c) =>
      c.name === r.package && crateSourceFits(c, r) && satisfies(parseVersion(c.version), req) &&
      r.features.every((f) => c.features.includes(f))
    );
    if (hit === undefined) {
      return {
        ok: false,
        reason: `no locked crate answers ${r.package} "${r.requirement}"${
          r.features.length > 0 ? ` with features [${r.features.join(", ")}]` : ""
        }`,
      };
    }
    queue.push(hit);
  }
  const reached = new Set<string>();
  while (queue.length > 0) {
    const c = queue.pop()!;
    const id = `${c.name} ${c.version}`;
    if (reached.has(id)) continue;
    reached.add(id);
    if (c.source.kind === "registry" && c.source.index !== indexUrl) {
      return { ok: false, reason: `${id} is locked from ${c.source.index}, not ${indexUrl}` };
    }
    for (const dep of c.dependencies) {
      const d = byId.get(dep);
      if (d === undefined) return { ok: false, reason: `${id} depends on ${dep}, not locked` };
      queue.push(d);
    }
  }
  for (const id of byId.keys()) {
    if (!reached.has(id)) return { ok: false, reason: `${id} is locked but no longer needed` };
  }
  return { ok: true };
}
