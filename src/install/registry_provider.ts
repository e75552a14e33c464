/**
 * A {@link DependencyProvider} backed by a registry index: the solver asks for versions and
 * dependencies, and this provider reads (and prefetches, in parallel) the index files.
 *
 * @module
 */
import type { IndexRecord } from "../index/mod.ts";
import {
  formatVersion,
  parseRequirement,
  parseVersion,
  type Version,
  VersionSet,
} from "../semver/mod.ts";
import type { DependencyProvider, RequirementRange } from "../solver/mod.ts";
import { CapabilityCause, type CapabilityPolicy } from "../capability/mod.ts";
import { MochiError } from "../errors.ts";
import { packageNameProblem } from "../manifest/names.ts";
import { capabilityProblem } from "../capability/model.ts";

/**
 * Why an index record cannot be used, or undefined when it can: every dependency name must be a
 * valid package name (so `"JSON"` cannot stand beside `json` in one graph) and every capability
 * must be one the lock can hold.
 *
 * @param record an index record
 * @returns a one-line reason, or undefined
 */
export function recordProblem(record: IndexRecord): string | undefined {
  for (const dep of Object.keys(record.dependencies)) {
    const p = packageNameProblem(dep);
    if (p !== undefined) return `dependency ${JSON.stringify(dep)} is not a valid name (${p})`;
  }
  for (const cap of record.capabilities) {
    const p = capabilityProblem(cap);
    if (p !== undefined) return p.reason;
  }
  return undefined;
}

/** What the provider needs from a registry client: index records by package name. */
export interface IndexSource {
  /** Index records of `name`, or null when the registry has no such package. */
  records(name: string): Promise<IndexRecord[] | null>;
}

interface Entry {
  readonly record: IndexRecord;
  readonly version: Version;
  deps?: Map<string, RequirementRange>;
}

/**
 * Registry-backed dependency provider with per-package memoisation and parallel prefetch.
 *
 * Requirement strings of index records are parsed lazily, once per version; an index record
 * whose requirement does not parse fails with the record's package and version named.
 */
export class RegistryProvider implements DependencyProvider {
  readonly #source: IndexSource;
  readonly #policy: CapabilityPolicy | undefined;
  readonly #pending = new Map<string, Promise<Map<string, Entry>>>();
  /** Index records fetched so far, by package name (after listVersions or prefetch). */
  readonly #loaded = new Map<string, Map<string, Entry>>();

  /**
   * Creates a provider over an index source.
   *
   * @param source where index records come from
   * @param policy the consumer's capability pins; a version whose record `c` needs more is
   *   excluded with a capability cause
   */
  constructor(source: IndexSource, policy?: CapabilityPolicy) {
    this.#source = source;
    this.#policy = policy?.isEmpty ? undefined : policy;
  }

  /**
   * Excludes a version whose required capabilities (index record `c`) fall outside the
   * consumer's pin.
   *
   * @param name package name
   * @param version candidate version (already listed)
   * @returns the capability cause, or undefined when allowed or there is no policy
   * @throws {MochiError} CAP_E003 when the record names an unknown capability
   */
  checkVersion(name: string, version: Version): CapabilityCause | undefined {
    if (this.#policy === undefined) return undefined;
    const rec = this.record(name, version);
    if (rec === undefined) return undefined;
    const exclusion = this.#policy.check(name, rec.capabilities);
    return exclusion === undefined ? undefined : new CapabilityCause(exclusion);
  }

  #load(name: string): Promise<Map<string, Entry>> {
    let p = this.#pending.get(name);
    if (!p) {
      p = this.#source.records(name).then((records) => {
        const byVersion = new Map<string, Entry>();
        let firstProblem: string | undefined;
        for (const record of records ?? []) {
          // Registry data is validated before it can reach the graph or the lock: a version
          // whose record names an invalid dependency or capability is not a candidate (cargo
          // skips index lines it cannot use the same way).
          const problem = recordProblem(record);
          if (problem !== undefined) {
            firstProblem ??= `${name} ${record.version}: ${problem}`;
            continue;
          }
          const version = parseVersion(record.version);
          byVersion.set(formatVersion({ ...version, build: [] }), { record, version });
        }
        if (byVersion.size === 0 && firstProblem !== undefined) {
          throw new MochiError(
            "INDEX_E001",
            `no usable version of ${name} in the registry index: ${firstProblem}`,
            { hint: "the registry published bad records; report it to the registry operator" },
          );
        }
        this.#loaded.set(name, byVersion);
        return byVersion;
      });
      // Prefetches nobody awaits yet must not become unhandled rejections; the error is
      // surfaced again when the solver awaits this promise.
      p.catch(() => {});
      this.#pending.set(name, p);
    }
    return p;
  }

  /** Starts fetching the index files of `names` without waiting. */
  prefetch(names: string[]): void {
    for (const n of names) void this.#load(n);
  }

  /**
   * Lists the versions of a package.
   *
   * @param name package name
   * @returns every version the index lists (yanked included; the solver filters those)
   */
  async listVersions(name: string): Promise<Version[]> {
    return [...(await this.#load(name)).values()].map((e) => e.version);
  }

  /**
   * The dependencies of one version, as version sets.
   *
   * @param name package name
   * @param version one of its versions
   * @returns dependency name → version set with the requirement text; also prefetches those
   *   packages' index files
   * @throws {MochiError} INDEX_E001 when a requirement in the record does not parse
   */
  async getDependencies(
    name: string,
    version: Version,
  ): Promise<Map<string, RequirementRange>> {
    const entry = (await this.#load(name)).get(formatVersion({ ...version, build: [] }));
    if (!entry) return new Map();
    if (!entry.deps) {
      const deps = new Map<string, RequirementRange>();
      for (const [dep, req] of Object.entries(entry.record.dependencies)) {
        try {
          deps.set(dep, {
            set: VersionSet.fromRequirement(parseRequirement(req)),
            requirement: req,
          });
        } catch (e) {
          throw new MochiError(
            "INDEX_E001",
            `index record ${name} ${entry.record.version} has an invalid requirement for ${dep}: "${req}"`,
            {
              cause: e,
              hint: "the registry published a bad record; report it to the registry operator",
            },
          );
        }
      }
      entry.deps = deps;
      this.prefetch([...deps.keys()]);
    }
    return entry.deps;
  }

  /**
   * The index record of one version.
   *
   * @param name package name
   * @param version a version
   * @returns its index record, if loaded
   */
  record(name: string, version: Version): IndexRecord | undefined {
    return this.#loaded.get(name)?.get(formatVersion({ ...version, build: [] }))?.record;
  }

  /**
   * Whether the index marks a version yanked.
   *
   * @param name package name
   * @param version a version
   * @returns whether the index marks that version yanked
   */
  isYanked(name: string, version: Version): boolean {
    return this.record(name, version)?.yanked === true;
  }
}
