/**
 * `mochi why-capability <cap>`: which locked packages require a capability
 * (README.md §Commands, `mochi why-capability`).
 *
 * @module
 */
import { capabilityCovers, parseCapability } from "./model.ts";
import type { GatePackage } from "./gate.ts";

/** One package that requires the asked capability. */
export interface CapabilityUser {
  /** Package name. */
  readonly name: string;
  /** Locked version. */
  readonly version: string;
  /** Its entries that match (scoped entries included). */
  readonly entries: readonly string[];
}

/**
 * The packages whose required capabilities match `capability`: an unscoped question
 * (`fs.write`) matches every entry of that name; a scoped one (`fs.write:/tmp`) matches the
 * entries it covers and the entries that cover it (both could touch that scope).
 *
 * @param packages locked packages
 * @param capability the capability asked about
 * @returns matches sorted by name, then version text
 * @throws {MochiError} CAP_E003 when `capability` is not in the closed set (names the closest)
 */
export function whyCapability(
  packages: readonly GatePackage[],
  capability: string,
): CapabilityUser[] {
  parseCapability(capability);
  const out: CapabilityUser[] = [];
  for (const p of packages) {
    const entries = p.capabilities.filter((c) =>
      capabilityCovers(capability, c) || capabilityCovers(c, capability)
    );
    if (entries.length > 0) out.push({ name: p.name, version: p.version, entries });
  }
  return out.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1
  );
}

/**
 * The `why-capability` text: `<cap> is required by:` and one `name@version` line per package
 * (with the scoped entries in brackets when they differ from the question), or
 * `<cap> is required by no locked package`.
 *
 * @param capability the capability asked about
 * @param users result of {@link whyCapability}
 * @returns lines without trailing newlines
 */
export function formatWhyCapability(
  capability: string,
  users: readonly CapabilityUser[],
): string[] {
  if (users.length === 0) return [`${capability} is required by no locked package`];
  return [
    `${capability} is required by:`,
    ...users.map((u) => {
      const extra = u.entries.filter((e) => e !== capability);
      return `  ${u.name}@${u.version}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`;
    }),
  ];
}
