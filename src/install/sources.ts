/**
 * Which registry a package comes from, with several registries configured — the guard against
 * dependency confusion (Alex Birsan, 2021; uv's `--index-strategy first-index`).
 *
 * The manifest configures an ordered list: `[registry] default` (else `MOCHI_REGISTRY`) first,
 * then each `[[registry.alternate]]` in file order. A package name has exactly one owner
 * registry per resolution, and versions are only ever taken from the owner:
 *
 * 1. a dependency whose manifest entry says `registry = "<name>"` is owned by that registry;
 * 2. otherwise a name the lockfile already has keeps the registry the lock records (so adding
 *    or reordering registries never moves a locked package);
 * 3. otherwise the first registry in order that has the name owns it (uv's `first-index`
 *    strategy): a same-named upload with a higher version on a later, public registry is never
 *    a candidate. Registries are asked one after another, so a later one is not even told the
 *    name when an earlier one has it.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import type { IndexRecord } from "../index/mod.ts";
import type { Lockfile } from "../lockfile/mod.ts";
import type { Project } from "./project.ts";
import type { IndexSource } from "./registry_provider.ts";

/** One configured registry. */
export interface RegistrySource {
  /** `"default"` or the alternate's `name`. */
  readonly name: string;
  /** Absolute index root URL (`http(s)://…/` or `file:///…/`), ending in `/`. */
  readonly url: string;
}

/**
 * The lockfile `source` of a registry package: `registry+<index root URL>`.
 *
 * @param url the index root URL
 * @returns the source text
 */
export function registrySourceId(url: string): string {
  return `registry+${url}`;
}

/**
 * Resolves a registry URL or path as the manifest writes it: URLs as they are, paths against the
 * project directory; always ending in `/`.
 *
 * @param raw the URL or path
 * @param projectDir the directory holding `mochi.toml`
 * @returns the absolute URL
 */
export function absoluteRegistryUrl(raw: string, projectDir: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw)
    ? new URL(raw)
    : new URL(raw, new URL(`file://${projectDir.endsWith("/") ? projectDir : projectDir + "/"}`));
  const href = url.href;
  return href.endsWith("/") ? href : href + "/";
}

/**
 * The project's registries in priority order: the default (manifest `[registry] default`, else
 * `fallback`), then the alternates in file order. A URL listed twice keeps its first place.
 *
 * @param project the project
 * @param fallback `MOCHI_REGISTRY`, used when the manifest has no default
 * @returns at least one registry
 * @throws {MochiError} `INDEX_E007` when there is no default registry
 */
export function configuredRegistries(
  project: Project,
  fallback: string | undefined,
): RegistrySource[] {
  const raw = project.manifest.registry.default ?? fallback;
  if (!raw) {
    throw new MochiError("INDEX_E007", "no registry is configured", {
      hint: 'add [registry] default = "<url>" to mochi.toml, or set MOCHI_REGISTRY',
    });
  }
  const out: RegistrySource[] = [{ name: "default", url: absoluteRegistryUrl(raw, project.dir) }];
  for (const alt of project.manifest.registry.alternates) {
    const url = absoluteRegistryUrl(alt.url, project.dir);
    if (!out.some((r) => r.url === url)) out.push({ name: alt.name, url });
  }
  return out;
}

/**
 * The registry each direct dependency names with `registry = "<name>"` (an alternate's name,
 * `"default"`, or the URL of a configured registry).
 *
 * @param project the project
 * @param registries from {@link configuredRegistries}
 * @returns dependency name → registry URL, only for entries that name one
 * @throws {MochiError} `SOURCE_E001` naming the dependency and the unknown registry
 */
export function pinnedRegistries(
  project: Project,
  registries: readonly RegistrySource[],
): Map<string, string> {
  const out = new Map<string, string>();
  const m = project.manifest;
  for (const deps of [m.dependencies, m.devDependencies]) {
    for (const [name, dep] of deps) {
      if (dep.registry === undefined) continue;
      const byName = registries.find((r) => r.name === dep.registry);
      let url = byName?.url;
      if (url === undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(dep.registry)) {
        const abs = absoluteRegistryUrl(dep.registry, project.dir);
        url = registries.find((r) => r.url === abs)?.url;
      }
      if (url === undefined) {
        throw new MochiError(
          "SOURCE_E001",
          `dependency ${name} names registry "${dep.registry}", which mochi.toml does not configure`,
          {
            hint: `add [[registry.alternate]] with name = "${dep.registry}" and its url, or use ` +
              `one of: ${registries.map((r) => r.name).join(", ")}`,
          },
        );
      }
      const prev = out.get(name);
      if (prev !== undefined && prev !== url) {
        throw new MochiError(
          "SOURCE_E001",
          `dependency ${name} names two registries ([dependencies] and [dev-dependencies])`,
          { hint: "name the same registry in both entries" },
        );
      }
      out.set(name, url);
    }
  }
  return out;
}

