/**
 * Resolving Python requirements against a PEP 691 index with the one PubGrub solver: extras as
 * their own solver packages (as uv models them), environment markers applied for a target,
 * `requires-python` checked, yanked files skipped unless pinned with `==`, pre-releases only when
 * a requirement names one (or nothing else matches, as pip's `SpecifierSet.filter` does), and the
 * newest compatible version tried first.
 *
 * The solver runs over PEP 440 versions and version sets (`pep440Scheme`). A requirement's set
 * is made of the candidates its specifier admits under pip's pre-release rule (runs of admitted
 * candidates become intervals), so what the solver may pick is what pip's finder would offer.
 *
 * Candidates follow pip's finder: wheels only (`--only-binary=:all:`), those whose tags the target
 * supports (the best-ranked file of a version is kept), and whose file `requires-python` admits
 * the target Python; the metadata's `Requires-Python` becomes a dependency on the virtual package
 * `Python` (uv's `PubGrubPackage::Python`), so a version that needs another Python is ruled out
 * with a reason.
 *
 * @module
 */
import { MochiError } from "../errors.ts";
import {
  type DependencyProvider,
  NoSolutionError,
  type RequirementRange,
  resolveWith,
} from "../solver/mod.ts";
import { pep440Scheme, Pep440VersionSet } from "./version_set.ts";
import type { CoreMetadata } from "./metadata.ts";
import type { PythonFile, PythonProjectPage } from "./index_page.ts";
import {
  DEFAULT_MARKER_ENVIRONMENT,
  evaluateMarker,
  type MarkerEnvironment,
  parsePythonRequirement,
  type PythonRequirement,
} from "./pep508.ts";
import {
  comparePep440Versions,
  formatPep440,
  isPep440Prerelease,
  parsePep440Version,
  type Pep440Version,
  tryParsePep440Version,
} from "./pep440.ts";
import { parseSpecifierSet, type SpecifierSet } from "./specifiers.ts";
import { normalizePythonName } from "./names.ts";
import {
  macosPlatforms,
  manylinuxPlatforms,
  parseWheelFilename,
  supportedTags,
  wheelRank,
} from "./tags.ts";

/** Where {@link resolvePython} reads projects from: a PEP 691 index client, or a test double. */
export interface PythonPackageSource {
  /** A project's page, or null when the index does not have it. */
  project(name: string): Promise<PythonProjectPage | null>;
  /** The core metadata of one file of a page (PEP 658). */
  metadata(file: PythonFile): Promise<CoreMetadata>;
}

/** The target a resolution is for. */
export interface PythonEnvironment {
  /** Marker variables (PEP 508). */
  readonly markers: MarkerEnvironment;
  /** Supported wheel tags, most preferred first ({@link supportedTags}). */
  readonly tags: readonly string[];
  /** The Python version `requires-python` is checked against, e.g. `3.12.0`. */
  readonly pythonVersion: string;
}

/**
 * The default target: CPython 3.12 on linux x86_64 with glibc 2.17 (manylinux2014), the
 * baseline uv assumes for `x86_64-unknown-linux-gnu`.
 */
export const DEFAULT_PYTHON_ENVIRONMENT: PythonEnvironment = Object.freeze({
  markers: DEFAULT_MARKER_ENVIRONMENT,
  tags: Object.freeze(
    supportedTags({ pythonVersion: [3, 12], platforms: manylinuxPlatforms([2, 17], "x86_64") }),
  ),
  pythonVersion: "3.12.0",
});

/** A target platform {@link pythonEnvironment} knows. */
export type PythonPlatform =
  | "linux-x86_64"
  | "linux-aarch64"
  | "macos-arm64"
  | "macos-x86_64"
  | "windows-x86_64";

/** The platforms {@link pythonEnvironment} knows, for messages. */
export const PYTHON_PLATFORMS: readonly PythonPlatform[] = [
  "linux-x86_64",
  "linux-aarch64",
  "macos-arm64",
  "macos-x86_64",
  "windows-x86_64",
];

