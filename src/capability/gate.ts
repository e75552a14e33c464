/**
 * The update gate: a lock update in which a package newly requires a capability is stopped until
 * a person accepts it (`mochi lock --accept-capabilities[=<pkg>]`), and the lock's
 * `[capabilities-seen]` records what was accepted (README.md §Capabilities).
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { capabilitiesNotCovered, sortCapabilities } from "./model.ts";

/** One locked package as the gate sees it. */
export interface GatePackage {
  /** Package name. */
  readonly name: string;
  /** Exact version. */
  readonly version: string;
  /** Capabilities it requires. */
  readonly capabilities: readonly string[];
}

/** A capability a package requires that its `[capabilities-seen]` entry does not cover. */
export interface NewCapability {
  /** Package name. */
  readonly name: string;
  /** The version that requires it. */
  readonly version: string;
  /** The capability entry. */
  readonly capability: string;
  /** The package's seen set before the update; undefined when the package was not locked. */
  readonly previously: readonly string[] | undefined;
}

/** Input of {@link capabilityGate}. */
export interface GateInput {
  /** `[capabilities-seen]` of the lock on disk; undefined when there is no lock yet. */
  readonly previousSeen: ReadonlyMap<string, readonly string[]> | undefined;
  /** The packages of the lock about to be written. */
  readonly packages: readonly GatePackage[];
  /**
   * Whether the manifest changed since the previous lock. A package that was not locked before
   * is then taken as added by the user and recorded as seen; with an unchanged manifest it came
   * in through a registry update and is gated like any other.
   */
  readonly manifestChanged: boolean;
  /** `--accept-capabilities`: `"all"`, or the package names given with `=<pkg>`. */
  readonly accept?: "all" | readonly string[];
}

/** Result of {@link capabilityGate}. */
export interface GateResult {
  /** New capabilities nobody accepted: the update must fail (LOCK_E006) when non-empty. */
  readonly blocked: NewCapability[];
  /** New capabilities accepted by `--accept-capabilities`. */
  readonly accepted: NewCapability[];
  /** The `[capabilities-seen]` to write: previous ∪ current, for packages in the new lock. */
  readonly seen: Map<string, string[]>;
}

/**
 * Compares the capabilities of a new lock with the previous `[capabilities-seen]`.
 *
 * With no previous lock everything is recorded as seen. Otherwise each package's entries that
 * its previous seen set does not cover ({@link capabilitiesNotCovered}, so narrowing a scope is
 * not "new") are new; they are blocked unless accepted for all or for that package name.
 *
 * @param input previous seen map, new packages, whether the manifest changed, what was accepted
 * @returns blocked and accepted findings (sorted by name, version, capability) and the new seen map
 */
export function capabilityGate(input: GateInput): GateResult {
  const blocked: NewCapability[] = [];
  const accepted: NewCapability[] = [];
  const seen = new Map<string, string[]>();
  const packages = [...input.packages].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1
  );
  for (const p of packages) {
    const previous = input.previousSeen?.get(p.name);
    const isAccepted = input.accept === "all" ||
      (Array.isArray(input.accept) && input.accept.includes(p.name));
    const gated = input.previousSeen !== undefined &&
      (previous !== undefined || !input.manifestChanged);
    if (gated) {
      for (const cap of capabilitiesNotCovered(sortCapabilities(p.capabilities), previous ?? [])) {
        const finding = { name: p.name, version: p.version, capability: cap, previously: previous };
        (isAccepted ? accepted : blocked).push(finding);
      }
    }
    seen.set(
      p.name,
      sortCapabilities([...(seen.get(p.name) ?? previous ?? []), ...p.capabilities]),
    );
  }
  return { blocked, accepted, seen };
}

/**
 * The warning block for blocked findings, one group per package version:
 * `warning: <pkg> <ver> newly requires capability "<cap>"`, the previously seen set, and the
 * command that accepts it.
 *
 * @param findings blocked findings from {@link capabilityGate}
 * @returns lines without trailing newlines
 */
export function formatGateWarnings(findings: readonly NewCapability[]): string[] {
  const out: string[] = [];
  const groups = new Map<string, NewCapability[]>();
  for (const f of findings) {
    const k = `${f.name} ${f.version}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  for (const [k, list] of groups) {
    for (const f of list) out.push(`warning: ${k} newly requires capability "${f.capability}"`);
    const prev = list[0]!.previously;
    out.push(
      prev === undefined
        ? `  Previously seen capabilities: none (${list[0]!.name} was not in mochi.lock)`
        : `  Previously seen capabilities: [${prev.map((c) => `"${c}"`).join(", ")}]`,
    );
    out.push(`  Audit and accept with: mochi lock --accept-capabilities=${list[0]!.name}`);
  }
  return out;
}

/** The error thrown when the gate blocks an update: carries the findings for printing. */
export class CapabilityGateError extends MochiError {
  /** The blocked findings. */
  readonly findings: readonly NewCapability[];

  /**
   * Creates the error from blocked findings.
   *
   * @param findings non-empty blocked findings (message: every package and capability)
   */
  constructor(findings: readonly NewCapability[]) {
    const names = [...new Set(findings.map((f) => `${f.name} ${f.version}`))];
    const caps = [...new Set(findings.map((f) => `"${f.capability}"`))];
    super(
      "LOCK_E006",
      `${names.join(", ")} newly require${names.length === 1 ? "s" : ""} capabilit${
        caps.length === 1 ? "y" : "ies"
      } ${caps.join(", ")} that mochi.lock has not seen; mochi.lock was not changed`,
      {
        hint: "audit the change, then run mochi lock --accept-capabilities (all) or " +
          "--accept-capabilities=<pkg>",
      },
    );
    this.name = "CapabilityGateError";
    this.findings = findings;
  }
}
