/**
 * The publish preflight the registry runs on every upload: one list of checks, each returning
 * the problems it finds; all problems are reported together (HTTP 422). Add a registry-side rule
 * by appending a function to {@link PUBLISH_CHECKS}.
 *
 * @module
 */
import type { IndexRecord } from "../index/mod.ts";
import { checkNameCollision, type Manifest } from "../manifest/mod.ts";
import { capabilityProblem, checkCapabilityMonotonicity } from "../capability/mod.ts";
import { publishProblems } from "../pack/mod.ts";
import { subjectName } from "./statement.ts";

/** What a check sees. */
export interface PublishCheckContext {
  /** The manifest read from the uploaded archive. */
  manifest: Manifest;
  /** Paths of the files in the archive. */
  files: ReadonlySet<string>;
  /** The signed in-toto subject's name. */
  subjectName: string;
  /** Versions of this package already in the index, in file order. */
  published: readonly IndexRecord[];
  /**
   * Other package names in the registry (only looked up for the first publish of a name; empty
   * otherwise), for the collision rule.
   */
  otherNames?: readonly string[];
  /** The registry's popular names (`popular.json`), for the look-alike rule. */
  popularNames?: readonly string[];
}

/**
 * The form two package names are compared in for collisions (as PEP 503's normalisation, plus
 * Unicode NFKC): NFKC, lower case, `_` → `-`.
 *
 * @param name a package name
 * @returns the collision key
 */
export function collisionKey(name: string): string {
  return name.normalize("NFKC").toLowerCase().replaceAll("_", "-");
}

/** One registry-side rule: returns problem lines (empty when the upload passes). */
export type PublishCheck = (ctx: PublishCheckContext) => string[];

/** `[package]` publish fields: description, SPDX license, readme, repository. */
export const checkPublishFields: PublishCheck = (ctx: PublishCheckContext): string[] =>
  publishProblems(ctx.manifest, ctx.files);

/** Path and git dependencies cannot be resolved by consumers. */
export const checkRegistryDependencies: PublishCheck = (ctx: PublishCheckContext): string[] => {
  const out: string[] = [];
  for (const [name, dep] of ctx.manifest.dependencies) {
    if (dep.path !== undefined || dep.git !== undefined) {
      out.push(
        `[dependencies] ${name} uses a ${
          dep.path !== undefined ? "path" : "git"
        } source; published packages depend on registry versions only`,
      );
    }
  }
  return out;
};

/**
 * A new name may not be confused with an existing or popular one: the same after normalisation
 * (NFKC, case, `_`/`-`, look-alike letters; {@link collisionKey} is the simple part of it), one
 * edit from a popular name, or a popular name with a decoy affix (`checkNameCollision` of
 * `src/manifest/similar_names.ts`).
 */
export const checkNameNotConfusable: PublishCheck = (ctx: PublishCheckContext): string[] => {
  const name = ctx.manifest.package.name;
  if (ctx.published.length > 0) return []; // the name is already this publisher's
  const others = (ctx.otherNames ?? []).filter((n) => n !== name);
  return checkNameCollision(name, others, ctx.popularNames ?? []).map((c) =>
    `[package] name ${JSON.stringify(name)}: ${c.message}; pick a clearly different name`
  );
};

/**
 * Every capability entry of the uploaded manifest (`required`, `optional`, `optional_features`,
 * `allowed` and dependency pins) names a capability of the closed set with a scope in its kind's
 * grammar (`capabilityProblem`: no `..`, no shell or control characters). The manifest reader
 * already refuses such entries; the registry checks again because the entries become index
 * records that every consumer reads.
 */
export const checkCapabilityScopes: PublishCheck = (ctx: PublishCheckContext): string[] => {
  const caps = ctx.manifest.capabilities;
  const entries: [string, readonly string[]][] = [
    ["[capabilities] required", caps.required],
    ["[capabilities] optional", caps.optional],
    ...Object.entries(caps.optionalFeatures).map(([f, list]): [string, string[]] => [
      `[capabilities] optional_features.${f}`,
      list,
    ]),
    ...(caps.allowed === undefined ? [] : [["[capabilities] allowed", caps.allowed] as [
      string,
      string[],
    ]]),
  ];
  for (const deps of [ctx.manifest.dependencies, ctx.manifest.devDependencies]) {
    for (const [name, dep] of deps) {
      if (dep.capabilities !== undefined) entries.push([`dependency ${name}`, dep.capabilities]);
    }
  }
  const out: string[] = [];
  for (const [where, list] of entries) {
    for (const entry of list) {
      const problem = capabilityProblem(entry);
      if (problem !== undefined) out.push(`${where}: ${problem.reason}`);
    }
  }
  return out;
};

/**
 * A patch release may not add a capability (`checkCapabilityMonotonicity`, CAP_E002;
 * README.md §Capabilities): consumers accept patch updates without review.
 */
export const checkCapabilitiesMonotonic: PublishCheck = (ctx: PublishCheckContext): string[] => {
  const all = [
    ...ctx.manifest.capabilities.required,
    ...ctx.published.flatMap((r) => r.capabilities),
  ];
  if (all.some((c) => capabilityProblem(c) !== undefined)) return []; // checkCapabilityScopes says
  const verdict = checkCapabilityMonotonicity(
    ctx.published.map((r) => ({ version: r.version, capabilities: r.capabilities })),
    {
      version: ctx.manifest.package.version,
      capabilities: ctx.manifest.capabilities.required,
    },
  );
  return verdict.ok ? [] : [`${verdict.error?.message ?? "a patch release adds a capability"}`];
};

/** The signed subject must name this package and version. */
export const checkSubjectName: PublishCheck = (ctx: PublishCheckContext): string[] => {
  const want = subjectName(ctx.manifest.package.name, ctx.manifest.package.version);
  return ctx.subjectName === want ? [] : [
    `the signed subject is ${JSON.stringify(ctx.subjectName)}, but the archive is ${
      JSON.stringify(want)
    }`,
  ];
};

/**
 * The checks every publish runs, in order. The single place to add a registry-side rule (for
 * example, "a patch release may not add a capability").
 */
export const PUBLISH_CHECKS: PublishCheck[] = [
  checkPublishFields,
  checkRegistryDependencies,
  checkSubjectName,
  checkNameNotConfusable,
  checkCapabilityScopes,
  checkCapabilitiesMonotonic,
];

/**
 * Run checks and collect every problem, sorted and de-duplicated.
 *
 * @param ctx the upload
 * @param checks the rules; {@link PUBLISH_CHECKS} by default
 * @returns problem lines; empty when the upload may be published
 */
export function runPublishChecks(
  ctx: PublishCheckContext,
  checks: readonly PublishCheck[] = PUBLISH_CHECKS,
): string[] {
  return [...new Set(checks.flatMap((check) => check(ctx)))].sort();
}
