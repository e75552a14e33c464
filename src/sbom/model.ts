/**
 * What an SBOM says about a project, gathered once from the manifest and `mochi.lock` (no clock,
 * no randomness: the same lock gives the same model), then written as CycloneDX 1.6
 * (`cyclonedx.ts`) or SPDX 3.0.1 (`spdx.ts`).
 *
 * Package URLs follow the purl specification (github.com/package-url/purl-spec): `pkg:cargo/…`
 * for crates, `pkg:golang/…` for Go modules, `pkg:pypi/…` for Python distributions. Mochi
 * packages have no registered purl type; they use the type `mochi`, shaped as npm's (a scope is the
 * namespace, percent-encoded: `pkg:mochi/%40scope/name@1.0.0`), documented in README.md.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Lockfile } from "../lockfile/mod.ts";
import { crateSourceKey } from "../lockfile/format.ts";
import type { Manifest } from "../manifest/mod.ts";
import { compareVersions, parseRequirement, parseVersion, satisfies } from "../semver/mod.ts";

/** Which package world a component comes from. */
export type SbomEcosystem = "mochi" | "cargo" | "golang" | "pypi";

/** One digest of a component's archive. */
export interface SbomHash {
  /** The algorithm. */
  alg: "SHA-256" | "BLAKE3";
  /** 64 lowercase hex characters. */
  hex: string;
}

/** One package, crate, module or distribution of the SBOM (or the project itself). */
export interface SbomComponent {
  /** The package URL, also the component's key (unique in a model). */
  purl: string;
  /** Its world. */
  ecosystem: SbomEcosystem;
  /** Name as the lock spells it (`@scope/name`, a crate name, a module path). */
  name: string;
  /** Exact version. */
  version: string;
  /** Archive digests (none for the project itself and for path or git sources). */
  hashes: SbomHash[];
  /** SPDX licence expression, when known. */
  license?: string;
  /** Who published it: the Sigstore identity the lock records (`signer`). */
  signer?: string;
  /** The OIDC issuer of {@link SbomComponent.signer}. */
  signerIssuer?: string;
  /** Capabilities the package requires, sorted. */
  capabilities: string[];
  /** More facts as `[name, value]` pairs (`mochi:source`, `mochi:yanked`, …), sorted. */
  properties: [string, string][];
  /** The purls of the components it depends on, sorted. */
  dependsOn: string[];
}

/** An SBOM's content, format-neutral. */
export interface SbomModel {
  /** The project (the manifest's package); its `dependsOn` are the direct dependencies. */
  root: SbomComponent;
  /** Every locked component, sorted by purl. */
  components: SbomComponent[];
  /** SHA-256 (hex) of the lock's text. */
  lockSha256: string;
  /**
   * SHA-256 (hex) over the lock's text and every licence the model carries: the seed of every
   * identifier the documents carry, so two SBOMs with the same identifiers have the same bytes
   * (the licences read from the store can differ for one lock, before and after an install).
   */
  contentSha256: string;
}

const PURL_KEEP = /[A-Za-z0-9.\-_~]/;

/** Percent-encodes a purl segment (the purl spec: everything but unreserved characters). */
function purlSegment(s: string): string {
  let out = "";
  for (const ch of s) {
    if (PURL_KEEP.test(ch)) out += ch;
    else {
      for (const b of new TextEncoder().encode(ch)) {
        out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
      }
    }
  }
  return out;
}

/**
 * The package URL of a component.
 *
 * @param ecosystem its world
 * @param name its name (`@scope/name`, a crate, a module path, a distribution)
 * @param version exact version
 * @returns `pkg:<type>/<namespace>/<name>@<version>`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packageUrl } from "@mochi/pkg/sbom";
 * assert.equal(packageUrl("mochi", "@mochi/strings", "1.2.0"), "pkg:mochi/%40mochi/strings@1.2.0");
 * assert.equal(packageUrl("cargo", "serde", "1.0.0"), "pkg:cargo/serde@1.0.0");
 * assert.equal(packageUrl("golang", "golang.org/x/mod", "v0.20.0"), "pkg:golang/golang.org/x/mod@v0.20.0");
 * ```
 */
export function packageUrl(ecosystem: SbomEcosystem, name: string, version: string): string {
  let path: string;
  if (ecosystem === "golang") {
    path = name.split("/").map(purlSegment).join("/");
  } else if (ecosystem === "mochi" && name.startsWith("@") && name.includes("/")) {
    const at = name.indexOf("/");
    path = `${purlSegment(name.slice(0, at))}/${purlSegment(name.slice(at + 1))}`;
  } else if (ecosystem === "pypi") {
    // The purl spec's pypi rule: lowercase, `_` as `-`.
    path = purlSegment(name.toLowerCase().replace(/_/g, "-"));
  } else {
    path = purlSegment(name);
  }
  return `pkg:${ecosystem}/${path}@${purlSegment(version)}`;
}

