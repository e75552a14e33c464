/**
 * Consumer pins: what a project lets each dependency do. A dependency entry may pin its
 * capabilities (`{ version = "^1", capabilities = ["fs.read"] }`); `[capabilities] allowed`
 * pins every dependency, direct or not. With neither, every `required` capability is accepted
 * (README.md §Capabilities).
 *
 * @module
 */
import { capabilitiesNotCovered } from "./model.ts";

/**
 * The parts of a parsed manifest a policy reads (the manifest's `Manifest` has them): the
 * capability room states the shape it needs instead of importing the manifest room, which
 * imports it.
 */
export interface PolicyManifest {
  /** `[package]`: the consumer's name. */
  readonly package: { readonly name: string };
  /** `[dependencies]`: each entry's consumer pin, if any. */
  readonly dependencies: ReadonlyMap<string, { readonly capabilities?: readonly string[] }>;
  /** `[dev-dependencies]`, the same. */
  readonly devDependencies: ReadonlyMap<string, { readonly capabilities?: readonly string[] }>;
  /** `[capabilities] allowed`: the pin on every dependency, if any. */
  readonly capabilities: { readonly allowed?: readonly string[] };
}

/** A package's declared capabilities (`[capabilities]` of its manifest). */
export interface CapabilityDeclaration {
  /** Capabilities the package always needs. */
  readonly required: readonly string[];
  /** Capabilities only some features need. */
  readonly optional: readonly string[];
  /** Feature → the optional capabilities it turns on. */
  readonly optionalFeatures: Readonly<Record<string, readonly string[]>>;
}

/**
 * The capabilities a package needs with some features enabled: `required`, plus the
 * `optional_features` entries of each enabled feature.
 *
 * @param decl the declaration
 * @param features enabled feature names (unknown names add nothing)
 * @returns sorted, de-duplicated entries
 */
export function requiredWithFeatures(
  decl: CapabilityDeclaration,
  features: readonly string[] = [],
): string[] {
  const out = new Set(decl.required);
  for (const f of features) {
    if (Object.hasOwn(decl.optionalFeatures, f)) {
      for (const c of decl.optionalFeatures[f]!) out.add(c);
    }
  }
  return [...out].sort();
}

/** Why a candidate version is excluded by a pin: the solver's capability cause. */
export interface CapabilityExclusion {
  /** The consumer that pins (the root package name). */
  readonly consumer: string;
  /** `"dependency"`: the pin on the dependency entry; `"allowed"`: `[capabilities] allowed`. */
  readonly source: "dependency" | "allowed";
  /** The pinned capabilities. */
  readonly pinned: readonly string[];
  /** Everything the candidate requires. */
  readonly required: readonly string[];
  /** The required entries the pin does not cover (never empty). */
  readonly excess: readonly string[];
}

/** The pins of one consumer, looked up per dependency name. */
export class CapabilityPolicy {
  readonly #consumer: string;
  readonly #pins: ReadonlyMap<string, readonly string[]>;
  readonly #allowed: readonly string[] | undefined;

  /**
   * Creates a policy.
   *
   * @param consumer the pinning package (the root)
   * @param pins dependency name → pinned capabilities (entries without a pin are absent)
   * @param allowed `[capabilities] allowed`, or undefined when not given
   */
  constructor(
    consumer: string,
    pins: ReadonlyMap<string, readonly string[]>,
    allowed?: readonly string[],
  ) {
    this.#consumer = consumer;
    this.#pins = pins;
    this.#allowed = allowed;
  }

  /**
   * The policy a manifest states: per-dependency pins of `[dependencies]` and
   * `[dev-dependencies]` (both pins apply when a name is in both), and `[capabilities] allowed`.
   *
   * @param manifest a parsed manifest
   */
  static fromManifest(manifest: PolicyManifest): CapabilityPolicy {
    const pins = new Map<string, string[]>();
    for (const deps of [manifest.dependencies, manifest.devDependencies]) {
      for (const [name, dep] of deps) {
        if (dep.capabilities === undefined) continue;
        const prev = pins.get(name);
        // Two pins on one name: a capability must pass both, so keep the entries both cover.
        pins.set(
          name,
          prev === undefined
            ? [...dep.capabilities]
            : prev.filter((c) => capabilitiesNotCovered([c], dep.capabilities!).length === 0),
        );
      }
    }
    return new CapabilityPolicy(manifest.package.name, pins, manifest.capabilities.allowed);
  }

  /** Whether the policy pins anything at all. */
  get isEmpty(): boolean {
    return this.#pins.size === 0 && this.#allowed === undefined;
  }

  /**
   * Checks a candidate's required capabilities against the dependency pin, then the global
   * `allowed`.
   *
   * @param name the dependency name
   * @param required the candidate's required capabilities (index record `c`)
   * @returns undefined when allowed, else the {@link CapabilityExclusion}
   * @throws {MochiError} CAP_E003 when an entry is not a valid capability
   */
  check(name: string, required: readonly string[]): CapabilityExclusion | undefined {
    const pin = this.#pins.get(name);
    if (pin !== undefined) {
      const excess = capabilitiesNotCovered(required, pin);
      if (excess.length > 0) {
        return {
          consumer: this.#consumer,
          source: "dependency",
          pinned: [...pin],
          required: [...required],
          excess,
        };
      }
    }
    if (this.#allowed !== undefined) {
      const excess = capabilitiesNotCovered(required, this.#allowed);
      if (excess.length > 0) {
        return {
          consumer: this.#consumer,
          source: "allowed",
          pinned: [...this.#allowed],
          required: [...required],
          excess,
        };
      }
    }
    return undefined;
  }
}
