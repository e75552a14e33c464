/**
 * The plan of `mochi publish --target …`: for each target ecosystem, where its artifacts go
 * (`MOCHI_<ECO>_REGISTRY`, else `[targets.<t>] registry`), which token it uses
 * (`MOCHI_<ECO>_TOKEN`) and what stops it before anything is signed (no packer, no uploader, no
 * registry, a registry URL that is not http(s)). Pure: decided from values, acted on by
 * `publishFanout` (`src/fanout/client/publish.ts`).
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import { targetOf } from "./names.ts";
import type { Ecosystem } from "./types.ts";

/** One target of a fan-out publish, as planned. */
export interface PlannedTarget {
  /** The ecosystem. */
  ecosystem: Ecosystem;
  /** The registry URL the artifacts go to, when one is configured. */
  destination?: string;
  /** Where {@link PlannedTarget.destination} came from (`MOCHI_NPM_REGISTRY`, `[targets.typescript] registry`). */
  destinationSource?: string;
  /** The environment variable holding the token (`MOCHI_NPM_TOKEN`), whether set or not. */
  tokenVariable: string;
  /** Whether that variable is set (the token itself is not part of the plan). */
  hasToken: boolean;
  /**
   * Why this target cannot be published (checked before any signing), if it cannot: a
   * `MochiError` with code `FANOUT_E010` or `FANOUT_E011`.
   */
  problem?: Error;
}

/** `MOCHI_<ECO>_REGISTRY` / `MOCHI_<ECO>_TOKEN` variable name of an ecosystem. */
export function ecosystemVariable(ecosystem: Ecosystem, what: "REGISTRY" | "TOKEN"): string {
  return `MOCHI_${ecosystem.toUpperCase()}_${what}`;
}

/** Inputs of {@link planFanoutPublish}. */
export interface FanoutPublishInput {
  /** The ecosystems to publish, in order. */
  ecosystems: readonly Ecosystem[];
  /** `[targets.<t>] registry` per ecosystem, when the manifest sets one. */
  manifestRegistries: Readonly<Partial<Record<Ecosystem, string>>>;
  /** The environment (only `MOCHI_<ECO>_REGISTRY` and whether `MOCHI_<ECO>_TOKEN` is set are read). */
  env: Readonly<Record<string, string | undefined>>;
  /** Ecosystems that have a packer. */
  packers: ReadonlySet<Ecosystem>;
  /** Ecosystems that have an uploader. */
  uploaders: ReadonlySet<Ecosystem>;
}

/**
 * Decides where each target goes and what stops it.
 *
 * @example
 * ```ts
 * import { planFanoutPublish } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const [npm, jsr] = planFanoutPublish({
 *   ecosystems: ["npm", "jsr"],
 *   manifestRegistries: { jsr: "http://127.0.0.1:8080/api/" },
 *   env: { MOCHI_NPM_REGISTRY: "http://127.0.0.1:4873/", MOCHI_NPM_TOKEN: "t" },
 *   packers: new Set(["npm", "jsr"]),
 *   uploaders: new Set(["npm", "jsr"]),
 * });
 * assert.equal(npm!.destination, "http://127.0.0.1:4873/");
 * assert.equal(npm!.hasToken, true);
 * assert.equal(jsr!.destinationSource, "[targets.typescript] registry");
 * ```
 *
 * @param input ecosystems, registries, environment, available packers and uploaders
 * @returns one planned target per ecosystem, in order; a target that cannot be published
 *   carries its `problem` (`FANOUT_E011` no packer or uploader yet, `FANOUT_E010` no registry or
 *   one that is not http(s))
 */
export function planFanoutPublish(input: FanoutPublishInput): PlannedTarget[] {
  return input.ecosystems.map((ecosystem) => {
    const target = targetOf(ecosystem);
    const regVar = ecosystemVariable(ecosystem, "REGISTRY");
    const tokenVariable = ecosystemVariable(ecosystem, "TOKEN");
    const fromEnv = input.env[regVar];
    const fromManifest = input.manifestRegistries[ecosystem];
    const destination = fromEnv !== undefined && fromEnv !== "" ? fromEnv : fromManifest;
    const planned: PlannedTarget = {
      ecosystem,
      tokenVariable,
      hasToken: (input.env[tokenVariable] ?? "") !== "",
    };
    if (destination !== undefined) {
      planned.destination = destination;
      planned.destinationSource = destination === fromEnv ? regVar : `[targets.${target}] registry`;
    }
    if (!input.packers.has(ecosystem)) {
      planned.problem = new MochiError("FANOUT_E011", `mochi cannot pack ${ecosystem} yet`, {
        hint: `publish the other targets without --target ${ecosystem}`,
      });
    } else if (!input.uploaders.has(ecosystem)) {
      planned.problem = new MochiError("FANOUT_E011", `mochi cannot upload to ${ecosystem} yet`, {
        hint:
          `mochi pack --target ${ecosystem} writes the artifacts; upload them with ${ecosystem}'s own tools`,
      });
    } else if (destination === undefined) {
      planned.problem = new MochiError("FANOUT_E010", `no ${ecosystem} registry to publish to`, {
        hint: `set ${regVar}, or registry = "<url>" in [targets.${target}]`,
      });
    } else if (!/^https?:\/\/[^\s]+$/.test(destination)) {
      planned.problem = new MochiError(
        "FANOUT_E010",
        `the ${ecosystem} registry ${JSON.stringify(destination)} is not an http(s) URL`,
        { hint: `fix ${planned.destinationSource}` },
      );
    }
    return planned;
  });
}