/**
 * A CPython target: marker values and supported wheel tags for a Python version on a platform
 * (linux: glibc 2.17, manylinux2014; macOS arm64: 11.0; macOS x86_64: 10.12; Windows: win_amd64),
 * the same baselines uv assumes for its `--python-platform` targets.
 *
 * @param options the Python version (`3.12` or `3.12.4`; default `3.12`) and the platform
 *   (default `linux-x86_64`)
 * @returns the environment for {@link resolvePython}
 * @throws {MochiError} `PY_E003` when the version is not `3.N` or `3.N.M`
 *
 * @example
 * ```ts
 * import { pythonEnvironment } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const mac = pythonEnvironment({ pythonVersion: "3.11", platform: "macos-arm64" });
 * assert.equal(mac.markers.sys_platform, "darwin");
 * assert.equal(mac.tags[0], "cp311-cp311-macosx_11_0_arm64");
 * ```
 */
export function pythonEnvironment(
  options: { pythonVersion?: string; platform?: PythonPlatform } = {},
): PythonEnvironment {
  const text = options.pythonVersion ?? "3.12";
  const m = /^3\.(\d{1,2})(?:\.(\d{1,3}))?$/.exec(text);
  if (m === null) {
    throw new MochiError("PY_E003", `invalid target Python version ${JSON.stringify(text)}`, {
      hint: 'write the target Python as "3.12" or "3.12.4"',
    });
  }
  const minor = Number(m[1]);
  const full = `3.${minor}.${m[2] ?? "0"}`;
  const platform = options.platform ?? "linux-x86_64";
  const [os, arch] = platform.split("-") as ["linux" | "macos" | "windows", string];
  const machine = os === "windows" ? "AMD64" : arch;
  const platforms = os === "linux"
    ? manylinuxPlatforms([2, 17], arch)
    : os === "macos"
    ? macosPlatforms(arch === "arm64" ? [11, 0] : [10, 12], arch as "arm64" | "x86_64")
    : ["win_amd64"];
  return {
    markers: {
      implementation_name: "cpython",
      implementation_version: full,
      os_name: os === "windows" ? "nt" : "posix",
      platform_machine: machine,
      platform_release: "",
      platform_system: os === "linux" ? "Linux" : os === "macos" ? "Darwin" : "Windows",
      platform_version: "",
      python_full_version: full,
      platform_python_implementation: "CPython",
      python_version: `3.${minor}`,
      sys_platform: os === "linux" ? "linux" : os === "macos" ? "darwin" : "win32",
    },
    tags: supportedTags({ pythonVersion: [3, minor], platforms }),
    pythonVersion: full,
  };
}

/** Options of {@link resolvePython}. */
export interface ResolvePythonOptions {
  /** The index (an `openPythonIndex` client) or any {@link PythonPackageSource}. */
  client: PythonPackageSource;
  /** The target; default {@link DEFAULT_PYTHON_ENVIRONMENT}. */
  environment?: PythonEnvironment;
  /** Solver watchdog, milliseconds (default 60,000). */
  timeoutMs?: number;
  /**
   * Versions to keep when they still fit (a lock's picks): name → version. Each is tried first
   * for its name, and a locked version stays available even if it was yanked since (cargo's
   * and uv's rule for locked versions).
   */
  locked?: Readonly<Record<string, string>>;
}

/** The file picked for a resolved version. */
export interface PythonResolvedFile {
  /** Absolute URL of the wheel. */
  readonly url: string;
  /** Lowercase hex SHA-256 the index gives ("" when it gave none). */
  readonly sha256: string;
  /** The wheel's file name. */
  readonly filename: string;
  /** Size in bytes, when the index gave it. */
  readonly sizeBytes?: number;
}

/** One resolved distribution. */
export interface ResolvedPythonPackage {
  /** PEP 503 normalised name. */
  readonly name: string;
  /** The version as the index writes it in the file name (e.g. `2.32.3`). */
  readonly version: string;
  /** The wheel to install. */
  readonly file: PythonResolvedFile;
  /** The extras activated for it, sorted. */
  readonly extras: readonly string[];
  /** Names of the distributions it depends on in this resolution, sorted. */
  readonly dependencies: readonly string[];
}