function sortedProps(props: [string, string][]): [string, string][] {
  return props.sort((a, b) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0
  );
}

function byPurl(a: SbomComponent, b: SbomComponent): number {
  return a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0;
}

/**
 * Gathers the SBOM model of a project from its manifest and lock: every `[[package]]`,
 * `[[rust-package]]`, `[[go-package]]` and `[[python-wheel]]` entry with its digests, signer,
 * capabilities and exact dependencies; the project's direct dependencies as the root's edges
 * (the highest locked version meeting each manifest requirement, as `mochi tree` does).
 *
 * @param manifest the project's manifest (the root component; its `license`)
 * @param lock the parsed lock
 * @param lockText the lock's exact text (its SHA-256 seeds the documents' identifiers)
 * @param licenses licence expressions (SPDX) known from elsewhere (a Mochi package's own
 *   `mochi.toml`, a crate's `Cargo.toml` in the store), keyed by the component's package URL
 *   ({@link packageUrl})
 * @returns the model, components sorted by purl
 *
 * @example
 * ```ts
 * import { sbomModel } from "@mochi/pkg/sbom";
 * import assert from "node:assert/strict";
 * import { parseLockfile } from "@mochi/pkg/lockfile";
 * import { parseManifest } from "@mochi/pkg/manifest";
 * const manifest = parseManifest(
 *   '[package]\nname = "app"\nversion = "1.0.0"\nedition = "2026"\nmochi = "*"\n',
 * ).manifest;
 * const lockText = 'version = 1\nmanifest_hash = "blake3-256:' + "0".repeat(64) + '"\n\n' +
 *   '[[package]]\nname = "left-pad"\nversion = "1.0.0"\nsource = "path+vendor/left-pad"\n' +
 *   "capabilities = []\ndependencies = []\n";
 * const model = sbomModel(manifest, parseLockfile(lockText), lockText);
 * assert.equal(model.root.purl, "pkg:mochi/app@1.0.0");
 * assert.deepEqual(model.components.map((c) => c.purl), ["pkg:mochi/left-pad@1.0.0"]);
 * assert.equal(model.lockSha256.length, 64);
 * ```
 */