/**
 * The registry each locked package came from, for names whose locked registry is still
 * configured (a lock naming an unconfigured registry gives no preference).
 *
 * @param lock the lockfile, or undefined
 * @param registries the configured registries
 * @returns package name → registry URL
 */
export function lockedRegistries(
  lock: Lockfile | undefined,
  registries: readonly RegistrySource[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of lock?.packages ?? []) {
    const r = registries.find((x) => registrySourceId(x.url) === p.source);
    if (r !== undefined) out.set(p.name, r.url);
  }
  return out;
}

/**
 * Why a lockfile's sources no longer fit the manifest, or undefined when they do: a dependency
 * the manifest pins to a registry must be locked from that registry. (A lock whose registry is
 * configured nowhere is refused before install fetches anything: `refuseUnconfiguredSources` in
 * `decision.ts`.)
 *
 * @param lock the lockfile
 * @param pinned from {@link pinnedRegistries}
 * @returns a one-line reason naming the package and both sources, or undefined
 */
export function lockSourceProblem(
  lock: Lockfile,
  pinned: ReadonlyMap<string, string>,
): string | undefined {
  const sorted = [...lock.packages].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const p of sorted) {
    const want = pinned.get(p.name);
    if (want !== undefined && p.source !== registrySourceId(want)) {
      return `the source of ${p.name} ${p.version} would change from ${p.source} to ` +
        `${registrySourceId(want)} (mochi.toml names that registry)`;
    }
  }
  return undefined;
}

/**
 * An {@link IndexSource} over several registries that gives each package name one owner
 * registry (see the module doc for the rules) and remembers it for the lockfile.
 */
export class SourceRouter implements IndexSource {
  readonly #registries: readonly RegistrySource[];
  readonly #client: (url: string) => IndexSource;
  readonly #pinned: ReadonlyMap<string, string>;
  readonly #locked: ReadonlyMap<string, string>;
  readonly #owners = new Map<string, Promise<{ url: string; records: IndexRecord[] | null }>>();
  readonly #settled = new Map<string, string>();

  /**
   * Creates a router.
   *
   * @param registries configured registries in priority order (non-empty)
   * @param client opens (or returns the open) client of a registry URL
   * @param pinned dependency name → registry URL the manifest names
   * @param locked package name → registry URL the lockfile records
   */
  constructor(
    registries: readonly RegistrySource[],
    client: (url: string) => IndexSource,
    pinned: ReadonlyMap<string, string> = new Map(),
    locked: ReadonlyMap<string, string> = new Map(),
  ) {
    this.#registries = registries;
    this.#client = client;
    this.#pinned = pinned;
    this.#locked = locked;
  }

  /**
   * The records of `name` from its owner registry only.
   *
   * @param name package name
   * @returns the owner's records, or null when no registry allowed to serve it has it
   */
  async records(name: string): Promise<IndexRecord[] | null> {
    return (await this.#owner(name)).records;
  }

  /**
   * The owner registry URL of a name, once {@link SourceRouter.records} answered for it.
   *
   * @param name package name
   * @returns the registry URL, or undefined when the name was never looked up
   */
  ownerOf(name: string): string | undefined {
    return this.#settled.get(name);
  }

  #owner(name: string): Promise<{ url: string; records: IndexRecord[] | null }> {
    let p = this.#owners.get(name);
    if (p === undefined) {
      p = (async () => {
        const fixed = this.#pinned.get(name) ?? this.#locked.get(name);
        if (fixed !== undefined) {
          return { url: fixed, records: await this.#client(fixed).records(name) };
        }
        for (const r of this.#registries) {
          const records = await this.#client(r.url).records(name);
          if (records !== null) return { url: r.url, records };
        }
        return { url: this.#registries[0]!.url, records: null };
      })();
      p.then((o) => this.#settled.set(name, o.url), () => this.#owners.delete(name));
      this.#owners.set(name, p);
    }
    return p;
  }
}