/** What {@link resolvePython} returns. */
export interface PythonResolution {
  /** Every distribution picked, sorted by name. */
  readonly packages: readonly ResolvedPythonPackage[];
}

/** The solver key of the requirements themselves (one version, the root's only dependency). */
const REQUIREMENTS = "(requirements)";
/** The solver key of the target Python (uv's virtual Python package). */
const PYTHON = "Python";
const ZERO = parsePep440Version("0");

interface Candidate {
  readonly version: Pep440Version;
  readonly text: string;
  readonly file: PythonFile;
  readonly yanked: boolean;
}

/**
 * Resolves PEP 508 requirements to one wheel per distribution.
 *
 * @param requirements requirement strings (`"httpx[http2]>=0.27"`) or parsed requirements;
 *   those whose marker does not hold for the target are left out
 * @param options the index, the target environment, the watchdog
 * @returns the picked distributions, sorted by name
 * @throws NoSolutionError `SOLVER_E002` when no set of versions satisfies the requirements (a
 *   pub-style report in PEP 440 terms)
 * @throws {MochiError} `PY_E003` a requirement is not PEP 508; `PY_E009` a direct URL
 *   requirement (not supported); `PY_E004`–`PY_E007` from the index; `SOLVER_E001` watchdog
 *
 * @example
 * ```ts
 * import { resolvePython } from "@mochi/pkg/python";
 * import assert from "node:assert/strict";
 * const wheel = "demo-1.0-py3-none-any.whl";
 * const client = {
 *   project: (name: string) =>
 *     Promise.resolve(name === "demo" ? {
 *       name: "demo",
 *       files: [{
 *         filename: wheel,
 *         url: `http://127.0.0.1/files/${wheel}`,
 *         sha256: "a".repeat(64),
 *         requiresPython: "",
 *         yanked: false as const,
 *         coreMetadata: { sha256: "" },
 *       }],
 *     } : null),
 *   metadata: () =>
 *     Promise.resolve({
 *       metadataVersion: "2.1",
 *       name: "demo",
 *       version: "1.0",
 *       requiresPython: "",
 *       requiresDist: [],
 *       providesExtra: [],
 *     }),
 * };
 * const { packages } = await resolvePython(["demo>=0.5"], { client });
 * assert.equal(packages[0]?.version, "1.0");
 * ```
 */