export function sbomModel(
  manifest: Manifest,
  lock: Lockfile,
  lockText: string,
  licenses: ReadonlyMap<string, string> = new Map(),
): SbomModel {
  const components: SbomComponent[] = [];
  const mochiPurl = new Map<string, string>();
  for (const p of lock.packages) {
    mochiPurl.set(`${p.name} ${p.version}`, packageUrl("mochi", p.name, p.version));
  }
  const cratePurl = new Map<string, string>();
  for (const c of lock.rustPackages ?? []) {
    cratePurl.set(`${c.name} ${c.version}`, packageUrl("cargo", c.name, c.version));
  }
  const goPurl = new Map<string, string>();
  for (const g of lock.goPackages ?? []) {
    goPurl.set(`${g.module} ${g.version}`, packageUrl("golang", g.module, g.version));
  }
  const edgesOf = (deps: readonly string[], table: Map<string, string>) =>
    [...new Set(deps.flatMap((d) => table.get(d) ?? []))].sort();

  for (const p of lock.packages) {
    const hashes: SbomHash[] = [];
    if (p.sha256) hashes.push({ alg: "SHA-256", hex: p.sha256 });
    if (p.blake3) hashes.push({ alg: "BLAKE3", hex: p.blake3 });
    const props: [string, string][] = [["mochi:source", p.source]];
    if (p.yanked) props.push(["mochi:yanked", "true"]);
    const c: SbomComponent = {
      purl: mochiPurl.get(`${p.name} ${p.version}`)!,
      ecosystem: "mochi",
      name: p.name,
      version: p.version,
      hashes,
      capabilities: [...new Set(p.capabilities)].sort(),
      properties: sortedProps(props),
      dependsOn: edgesOf(p.dependencies, mochiPurl),
    };
    if (p.signer !== undefined) c.signer = p.signer;
    if (p.signerIssuer !== undefined) c.signerIssuer = p.signerIssuer;
    components.push(c);
  }
  for (const k of lock.rustPackages ?? []) {
    const props: [string, string][] = [["mochi:source", crateSourceKey(k.source)]];
    for (const f of k.features) props.push(["cargo:feature", f]);
    if (k.yanked) props.push(["mochi:yanked", "true"]);
    components.push({
      purl: cratePurl.get(`${k.name} ${k.version}`)!,
      ecosystem: "cargo",
      name: k.name,
      version: k.version,
      hashes: [{ alg: "SHA-256", hex: k.checksumSha256 }],
      capabilities: [],
      properties: sortedProps(props),
      dependsOn: edgesOf(k.dependencies, cratePurl),
    });
  }
  for (const g of lock.goPackages ?? []) {
    const props: [string, string][] = [
      ["go:h1", g.zipH1],
      ["go:mod-h1", g.gomodH1],
      ["mochi:source", `module-proxy+${g.source.url}`],
    ];
    components.push({
      purl: goPurl.get(`${g.module} ${g.version}`)!,
      ecosystem: "golang",
      name: g.module,
      version: g.version,
      hashes: [{ alg: "BLAKE3", hex: g.zipBlake3 }],
      capabilities: [],
      properties: sortedProps(props),
      dependsOn: edgesOf(g.dependencies, goPurl),
    });
  }
  for (const w of lock.pythonWheels ?? []) {
    const purl = packageUrl("pypi", w.name, w.version);
    components.push({
      purl,
      ecosystem: "pypi",
      name: w.name,
      version: w.version,
      hashes: [{ alg: "SHA-256", hex: w.sha256 }],
      capabilities: [],
      properties: sortedProps([["python:wheel", w.filename], ["mochi:source", `index+${w.index}`]]),
      dependsOn: [],
    });
  }

  // The root's edges: each manifest dependency's highest satisfying locked version, the crates
  // and Go modules no other one depends on (the project's own imports), the direct Python
  // distributions.
  const rootDeps: string[] = [];
  for (const deps of [manifest.dependencies, manifest.devDependencies]) {
    for (const [name, dep] of deps) {
      let req;
      try {
        req = parseRequirement(dep.requirement);
      } catch {
        continue;
      }
      const match = lock.packages
        .filter((p) => p.name === name && satisfies(parseVersion(p.version), req))
        .sort((a, b) => compareVersions(parseVersion(b.version), parseVersion(a.version)))[0];
      if (match) rootDeps.push(mochiPurl.get(`${match.name} ${match.version}`)!);
    }
  }
  const crateDepended = new Set((lock.rustPackages ?? []).flatMap((c) => c.dependencies));
  for (const [id, purl] of cratePurl) if (!crateDepended.has(id)) rootDeps.push(purl);
  const goDepended = new Set((lock.goPackages ?? []).flatMap((g) => g.dependencies));
  for (const [id, purl] of goPurl) if (!goDepended.has(id)) rootDeps.push(purl);
  const direct = new Set((lock.pythonPackages ?? []).map((p) => p.name));
  for (const w of lock.pythonWheels ?? []) {
    if (direct.has(w.name)) rootDeps.push(packageUrl("pypi", w.name, w.version));
  }

  const root: SbomComponent = {
    purl: packageUrl("mochi", manifest.package.name, manifest.package.version),
    ecosystem: "mochi",
    name: manifest.package.name,
    version: manifest.package.version,
    hashes: [],
    capabilities: [],
    properties: [],
    dependsOn: [...new Set(rootDeps)].sort(),
  };
  if (manifest.package.license !== undefined) root.license = manifest.package.license;
  for (const c of components) {
    const lic = licenses.get(c.purl);
    if (lic !== undefined) c.license = lic;
  }
  const lockSha256 = createHash("sha256").update(lockText).digest("hex");
  const licensed = [root, ...components].flatMap((c) =>
    c.license === undefined ? [] : [[c.purl, c.license]]
  ).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return {
    root,
    components: components.sort(byPurl),
    lockSha256,
    contentSha256: createHash("sha256").update(JSON.stringify([lockSha256, licensed])).digest(
      "hex",
    ),
  };
}

/**
 * A name-based UUID (RFC 9562 version 5: SHA-1 of a namespace UUID and a name), so an SBOM's
 * serial number is derived from the lock instead of drawn at random.
 *
 * @param namespace a UUID in its text form
 * @param name the name
 * @returns the UUID text (lowercase)
 *
 * @example
 * ```ts
 * import { UUID_NAMESPACE_URL, uuidV5 } from "@mochi/pkg/sbom";
 * import assert from "node:assert/strict";
 * // RFC 9562's DNS namespace and name of its appendix example (Python's uuid.uuid5 agrees).
 * const dns = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
 * assert.equal(uuidV5(dns, "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
 * assert.equal(uuidV5(UUID_NAMESPACE_URL, "https://example.com/"), "dd2c1780-811a-5296-81c5-178a0ef488bc");
 * ```
 */
export function uuidV5(namespace: string, name: string): string {
  const ns = Uint8Array.from(
    namespace.replace(/-/g, "").match(/../g)!.map((h) => parseInt(h, 16)),
  );
  const bytes = createHash("sha1").update(ns).update(new TextEncoder().encode(name)).digest();
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/** RFC 9562's URL namespace, used with the `mochi-sbom:` name of a lock. */
export const UUID_NAMESPACE_URL = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";
