/**
 * The capability cause: why the solver excludes versions that need capabilities outside a
 * consumer's pin, and how a failure report words it. The solver knows it only as a custom cause
 * (pubgrub-rs `Kind::Custom`: a `key` and a `describe` clause); the fix options that name
 * `mochi.toml` are written by `src/install/hints.ts`.
 *
 * @module
 */
import type { CapabilityExclusion } from "./pin.ts";

/** `["fs.read", "net.dial"]`: a capability list as TOML writes it. */
export function capabilityList(caps: readonly string[]): string {
  return `[${caps.map((c) => `"${c}"`).join(", ")}]`;
}

/**
 * Versions excluded because they require capabilities outside the consumer's pin
 * (README.md §Capabilities; pubgrub-rs `Kind::Custom`). A custom cause for the solver: equal
 * exclusions share a `key`, so adjacent versions excluded alike are reported as one range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CapabilityCause } from "./cause.ts";
 * const c = new CapabilityCause({
 *   consumer: "app",
 *   source: "dependency",
 *   pinned: ["fs.read"],
 *   required: ["fs.read", "net.dial"],
 *   excess: ["net.dial"],
 * });
 * assert.equal(
 *   c.describe("json", "json >=1.2.0"),
 *   'app pins json with capabilities ["fs.read"], but json >=1.2.0 requires ["fs.read", "net.dial"]',
 * );
 * ```
 */
export class CapabilityCause implements CapabilityExclusion {
  /** The pinning package (the root). */
  readonly consumer: string;
  /** `"dependency"`: the dependency entry's `capabilities`; `"allowed"`: `[capabilities] allowed`. */
  readonly source: "dependency" | "allowed";
  /** The pinned capabilities. */
  readonly pinned: readonly string[];
  /** What the excluded versions require. */
  readonly required: readonly string[];
  /** The required entries outside the pin. */
  readonly excess: readonly string[];
  /** Equal for equal exclusions (the solver groups adjacent versions by it). */
  readonly key: string;

  /**
   * Creates the cause from a policy's exclusion.
   *
   * @param exclusion what {@link CapabilityPolicy.check} returned
   */
  constructor(exclusion: CapabilityExclusion) {
    this.consumer = exclusion.consumer;
    this.source = exclusion.source;
    this.pinned = exclusion.pinned;
    this.required = exclusion.required;
    this.excess = exclusion.excess;
    this.key = JSON.stringify([
      "capability",
      this.consumer,
      this.source,
      this.pinned,
      this.required,
      this.excess,
    ]);
  }

  /**
   * The report's clause for the excluded versions.
   *
   * @param name the package's name as the report writes it
   * @param subject the versions as the report words them (`json >=1.2.0`, `every version of json`)
   * @returns `app pins json with capabilities […], but <subject> requires […]`, or for
   *   `[capabilities] allowed`: `app allows only capabilities […] ([capabilities] allowed), but …`
   */
  describe(name: string, subject: string): string {
    const pin = this.source === "dependency"
      ? `${this.consumer} pins ${name} with capabilities ${capabilityList(this.pinned)}`
      : `${this.consumer} allows only capabilities ${
        capabilityList(this.pinned)
      } ([capabilities] allowed)`;
    return `${pin}, but ${subject} requires ${capabilityList(this.required)}`;
  }
}
