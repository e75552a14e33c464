/**
 * Target names: which ecosystems each `[targets.<t>]` table packs for, the default name of a Mochi
 * package on each ecosystem, and each ecosystem's own name rules.
 *
 * Defaults from `@scope/name` (or a bare `name` with `[targets.<t>] scope`): npm and JSR
 * `@scope/name`; PyPI `scope-name` (PEP 503 normalised); Maven groupId from `group`, artifactId
 * `name`; NuGet `Scope.Name` (each `-`/`_` part capitalised, as NuGet ids are written); crates
 * `scope-name`; Hex `scope_name`; SwiftPM `scope.name` (SE-0292 identity). `name = "…"` replaces
 * the default; every name is checked against the ecosystem's rules.
 *
 * Rules: npm's `validate-npm-package-name` (lower case, URL-safe, ≤ 214 characters, no leading
 * `.`/`_`); JSR's scope (2–20) and name (2–58) of `a-z0-9-`, no leading or trailing `-`; PEP 508
 * names, PEP 503 normalisation; Maven's `[A-Za-z0-9_.-]+` ids; NuGet's `PackageIdValidator`
 * (`^\w+([.-]\w+)*$`, ≤ 100); crates.io's (ASCII letter first, `[A-Za-z0-9_-]`, ≤ 64); Hex's
 * (`^[a-z][a-z0-9_]*$`); SE-0292's scope (`[A-Za-z0-9]` with single inner `-`, ≤ 39) and name
 * (`[A-Za-z0-9]` with single inner `-`/`_`, ≤ 100).
 *
 * @module
 */

import { MochiError } from "../errors.ts";
import type { FanoutTarget, FanoutTargetName } from "../manifest/types.ts";
import type { Ecosystem } from "./types.ts";

/** Target table → the ecosystems it packs for. */
export const TARGET_ECOSYSTEMS: Readonly<Record<FanoutTargetName, readonly Ecosystem[]>> = {
  typescript: ["npm", "jsr"],
  python: ["pypi"],
  jvm: ["maven"],
  dotnet: ["nuget"],
  rust: ["crates"],
  beam: ["hex"],
  swift: ["swiftpm"],
};

/**
 * The target table an ecosystem is configured in.
 *
 * @param ecosystem the ecosystem
 * @returns its `[targets.<t>]` name
 */
export function targetOf(ecosystem: Ecosystem): FanoutTargetName {
  for (const [t, ecos] of Object.entries(TARGET_ECOSYSTEMS)) {
    if (ecos.includes(ecosystem)) return t as FanoutTargetName;
  }
  throw new MochiError("INTERNAL_E001", `no target for ecosystem ${ecosystem}`);
}

/**
 * Why `name` is not a valid package name on `ecosystem` (Maven: an artifactId or groupId), or
 * undefined when it is.
 *
 * @example
 * ```ts
 * import { ecosystemNameProblem } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ecosystemNameProblem("hex", "acme_greet"), undefined);
 * assert.match(ecosystemNameProblem("hex", "acme-greet") ?? "", /a-z/);
 * ```
 *
 * @param ecosystem the ecosystem
 * @param name the name
 * @returns a one-line reason, or undefined
 */
export function ecosystemNameProblem(ecosystem: Ecosystem, name: string): string | undefined {
  switch (ecosystem) {
    case "npm": {
      if (name.length > 214) return "npm names are at most 214 characters";
      const m = /^(?:@([^/]+)\/)?([^/]+)$/.exec(name);
      if (m === null) return 'npm names are "name" or "@scope/name"';
      for (const part of [m[1], m[2]]) {
        if (part === undefined) continue;
        if (!/^[a-z0-9~-][a-z0-9._~-]*$/.test(part)) {
          return "npm names are lower case URL-safe characters (a-z 0-9 - . _ ~), not starting with . or _";
        }
      }
      return undefined;
    }
    case "jsr": {
      const m = /^@([^/]+)\/([^/]+)$/.exec(name);
      if (m === null) return 'JSR names are "@scope/name"';
      const seg = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
      if (!seg.test(m[1]!) || m[1]!.length < 2 || m[1]!.length > 20) {
        return "JSR scopes are 2–20 characters of a-z 0-9 -, not starting or ending with -";
      }
      if (!seg.test(m[2]!) || m[2]!.length < 2 || m[2]!.length > 58) {
        return "JSR package names are 2–58 characters of a-z 0-9 -, not starting or ending with -";
      }
      return undefined;
    }
    case "pypi":
      return /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/.test(name)
        ? undefined
        : "PyPI names (PEP 508) are letters, digits, . _ -, starting and ending with a letter or digit";
    case "maven":
      return /^[A-Za-z0-9_.-]+$/.test(name) && name.length <= 256
        ? undefined
        : "Maven ids are letters, digits, _ . -";
    case "nuget":
      return /^\w+(?:[.-]\w+)*$/.test(name) && name.length <= 100
        ? undefined
        : "NuGet ids are word characters joined by single . or -, at most 100 characters";
    case "crates":
      return /^[A-Za-z][A-Za-z0-9_-]*$/.test(name) && name.length <= 64
        ? undefined
        : "crate names start with an ASCII letter, then letters, digits, _ or -, at most 64";
    case "hex":
      return /^[a-z][a-z0-9_]*$/.test(name)
        ? undefined
        : "Hex names start with a-z, then a-z, 0-9 or _";
    case "swiftpm": {
      const m = /^([^.]+)\.([^.]+)$/.exec(name);
      if (m === null) return 'SwiftPM identities are "scope.name"';
      if (!/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/.test(m[1]!)) {
        return "SwiftPM scopes are letters and digits with single inner -, at most 39";
      }
      if (!/^[A-Za-z0-9](?:[A-Za-z0-9]|[-_](?=[A-Za-z0-9])){0,99}$/.test(m[2]!)) {
        return "SwiftPM names are letters and digits with single inner - or _, at most 100";
      }
      return undefined;
    }
  }
}

