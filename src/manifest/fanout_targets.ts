/**
 * The fan-out keys of `[targets.<t>]` tables: `out`, `scope`, `name`, `group` (jvm), `overrides`,
 * `dependencies`, `registry` and the `metadata` sub-table, read strictly with positions. The
 * tables' other keys keep their meaning (`ffi` for rust, go and python; `python` and `platform`
 * for python). Unknown keys and unknown target names are warnings naming the closest known one,
 * as cargo warns about unused manifest keys. Names are checked against each ecosystem's rules
 * later, where the ecosystem is known (`src/fanout/names.ts`), with the positions kept here.
 *
 * @module
 */

import type { ErrorCode } from "../errors.ts";
import { quoteValue } from "../errors.ts";
import { closestName } from "../edit_distance.ts";
import type { TomlLocator } from "./toml_locator.ts";
import type { FanoutTarget, FanoutTargetName, KeyPosition, ManifestWarning } from "./types.ts";

/** Every fan-out target table name, in the order `mochi targets` lists them. */
export const FANOUT_TARGET_NAMES: readonly FanoutTargetName[] = [
  "typescript",
  "python",
  "jvm",
  "dotnet",
  "rust",
  "beam",
  "swift",
];

/** Target tables that exist for other reasons (bridges) and are not fan-out targets. */
const OTHER_TARGETS = ["go"];

/** The fan-out keys every target table may hold (`group` only in jvm). */
const FANOUT_KEYS = [
  "out",
  "scope",
  "name",
  "group",
  "overrides",
  "dependencies",
  "registry",
  "metadata",
];

/** Keys the bridges read in each table (parsed elsewhere in parse.ts). */
const BRIDGE_KEYS: Record<string, readonly string[]> = {
  rust: ["ffi"],
  go: ["ffi"],
  python: ["ffi", "python", "platform"],
};

type Table = Record<string, unknown>;

/** What the parser needs from parse.ts's parse state. */
export interface FanoutParseContext {
  /** The manifest file as given to the parser. */
  readonly file: string;
  /** The locator of the file's keys and values. */
  readonly loc: TomlLocator;
  /** Throws a positioned MochiError. */
  fail(
    code: ErrorCode,
    path: readonly string[],
    message: string,
    hint: string,
    at?: "key" | "value",
  ): never;
  /** Warns about keys of `table` not in `known`. */
  unknownKeys(table: Table, path: string[], known: readonly string[], where: string): void;
  /** The warnings collected so far. */
  readonly warnings: ManifestWarning[];
}

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (typeof v === "string") return quoteValue(v);
  if (Array.isArray(v)) return "an array";
  if (isTable(v)) return "a table";
  if (typeof v === "object") return "a date";
  return `a ${typeof v}`;
}

/** A relative POSIX path inside the project: no `..`, no leading `/`, no backslash. */
function pathProblem(p: string): string | undefined {
  if (p.length === 0) return "is empty";
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(p)) return "has a backslash or control character";
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return "is absolute";
  const segs = p.replace(/\/+$/, "").split("/");
  if (segs.some((s) => s === "..")) return "leaves the project (`..`)";
  if (segs.some((s) => s === "")) return "has an empty segment";
  return undefined;
}

/**
 * Reads the fan-out keys of every `[targets.<t>]` table.
 *
 * @param ctx parse state (positions, warnings)
 * @param targets the `[targets]` table, if any
 * @returns the tables that opt in, keyed by target name in file order
 * @throws {MochiError} `MANIFEST_E013` for a key of the wrong type or shape, with its position
 */
export function parseFanoutTargets(
  ctx: FanoutParseContext,
  targets: Table | undefined,
): Map<FanoutTargetName, FanoutTarget> {
  const out = new Map<FanoutTargetName, FanoutTarget>();
  if (targets === undefined) return out;
  const known = [...FANOUT_TARGET_NAMES, ...OTHER_TARGETS];
  for (const [t, raw] of Object.entries(targets)) {
    if (!known.includes(t)) {
      const pos = ctx.loc.key(["targets", t]);
      ctx.warnings.push({
        kind: "unknown-key",
        message: `unknown target "${t}" in [targets] (ignored); did you mean "${
          closestName(t, known)
        }"?`,
        file: ctx.file,
        line: pos.line,
        column: pos.column,
        path: ["targets", t],
      });
      continue;
    }
    if (!isTable(raw)) {
      ctx.fail(
        "MANIFEST_E013",
        ["targets", t],
        `[targets.${t}] must be a table, found ${describe(raw)}`,
        `write [targets.${t}] with out = "target/${t}"`,
      );
    }
    const bridge = BRIDGE_KEYS[t] ?? [];
    if (t === "go") continue; // the Go bridge checks its own table
    const keys = t === "jvm" ? FANOUT_KEYS : FANOUT_KEYS.filter((k) => k !== "group");
    ctx.unknownKeys(raw, ["targets", t], [...bridge, ...keys], `[targets.${t}]`);
    if (!Object.keys(raw).some((k) => keys.includes(k))) continue;
    out.set(t as FanoutTargetName, parseOne(ctx, t as FanoutTargetName, raw));
  }
  return out;
}

