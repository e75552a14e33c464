/**
 * Project-level capability commands that need the registry: `mochi audit capabilities`.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { auditCapabilityHistory, type CapabilityAuditFinding } from "../capability/mod.ts";
import { openRegistry } from "../adapters/index_client.ts";
import { type InstallOptions, readProject, registryUrlFor } from "./install.ts";

/** What `mochi audit capabilities` found. */
export interface CapabilityAuditReport {
  /** Locked packages whose history was read. */
  packages: number;
  /** Releases examined, over all packages. */
  releases: number;
  /** Findings, sorted by package name, then version order. */
  findings: CapabilityAuditFinding[];
}

/**
 * Reads the registry history of every locked package and checks each release against the one
 * before it: a patch release adding a capability (CAP_E002) and, with `suspicious`, a minor
 * release adding `ffi` or `proc.spawn` (the xz-utils pattern).
 *
 * @param options project, home and registry as for `install`; `suspicious` adds the xz check
 * @returns the report; the CLI exits 1 when `findings` is not empty
 * @throws {MochiError} LOCK_E005 when there is no `mochi.lock`; INDEX_* from the registry
 */
export async function auditCapabilities(
  options: InstallOptions & { suspicious?: boolean },
): Promise<CapabilityAuditReport> {
  const project = await readProject(options.projectDir);
  if (!project.lock) {
    throw new MochiError("LOCK_E005", `no mochi.lock in ${options.projectDir}`, {
      hint: "run mochi lock first; the audit reads the history of every locked package",
    });
  }
  const registry = openRegistry(registryUrlFor(project, options.registryUrl), {
    cacheDir: `${options.mochiHome}/index`,
    offline: options.offline || options.frozen || false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const names = [...new Set(project.lock.packages.map((p) => p.name))].sort();
  const histories = await Promise.all(names.map((n) => registry.records(n)));
  const findings: CapabilityAuditFinding[] = [];
  let releases = 0;
  names.forEach((name, i) => {
    const records = histories[i] ?? [];
    releases += records.length;
    findings.push(
      ...auditCapabilityHistory(
        name,
        records.map((r) => ({ version: r.version, capabilities: r.capabilities })),
        { suspicious: options.suspicious === true },
      ),
    );
  });
  return { packages: names.length, releases, findings };
}