/**
 * PEP 503 normalisation: lower case, runs of `-`, `_`, `.` made one `-`.
 *
 * @param name a distribution name
 * @returns the normalised name
 */
export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

const pascal = (s: string) =>
  s.split(/[-_]+/).filter((p) => p !== "").map((p) => p[0]!.toUpperCase() + p.slice(1)).join("");

/** The name of a package on one ecosystem, with Maven's groupId. */
export interface EcosystemName {
  /** The ecosystem's package name (Maven: artifactId). */
  name: string;
  /** Maven groupId. */
  group?: string;
}

/**
 * The name a Mochi package gets on `ecosystem`: the target table's `name`, or the default rule.
 *
 * @example
 * ```ts
 * import { ecosystemName } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ecosystemName("pypi", "@acme/greet-kit").name, "acme-greet-kit");
 * assert.equal(ecosystemName("nuget", "@acme/greet-kit").name, "Acme.GreetKit");
 * assert.equal(ecosystemName("hex", "@acme/greet-kit").name, "acme_greet_kit");
 * assert.equal(ecosystemName("swiftpm", "@acme/greet-kit").name, "acme.greet-kit");
 * ```
 *
 * @param ecosystem the ecosystem
 * @param mochiName the Mochi package name (`@scope/name` or `name`)
 * @param target the target table (its `scope`, `name`, `group`, positions), if any
 * @param file the manifest path, for positioned errors
 * @returns the name (and Maven's group)
 * @throws {MochiError} `FANOUT_E004` when the ecosystem needs a scope or group that is missing,
 *   or the name breaks the ecosystem's rules (positioned at the key when it was written)
 */
export function ecosystemName(
  ecosystem: Ecosystem,
  mochiName: string,
  target?: Pick<FanoutTarget, "scope" | "name" | "group" | "positions" | "target">,
  file?: string,
): EcosystemName {
  const m = /^@([^/]+)\/(.+)$/.exec(mochiName);
  const scope = target?.scope ?? m?.[1];
  const bare = m?.[2] ?? mochiName;
  const t = target?.target ?? targetOf(ecosystem);
  const fail = (
    msg: string,
    hint: string,
    key: "name" | "scope" | "group" | "table",
  ): never => {
    const pos = target?.positions[key] ?? target?.positions.table;
    throw new MochiError("FANOUT_E004", msg, {
      hint,
      ...(file === undefined ? {} : { file }),
      ...(pos === undefined ? {} : { line: pos.line, column: pos.column }),
    });
  };
  const needScope = (): string =>
    scope ?? fail(
      `${ecosystem} needs a scope for "${mochiName}"`,
      `rename the package @scope/${bare}, or add scope = "…" to [targets.${t}]`,
      "table",
    );
  let name: string;
  let group: string | undefined;
  if (target?.name !== undefined) {
    name = target.name;
  } else {
    switch (ecosystem) {
      case "npm":
        name = scope === undefined ? bare : `@${scope}/${bare}`;
        break;
      case "jsr":
        name = `@${needScope()}/${bare}`;
        break;
      case "pypi":
        name = pep503(scope === undefined ? bare : `${scope}-${bare}`);
        break;
      case "maven":
        name = bare;
        break;
      case "nuget":
        name = scope === undefined ? pascal(bare) : `${pascal(scope)}.${pascal(bare)}`;
        break;
      case "crates":
        name = scope === undefined ? bare : `${scope}-${bare}`;
        break;
      case "hex":
        name = (scope === undefined ? bare : `${scope}_${bare}`).replaceAll("-", "_");
        break;
      case "swiftpm":
        name = `${needScope()}.${bare}`;
        break;
    }
  }
  const problem = ecosystemNameProblem(ecosystem, name);
  if (problem !== undefined) {
    fail(
      `${quote(name)} is not a valid ${ecosystem} name: ${problem}`,
      `write name = "…" in [targets.${t}] with a name ${ecosystem} accepts`,
      target?.name !== undefined ? "name" : target?.scope !== undefined ? "scope" : "table",
    );
  }
  if (ecosystem === "maven") {
    group = target?.group ??
      fail(
        `Maven needs a groupId for "${mochiName}"`,
        'add group = "org.example" to [targets.jvm]',
        "table",
      );
    const gp = ecosystemNameProblem("maven", group);
    if (gp !== undefined || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(group)) {
      fail(
        `${quote(group)} is not a valid Maven groupId: ${gp ?? "empty segment"}`,
        'write group = "org.example" (reverse domain, dot-separated)',
        "group",
      );
    }
    return { name, group };
  }
  return { name };
}

function quote(s: string): string {
  return JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);
}