function parseOne(ctx: FanoutParseContext, t: FanoutTargetName, raw: Table): FanoutTarget {
  const where = `[targets.${t}]`;
  const at = (key: string): KeyPosition => {
    const p = ctx.loc.key(["targets", t, key]);
    return { line: p.line, column: p.column };
  };
  const str = (key: string, example: string): string | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.length === 0 || v.length > 1024) {
      ctx.fail(
        "MANIFEST_E013",
        ["targets", t, key],
        `${where} ${key} must be a non-empty string, found ${describe(v)}`,
        `write ${key} = ${example}`,
      );
    }
    return v;
  };
  const tablePos = ctx.loc.key(["targets", t]);
  const target: FanoutTarget = {
    target: t,
    out: `target/${t}`,
    overrides: [],
    dependencies: [],
    metadata: {},
    positions: { table: { line: tablePos.line, column: tablePos.column } },
  };
  const outDir = str("out", `"target/${t}"`);
  if (outDir !== undefined) {
    const problem = pathProblem(outDir);
    if (problem !== undefined) {
      ctx.fail(
        "MANIFEST_E013",
        ["targets", t, "out"],
        `${where} out ${quoteValue(outDir)} ${problem}`,
        `write a folder inside the project, e.g. out = "target/${t}"`,
      );
    }
    target.out = outDir.replace(/\/+$/, "");
    target.positions.out = at("out");
  }
  for (const key of ["scope", "name", "group"] as const) {
    const v = str(key, key === "group" ? '"org.example"' : '"example"');
    if (v !== undefined) {
      target[key] = v;
      target.positions[key] = at(key);
    }
  }
  const registry = str("registry", '"https://registry.example/"');
  if (registry !== undefined) {
    let ok = false;
    try {
      const u = new URL(registry);
      ok = u.protocol === "https:" || u.protocol === "http:";
    } catch {
      ok = false;
    }
    if (!ok) {
      ctx.fail(
        "MANIFEST_E013",
        ["targets", t, "registry"],
        `${where} registry ${quoteValue(registry)} is not an http(s) URL`,
        'write registry = "https://…/" (the registry\'s upload base URL)',
      );
    }
    target.registry = registry;
    target.positions.registry = at("registry");
  }
  const overrides = raw.overrides;
  if (overrides !== undefined) {
    if (!isTable(overrides)) {
      ctx.fail(
        "MANIFEST_E013",
        ["targets", t, "overrides"],
        `${where} overrides must be a table of "path in out" = "project file", found ${
          describe(overrides)
        }`,
        `write [targets.${t}.overrides] with "platform.js" = "overrides/${t}/platform.js"`,
      );
    }
    for (const [path, from] of Object.entries(overrides)) {
      const kpath = ["targets", t, "overrides", path];
      const keyProblem = pathProblem(path);
      if (keyProblem !== undefined || path.endsWith("/")) {
        ctx.fail(
          "MANIFEST_E013",
          kpath,
          `override ${quoteValue(path)} in ${where} ${keyProblem ?? "names a folder"}`,
          "name a file relative to the target's out folder",
          "key",
        );
      }
      if (typeof from !== "string" || pathProblem(from) !== undefined) {
        ctx.fail(
          "MANIFEST_E013",
          kpath,
          `override ${quoteValue(path)} in ${where} must name a project file, found ${
            describe(from)
          }${typeof from === "string" ? ` (${pathProblem(from)})` : ""}`,
          `write "${path}" = "overrides/${t}/${path}"`,
        );
      }
      target.overrides.push({ path, from, line: ctx.loc.key(kpath).line });
    }
  }
  const deps = raw.dependencies;
  if (deps !== undefined) {
    if (!isTable(deps)) {
      ctx.fail(
        "MANIFEST_E013",
        ["targets", t, "dependencies"],
        `${where} dependencies must be a table of name = "range", found ${describe(deps)}`,
        `write [targets.${t}.dependencies] with the ecosystem's names and range syntax`,
      );
    }
    for (const [name, spec] of Object.entries(deps)) {
      const dpath = ["targets", t, "dependencies", name];
      let range: unknown = spec;
      let kind: "normal" | "dev" = "normal";
      if (isTable(spec)) {
        ctx.unknownKeys(spec, dpath, ["version", "dev"], `dependency "${name}" in ${where}`);
        range = spec.version;
        if (spec.dev !== undefined && typeof spec.dev !== "boolean") {
          ctx.fail(
            "MANIFEST_E013",
            [...dpath, "dev"],
            `dev of dependency ${quoteValue(name)} in ${where} must be true or false`,
            "write dev = true",
          );
        }
        if (spec.dev === true) kind = "dev";
      }
      // deno-lint-ignore no-control-regex
      const bad = /[\u0000-\u001f\u007f]/;
      if (
        typeof range !== "string" || range.length === 0 || range.length > 256 || bad.test(range)
      ) {
        ctx.fail(
          "MANIFEST_E013",
          dpath,
          `dependency ${quoteValue(name)} in ${where} needs a range string, found ${
            describe(range)
          }`,
          `write ${JSON.stringify(name)} = "<range in the ecosystem's syntax>"`,
        );
      }
      if (name.length === 0 || name.length > 214 || bad.test(name)) {
        ctx.fail(
          "MANIFEST_E013",
          dpath,
          `invalid dependency name in ${where}`,
          "fix the name",
          "key",
        );
      }
      target.dependencies.push({ name, range, kind, line: ctx.loc.key(dpath).line });
    }
  }
  const metadata = raw.metadata;
  if (metadata !== undefined) {
    if (!isTable(metadata)) {
      ctx.fail(
        "MANIFEST_E013",
        ["targets", t, "metadata"],
        `${where} metadata must be a table, found ${describe(metadata)}`,
        `write [targets.${t}.metadata] with the packer's extra keys`,
      );
    }
    const copy: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(metadata)) copy[k] = v;
    target.metadata = copy;
  }
  return target;
}
