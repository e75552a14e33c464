/**
 * Capabilities per target: the package's locked capability set lowered with the existing lowering
 * tables (`capabilities/lowering-*.json`, `src/lowering/`) into the file each artifact carries.
 *
 * | ecosystem | file | from |
 * |---|---|---|
 * | JSR | `deno.json` (`permissions`) | the Deno lowering, merged as `mochi lower` does |
 * | npm | `mochi.caps.json` (documented, not enforced) | the Node table |
 * | PyPI | `mochi_caps.json` (`mochi_runtime.caps` audit hooks) | the Python table |
 * | Maven, NuGet, crates, Hex, SwiftPM | `mochi.caps.json` (documented, not enforced) | the Node table's shape |
 *
 * A capability an ecosystem cannot honour (a row of {@link UNHONOURED}) refuses the target, as the
 * Wasm lowering refuses `net.dial` (`CAP_E004`): never a silent gap. With no capabilities, no file.
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import { parseCapability, sortCapabilities } from "../capability/mod.ts";
import { lowerToDeno, mergeDenoJson } from "../lowering/deno.ts";
import { lowerToTarget } from "../lowering/targets.ts";
import type { Ecosystem } from "./types.ts";

/**
 * Capabilities an ecosystem's consumers cannot grant, with why: ecosystem → capability name →
 * reason. None of the eight targets' runtimes lacks a capability today (each runs native code with
 * file, network, environment, clock, randomness, process and FFI access), so the table is empty;
 * a target that gains such a limit adds its row here and packing refuses it.
 */
export const UNHONOURED: Readonly<Partial<Record<Ecosystem, Readonly<Record<string, string>>>>> =
  {};

/** A lowered capability file to put into an artifact. */
export interface CapabilityFile {
  /** Path inside the package (`deno.json`, `mochi_caps.json`, `mochi.caps.json`). */
  path: string;
  /** The file's bytes (JSON, two-space indent, final newline). */
  bytes: Uint8Array;
}

const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v, null, 2) + "\n");

/**
 * The capability file(s) one ecosystem's artifact carries.
 *
 * @example
 * ```ts
 * import { lowerCapabilitiesFor } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 *
 * const [file] = lowerCapabilitiesFor("pypi", { name: "@acme/greet", version: "1.0.0" }, ["env"]);
 * assert.equal(file?.path, "mochi_caps.json");
 * assert.deepEqual(lowerCapabilitiesFor("npm", { name: "@acme/greet", version: "1.0.0" }, []), []);
 * ```
 *
 * @param ecosystem the target ecosystem
 * @param pkg the Mochi package name and version written into the file
 * @param capabilities the locked capability entries (`net.dial:api.example.com:443`, …)
 * @param unhonoured the refusal table (default {@link UNHONOURED})
 * @returns the files, empty when there are no capabilities
 * @throws {MochiError} `FANOUT_E006` naming every capability the ecosystem cannot honour;
 *   `CAP_E003` on an unknown capability
 */
export function lowerCapabilitiesFor(
  ecosystem: Ecosystem,
  pkg: { name: string; version: string },
  capabilities: readonly string[],
  unhonoured: Readonly<Partial<Record<Ecosystem, Readonly<Record<string, string>>>>> = UNHONOURED,
): CapabilityFile[] {
  const caps = sortCapabilities(capabilities);
  if (caps.length === 0) return [];
  const limits = unhonoured[ecosystem] ?? {};
  const cannot = caps.filter((c) => Object.hasOwn(limits, parseCapability(c).name));
  if (cannot.length > 0) {
    throw new MochiError(
      "FANOUT_E006",
      `${ecosystem} cannot honour ${
        cannot.map((c) => `"${c}" (${limits[parseCapability(c).name]})`).join(", ")
      }, which ${pkg.name} requires`,
      {
        hint:
          `drop the capability from ${pkg.name}'s dependency graph, or do not pack for ${ecosystem}`,
      },
    );
  }
  switch (ecosystem) {
    case "jsr":
      return [{
        path: "deno.json",
        bytes: enc.encode(mergeDenoJson(undefined, lowerToDeno(caps))),
      }];
    case "pypi": {
      const f = lowerToTarget("python", pkg, caps);
      return [{ path: f.file, bytes: json(f.content) }];
    }
    case "npm": {
      const f = lowerToTarget("node", pkg, caps);
      return [{ path: f.file, bytes: json(f.content) }];
    }
    default: {
      const f = lowerToTarget("node", pkg, caps);
      return [{
        path: f.file,
        bytes: json({
          ...f.content,
          note: `${ecosystem} does not enforce mochi capabilities; this file documents them only`,
        }),
      }];
    }
  }
}
