/**
 * The cargo uploader: cargo's publish API, `PUT {api}/api/v1/crates/new` with the body cargo
 * sends: a little-endian u32 length, the JSON metadata (`NewCrate`: name, vers, deps, features,
 * authors, description, documentation, homepage, readme, readme_file, keywords, categories,
 * license, license_file, repository, badges, links, rust_version), another u32 length and the
 * `.crate` bytes; the token goes raw in `Authorization`. The registry answers 200 with
 * `{"warnings": …}`, or an `{"errors": [{"detail": …}]}` body (with any status) when it refuses.
 *
 * Follows cargo's `crates-io` crate (`NewCrate`, `Registry::publish`) and the Cargo Book's
 * registry web API page.
 *
 * @module
 */

import { MochiError, quoteValue } from "../../errors.ts";
import type { Artifact, FanoutPackage, UploadReceipt, UploadTarget } from "../types.ts";
import {
  type Answer,
  checkRegistryUrl,
  joinUrl,
  registryWords,
  send,
  textOf,
} from "./_upload_http.ts";

function errorsOf(answer: Answer): string | undefined {
  try {
    const body = JSON.parse(textOf(answer)) as { errors?: { detail?: unknown }[] };
    if (!Array.isArray(body.errors) || body.errors.length === 0) return undefined;
    return body.errors.map((e) => String(e?.detail ?? "")).join("; ");
  } catch {
    return undefined;
  }
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** The `NewCrate` JSON cargo sends for a package (cargo's `crates-io` crate). */
export function newCrateMetadata(pkg: FanoutPackage): Record<string, unknown> {
  const extra = pkg.extra;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    name: pkg.name,
    vers: pkg.version,
    deps: pkg.dependencies.map((d) => ({
      optional: false,
      default_features: true,
      name: d.name,
      features: [],
      version_req: d.range,
      target: null,
      kind: d.kind === "dev" ? "dev" : "normal",
      registry: null,
      explicit_name_in_toml: null,
    })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    features: {},
    authors: pkg.authors,
    description: pkg.description ?? null,
    documentation: str(extra.documentation),
    homepage: pkg.homepage ?? null,
    readme: pkg.readme === undefined ? null : new TextDecoder().decode(pkg.readme.bytes),
    readme_file: pkg.readme?.path ?? null,
    keywords: pkg.keywords,
    categories: Array.isArray(extra.categories) ? extra.categories : [],
    license: pkg.license ?? null,
    license_file: null,
    repository: pkg.repository ?? null,
    badges: {},
    links: null,
    rust_version: str(extra["rust-version"]),
  };
}

/**
 * Publishes a packed crate with cargo's publish API.
 *
 * @param pkg the package the crate was packed from (its metadata goes in the JSON)
 * @param artifacts what {@link packCrates} produced (the `.crate` is the primary artifact)
 * @param to the registry's API root (`config.json`'s `api`) and token
 * @returns where the crate version now lives and the HTTP status
 * @throws {MochiError} `FANOUT_E010` when the registry refuses (errors named) or no `.crate` was
 *   given; `FANOUT_E009` when it cannot be reached; `FANOUT_E012` for an unusable URL
 */
export async function uploadCrates(
  pkg: FanoutPackage,
  artifacts: Artifact[],
  to: UploadTarget,
): Promise<UploadReceipt> {
  const crate = artifacts.find((a) => a.role === "primary" && a.fileName.endsWith(".crate"));
  if (crate === undefined) {
    throw new MochiError("FANOUT_E010", `no .crate to publish for ${quoteValue(pkg.name)}`, {
      hint: "pack the crates target first",
    });
  }
  const base = checkRegistryUrl("crates", to);
  const url = joinUrl(base, "api", "v1", "crates", "new");
  const json = new TextEncoder().encode(JSON.stringify(newCrateMetadata(pkg)));
  const body = new Uint8Array(8 + json.length + crate.bytes.length);
  body.set(u32le(json.length), 0);
  body.set(json, 4);
  body.set(u32le(crate.bytes.length), 4 + json.length);
  body.set(crate.bytes, 8 + json.length);
  const headers: Record<string, string> = {
    Accept: "application/json",
    "Content-Type": "application/octet-stream",
  };
  if (to.token !== undefined) headers.Authorization = to.token;
  const answer = await send("crates", to, url, { method: "PUT", headers, body }, errorsOf);
  const refused = errorsOf(answer);
  if (refused !== undefined) {
    throw new MochiError(
      "FANOUT_E010",
      `the crates registry refused ${pkg.name} ${pkg.version}: ${registryWords(refused)}`,
      { hint: "fix what the registry names, then publish again" },
    );
  }
  return {
    ecosystem: "crates",
    name: pkg.name,
    version: pkg.version,
    location: joinUrl(base, "api", "v1", "crates", pkg.name, pkg.version).href,
    status: answer.status,
  };
}