export async function resolvePython(
  requirements: readonly (string | PythonRequirement)[],
  options: ResolvePythonOptions,
): Promise<PythonResolution> {
  const parsed = requirements.map((r) => typeof r === "string" ? parsePythonRequirement(r) : r);
  const locked: Record<string, string> = Object.create(null);
  for (const [name, version] of Object.entries(options.locked ?? {})) {
    const v = tryParsePep440Version(version);
    if (v !== undefined) locked[normalizePythonName(name)] = formatPep440(v);
  }
  const provider = new PythonProvider(
    parsed,
    options.client,
    options.environment ?? DEFAULT_PYTHON_ENVIRONMENT,
    locked,
  );
  let picked;
  try {
    picked = await resolveWith(pep440Scheme, provider, {
      name: "(root)",
      version: "0.0.0",
      dependencies: { [REQUIREMENTS]: "" },
    }, {
      knownNeighboursOnly: true,
      locked,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  } catch (e) {
    if (e instanceof NoSolutionError) {
      throw e.with({ rewrite: (report) => provider.rewriteReport(report) });
    }
    throw e;
  }
  const byName = new Map<string, { c: Candidate; extras: Set<string>; deps: Set<string> }>();
  for (const p of picked) {
    if (p.name === REQUIREMENTS || p.name === PYTHON) continue;
    const { base, extra } = splitKey(p.name);
    const c = provider.candidate(base, p.version);
    let entry = byName.get(base);
    if (entry === undefined) byName.set(base, entry = { c, extras: new Set(), deps: new Set() });
    if (extra !== undefined) entry.extras.add(extra);
    for (const dep of p.dependencies.keys()) {
      if (dep === PYTHON) continue;
      const d = splitKey(dep).base;
      if (d !== base) entry.deps.add(d);
    }
  }
  const packages = [...byName.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map((
    [name, { c, extras, deps }],
  ): ResolvedPythonPackage => ({
    name,
    version: c.text,
    file: {
      url: c.file.url,
      sha256: c.file.sha256,
      filename: c.file.filename,
      ...(c.file.sizeBytes === undefined ? {} : { sizeBytes: c.file.sizeBytes }),
    },
    extras: [...extras].sort(),
    dependencies: [...deps].sort(),
  }));
  return { packages };
}

function splitKey(key: string): { base: string; extra?: string } {
  const open = key.indexOf("[");
  if (open < 0) return { base: key };
  return { base: key.slice(0, open), extra: key.slice(open + 1, -1) };
}

/** The solver's view of a Python index: candidates by position, dependencies from metadata. */
class PythonProvider implements DependencyProvider<Pep440VersionSet> {
  readonly #roots: readonly PythonRequirement[];
  readonly #source: PythonPackageSource;
  readonly #env: PythonEnvironment;
  readonly #rank: Map<string, number>;
  readonly #candidates = new Map<string, Promise<Candidate[]>>();
  readonly #known = new Map<string, Candidate[]>();
  readonly #sets = new Map<string, Pep440VersionSet>();
  readonly #locked: Readonly<Record<string, string>>;
  readonly #explicitPre = new Set<string>();

  constructor(
    roots: readonly PythonRequirement[],
    source: PythonPackageSource,
    env: PythonEnvironment,
    locked: Readonly<Record<string, string>>,
  ) {
    this.#locked = locked;
    this.#source = source;
    this.#env = env;
    this.#rank = new Map(env.tags.map((t, i) => [t, i]));
    this.#roots = roots.filter((r) =>
      r.marker === undefined || evaluateMarker(r.marker, env.markers)
    );
    for (const r of this.#roots) {
      if (r.url !== undefined) throw directUrl(r);
      // pip merges every specifier on a name before its pre-release rule (uv's
      // "if-necessary-or-explicit" does the same for the project's own requirements): one
      // requirement naming a pre-release lets pre-releases into every requirement on that name.
      let explicit = false;
      try {
        explicit = parseSpecifierSet(r.specifier).prereleases === true;
      } catch {
        // reported when the requirement's set is made
      }
      if (explicit) this.#explicitPre.add(r.normalizedName);
    }
  }

  /** The candidate of a picked version (after a solve, always known). */
  candidate(name: string, version: Pep440Version): Candidate {
    return this.#known.get(name)!.find((c) => comparePep440Versions(c.version, version) === 0)!;
  }

  prefetch(names: string[]): void {
    for (const n of names) {
      if (n === REQUIREMENTS || n === PYTHON) continue;
      this.#candidatesOf(splitKey(n).base).catch(() => {});
    }
  }

  async listVersions(key: string): Promise<Pep440Version[]> {
    if (key === REQUIREMENTS) return [ZERO];
    if (key === PYTHON) return [parsePep440Version(this.#env.pythonVersion)];
    const name = splitKey(key).base;
    const cands = await this.#candidatesOf(name);
    return cands.map((c) => c.version);
  }

  async getDependencies(
    key: string,
    version: Pep440Version,
  ): Promise<Map<string, RequirementRange<Pep440VersionSet>>> {
    const deps = new Map<string, RequirementRange<Pep440VersionSet>>();
    if (key === PYTHON) return deps;
    if (key === REQUIREMENTS) {
      await this.#addAll(deps, this.#roots, undefined, undefined);
      return deps;
    }
    const { base, extra } = splitKey(key);
    const cands = await this.#candidatesOf(base);
    const c = cands.find((x) => comparePep440Versions(x.version, version) === 0);
    if (c === undefined) throw new Error(`unknown candidate ${key} ${formatPep440(version)}`);
    const meta = await this.#source.metadata(c.file);
    if (meta.name !== base) {
      throw new MochiError(
        "PY_E004",
        `core metadata of ${c.file.filename} names the distribution ${
          JSON.stringify(meta.name)
        }, ` +
          `not ${base}`,
        { hint: "the index serves metadata of another distribution; report it to the index" },
      );
    }
    if (meta.requiresPython !== "" && !this.#pythonAdmits(meta.requiresPython)) {
      // The target Python is the only version of the virtual package `Python`.
      deps.set(PYTHON, {
        set: Pep440VersionSet.fromSpecifierSet(parseSpecifierSet(meta.requiresPython)),
        requirement: meta.requiresPython,
      });
    }
    if (extra !== undefined) {
      deps.set(base, { set: Pep440VersionSet.singleton(version), requirement: `==${c.text}` });
    }
    const wanted = meta.requiresDist.filter((r) =>
      r.marker === undefined ||
      evaluateMarker(r.marker, this.#env.markers, extra === undefined ? [] : [extra])
    );
    await this.#addAll(deps, wanted, base, version);
    return deps;
  }

  async #addAll(
    deps: Map<string, RequirementRange<Pep440VersionSet>>,
    reqs: readonly PythonRequirement[],
    self: string | undefined,
    selfVersion: Pep440Version | undefined,
  ): Promise<void> {
    // Fetch every page first, in parallel.
    await Promise.all(reqs.map((r) => this.#candidatesOf(r.normalizedName)));
    for (const r of reqs) {
      if (r.url !== undefined) throw directUrl(r);
      const name = r.normalizedName;
      const isSelf = name === self;
      const set = isSelf
        ? Pep440VersionSet.singleton(selfVersion!)
        : await this.#allowed(name, r.specifier);
      const text = r.specifier === "" ? "*" : r.specifier;
      const keys = [...(isSelf ? [] : [name]), ...r.extras.map((e) => `${name}[${e}]`)];
      for (const k of keys) {
        const prev = deps.get(k);
        deps.set(
          k,
          prev === undefined
            ? { set, requirement: text }
            : { set: prev.set.intersection(set), requirement: `${prev.requirement},${text}` },
        );
      }
    }
  }

  #pythonAdmits(requiresPython: string): boolean {
    let spec: SpecifierSet;
    try {
      spec = parseSpecifierSet(requiresPython);
    } catch {
      return true; // pip ignores an invalid requires-python (with a warning)
    }
    return spec.contains(this.#env.pythonVersion, { prereleases: true });
  }

  /** The positions of `name`'s candidates a specifier admits (pip's pre-release rule). */
  async #allowed(name: string, specifier: string): Promise<Pep440VersionSet> {
    const id = `${name} ${specifier}`;
    const cached = this.#sets.get(id);
    if (cached !== undefined) return cached;
    const cands = await this.#candidatesOf(name);
    let spec: SpecifierSet;
    try {
      spec = parseSpecifierSet(specifier);
    } catch (e) {
      throw new MochiError("PY_E003", `invalid specifier for ${name}: ${(e as Error).message}`, {
        hint: "fix the requirement (or pin another version of the distribution declaring it)",
        cause: e,
      });
    }
    const pre = spec.prereleases === true || this.#explicitPre.has(name);
    let picked = cands.flatMap((c, i) => spec.contains(c.version, { prereleases: pre }) ? [i] : []);
    if (picked.length === 0 && !pre) {
      // packaging's filter: with no final release admitted, pre-releases are.
      picked = cands.flatMap((c, i) =>
        isPep440Prerelease(c.version) && spec.contains(c.version, { prereleases: true }) ? [i] : []
      );
    }
    // PEP 592 as pip applies it: yanked files are left out unless the specifier pins a version
    // (`==` without a wildcard, or `===`) and every candidate it admits is yanked.
    const pinned = spec.specifiers.some((s) =>
      s.operator === "===" || (s.operator === "==" && !s.version.endsWith(".*"))
    );
    // A locked version stays available even if it was yanked since.
    const yanked = (i: number) =>
      cands[i]!.yanked && this.#locked[name] !== formatPep440(cands[i]!.version);
    if (!pinned || !picked.every(yanked)) picked = picked.filter((i) => !yanked(i));
    let set: Pep440VersionSet;
    if (picked.length === 0) {
      // No candidate: the specifier's own versions, so the solver reports "doesn't match any
      // versions" for the requirement as written (without the candidates it holds but may not
      // take: yanked ones).
      set = Pep440VersionSet.fromSpecifierSet(spec);
      for (const c of cands) {
        if (set.contains(c.version)) {
          set = set.intersection(Pep440VersionSet.singleton(c.version).complement());
        }
      }
    } else {
      // Runs of admitted candidates become [first, next candidate) intervals.
      set = Pep440VersionSet.empty();
      let start = -1;
      const flush = (end: number) => {
        if (start < 0) return;
        set = set.union(Pep440VersionSet.between(cands[start]!.version, cands[end]?.version));
        start = -1;
      };
      let prev = -2;
      for (const i of picked) {
        if (i !== prev + 1) {
          flush(prev + 1);
          start = i;
        }
        prev = i;
      }
      flush(prev + 1);
    }
    this.#sets.set(id, set);
    return set;
  }

  #candidatesOf(name: string): Promise<Candidate[]> {
    let p = this.#candidates.get(name);
    if (p === undefined) {
      p = this.#source.project(name).then((page) => {
        const cands = page === null ? [] : this.#fromPage(page);
        this.#known.set(name, cands);
        return cands;
      });
      this.#candidates.set(name, p);
    }
    return p;
  }

  /** pip's finder: compatible wheels whose requires-python admits the target, best per version. */
  #fromPage(page: PythonProjectPage): Candidate[] {
    const best = new Map<string, { c: Candidate; rank: number }>();
    for (const file of page.files) {
      const wheel = parseWheelFilename(file.filename);
      if (wheel === undefined || wheel.name !== page.name) continue;
      const rank = wheelRank(wheel, this.#rank);
      if (rank === undefined) continue;
      if (file.requiresPython !== "" && !this.#pythonAdmits(file.requiresPython)) continue;
      const version = tryParsePep440Version(wheel.version);
      if (version === undefined) continue;
      const key = formatPep440(version);
      const yanked = file.yanked !== false;
      const prev = best.get(key);
      const better = prev === undefined || (prev.c.yanked && !yanked) ||
        (prev.c.yanked === yanked && rank < prev.rank);
      if (better) best.set(key, { c: { version, text: wheel.version, file, yanked }, rank });
    }
    const out = [...best.values()].map((b) => b.c).sort((a, b) =>
      comparePep440Versions(a.version, b.version)
    );
    // Versions equal under PEP 440 but written differently (1.0 and 1.0.0) count once.
    return out.filter((c, i) =>
      i === 0 || comparePep440Versions(out[i - 1]!.version, c.version) !== 0
    );
  }

  /** Words the virtual packages of a solver report for people. */
  rewriteReport(report: string): string {
    return report
      .replace(
        /\(root\) depends on \(requirements\)(?: \*)? which depends on/g,
        "the requirements depend on",
      )
      .replaceAll(`every version of ${REQUIREMENTS} depends on`, "the requirements depend on")
      .replaceAll(`${REQUIREMENTS} 0 depends on`, "the requirements depend on")
      .replaceAll(`${REQUIREMENTS} is forbidden`, "the requirements cannot all be met")
      .replace(/So, because \(root\) depends on \(requirements\)(?: \*)? ?,/g, "So,")
      .replace(/\(root\) depends on \(requirements\)(?: \*)? ?,/g, "the requirements are needed,")
      .replaceAll(
        "check the name and the configured registry",
        "check the name and the Python index ([registry] pypi or MOCHI_PYPI_INDEX)",
      )
      .replaceAll(`(root) depends on ${REQUIREMENTS} *`, "the requirements are needed")
      .replaceAll(REQUIREMENTS, "the requirements")
      .replace(
        /Python (\S+) which doesn't match any versions/g,
        `Python $1 but the target is Python ${this.#env.pythonVersion}`,
      )
      .replace(
        /no version of Python matches (\S+): relax the requirement or publish a matching version/g,
        `the target is Python ${this.#env.pythonVersion}, not $1: require an older version of ` +
          "the distribution that needs it, or resolve for another Python",
      );
  }
}

function directUrl(r: PythonRequirement): MochiError {
  return new MochiError(
    "PY_E009",
    `${r.name} @ ${r.url} is a direct URL requirement; mochi resolves from the index only`,
    { hint: `require ${r.name} by version (e.g. "${r.name}>=1.0") from the index instead` },
  );
}
