/**
 * The publish preflight the registry runs on every upload: one list of checks, each returning
 * the problems it finds; all problems are reported together (HTTP 422). Add a registry-side rule
 * by appending a function to {@link PUBLISH_CHECKS}.
 *
 * @module
 */
import type { IndexRecord } from "../index/mod.ts";
import type { Manifest } from "../manifest/mod.ts";
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
}

/**
 * The form two package names are compared in for collisions (decisions.md §Names): NFKC, lower
 * case, `_` → `-`.
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

/** A new name may not collide with an existing one after normalisation ({@link collisionKey}). */
export const checkNameCollision: PublishCheck = (ctx: PublishCheckContext): string[] => {
  const name = ctx.manifest.package.name;
  const key = collisionKey(name);
  return (ctx.otherNames ?? [])
    .filter((other) => other !== name && collisionKey(other) === key)
    .map((other) =>
      `[package] name ${JSON.stringify(name)} collides with the published package ${
        JSON.stringify(other)
      } (names are compared with - and _ equal, case and Unicode form folded)`
    );
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
  checkNameCollision,
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
