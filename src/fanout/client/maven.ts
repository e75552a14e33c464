/**
 * The Maven uploader: the repository layout over HTTP PUT, as `maven-deploy-plugin` (through
 * Maven Resolver's HTTP transport) deploys a release: every file of the version folder
 * `<group as path>/<artifactId>/<version>/` — the jar, sources and javadoc jars, each with its
 * `.md5`/`.sha1`/`.sha256`/`.sha512` file and the `.sigstore.json` bundle beside it when the
 * signing step made one — with the pom last, then the artifact's `maven-metadata.xml` merged with
 * the one already there (GET, add the version, `latest` and `release` set to it as the resolver
 * does, `lastUpdated` now) and its checksums. The metadata PUT is conditional (`If-Match` on the
 * ETag read, or `If-None-Match: *` when there was none) and the merge is redone when another
 * deploy won the race (412).
 *
 * The token goes as `Authorization: Bearer <token>`, or as HTTP Basic when it is written
 * `user:password` (what Nexus, Artifactory and Reposilite take for deploy users).
 *
 * @module
 */

import { MochiError } from "../../errors.ts";
import { hashHex, sha256Hex } from "../archive.ts";
import { MAVEN_CHECKSUMS, mavenVersionDir } from "../maven.ts";
import type { Artifact, FanoutPackage, Uploader, UploadReceipt, UploadTarget } from "../types.ts";
import { type Answer, checkRegistryUrl, exchange, refusal } from "./_upload_http.ts";

/** How many times the `maven-metadata.xml` merge is redone after losing a race (412). */
const METADATA_ATTEMPTS = 3;
const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

const enc = new TextEncoder();
const dec = new TextDecoder();

function authHeader(token: string | undefined): Record<string, string> {
  if (token === undefined) return {};
  return {
    authorization: token.includes(":") ? `Basic ${btoa(token)}` : `Bearer ${token}`,
  };
}

/**
 * The order files are deployed in: everything but the pom (each file then its companions, as
 * given), then the pom and its companions, so a repository that acts on the pom sees the rest.
 */
function deployOrder(files: Artifact[], pomName: string): Artifact[] {
  const isPom = (a: Artifact) => a.fileName === pomName || a.fileName.startsWith(`${pomName}.`);
  return [...files.filter((a) => !isPom(a)), ...files.filter(isPom)];
}

/**
 * Merges `version` into an artifact's `maven-metadata.xml` (or starts one).
 *
 * @param existing the current file's bytes, or undefined when there is none
 * @param group the groupId
 * @param artifact the artifactId
 * @param version the version deployed
 * @param now the deploy time (`lastUpdated`, UTC `yyyyMMddHHmmss`)
 * @returns the new file's text
 * @throws {MochiError} FANOUT_E010 when the existing file is for other coordinates
 *
 * @example
 * ```ts
 * import { mergeMavenMetadata } from "@mochi/pkg/fanout/client";
 * import assert from "node:assert/strict";
 * const old = new TextEncoder().encode(
 *   "<metadata><groupId>g</groupId><artifactId>a</artifactId><versioning><versions>" +
 *     "<version>1.0</version></versions></versioning></metadata>",
 * );
 * const xml = mergeMavenMetadata(old, "g", "a", "1.1", new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
 * assert.match(xml, /<version>1\.0<\/version>\n\s+<version>1\.1<\/version>/);
 * assert.match(xml, /<release>1\.1<\/release>/);
 * assert.match(xml, /<lastUpdated>20260102030405<\/lastUpdated>/);
 * ```
 */
export function mergeMavenMetadata(
  existing: Uint8Array | undefined,
  group: string,
  artifact: string,
  version: string,
  now: Date,
): string {
  const versions: string[] = [];
  if (existing !== undefined) {
    const text = dec.decode(existing);
    const g = /<groupId>\s*([^<]*?)\s*<\/groupId>/.exec(text)?.[1];
    const a = /<artifactId>\s*([^<]*?)\s*<\/artifactId>/.exec(text)?.[1];
    if ((g !== undefined && g !== group) || (a !== undefined && a !== artifact)) {
      throw new MochiError(
        "FANOUT_E010",
        `the repository's maven-metadata.xml for ${group}:${artifact} names other coordinates`,
        { hint: "check the registry URL and the group in [targets.jvm]" },
      );
    }
    const list = /<versions>([\s\S]*?)<\/versions>/.exec(text)?.[1] ?? "";
    for (const m of list.matchAll(/<version>\s*([^<]*?)\s*<\/version>/g)) {
      const v = m[1]!;
      if (VERSION_RE.test(v) && !versions.includes(v)) versions.push(v);
    }
  }
  if (!versions.includes(version)) versions.push(version);
  const p2 = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getUTCFullYear()}${p2(now.getUTCMonth() + 1)}${p2(now.getUTCDate())}` +
    `${p2(now.getUTCHours())}${p2(now.getUTCMinutes())}${p2(now.getUTCSeconds())}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<metadata>",
    `  <groupId>${group}</groupId>`,
    `  <artifactId>${artifact}</artifactId>`,
    "  <versioning>",
    `    <latest>${version}</latest>`,
    `    <release>${version}</release>`,
    "    <versions>",
    ...versions.map((v) => `      <version>${v}</version>`),
    "    </versions>",
    `    <lastUpdated>${stamp}</lastUpdated>`,
    "  </versioning>",
    "</metadata>",
    "",
  ].join("\n");
}

/**
 * Deploys a packed Maven version to a repository by HTTP PUT in the Maven repository layout.
 *
 * @param pkg the package (`group`, `name` = artifactId, `version`)
 * @param artifacts what {@link packMaven} made, plus any `<file>.sigstore.json` bundles; every
 *   file must be named `<artifactId>-<version>…`
 * @param to the repository base URL (`https://…/repository/releases/`), token, deadline, signal,
 *   fetch
 * @returns the version folder's URL and the last PUT's status
 * @throws {MochiError} FANOUT_E010 for a bad URL, a token over plain http to another host, a
 *   file that does not belong to this version or no longer matches its digest, a redirect or a
 *   refusal (4xx, e.g. a release already deployed); FANOUT_E009 when the repository cannot be
 *   reached, times out or keeps failing; FANOUT_E004/FANOUT_E002 for coordinates the layout
 *   cannot hold
 *
 * @example
 * ```ts
 * import { uploadMaven } from "@mochi/pkg/fanout/client";
 * import { packMaven } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const put: string[] = [];
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
 *   await req.arrayBuffer();
 *   if (req.method === "GET") return new Response(null, { status: 404 });
 *   put.push(new URL(req.url).pathname);
 *   return new Response(null, { status: 201 });
 * });
 * const pkg = {
 *   ecosystem: "maven" as const, name: "greet", group: "dev.mochi", version: "1.0.0",
 *   mochi: { name: "@mochi/greet", version: "1.0.0" },
 *   authors: [], keywords: [], dependencies: [], capabilities: [], extra: {}, files: [],
 * };
 * const url = `http://127.0.0.1:${server.addr.port}/releases/`;
 * const r = await uploadMaven(pkg, await packMaven(pkg), { url, timeoutMs: 5000 });
 * await server.shutdown();
 * assert.equal(r.location, `${url}dev/mochi/greet/1.0.0/`);
 * assert.ok(put.includes("/releases/dev/mochi/greet/1.0.0/greet-1.0.0.jar.sha512"));
 * assert.equal(put.at(-5), "/releases/dev/mochi/greet/maven-metadata.xml");
 * ```
 */
export const uploadMaven: Uploader = async (
  pkg: FanoutPackage,
  artifacts: Artifact[],
  to: UploadTarget,
): Promise<UploadReceipt> => {
  const base = checkRegistryUrl("maven", to, "FANOUT_E010");
  const root = base.href.endsWith("/") ? base.href : `${base.href}/`;
  if (pkg.group === undefined) {
    throw new MochiError("FANOUT_E004", "the maven target has no groupId", {
      hint: 'set group = "org.example" in [targets.jvm]',
    });
  }
  const dir = mavenVersionDir(pkg.group, pkg.name, pkg.version);
  const stem = `${pkg.name}-${pkg.version}`;
  const files = artifacts.filter((a) => a.ecosystem === "maven");
  if (!files.some((a) => a.fileName === `${stem}.pom`)) {
    throw new MochiError("FANOUT_E010", `no ${stem}.pom among the artifacts to deploy`, {
      hint: "pack the maven target first",
    });
  }
  for (const a of files) {
    const rest = a.fileName.slice(stem.length);
    if (
      !a.fileName.startsWith(stem) || a.fileName.includes("/") || a.fileName.includes("\\") ||
      !/^(-[A-Za-z0-9_.]+)?\.[A-Za-z0-9_.]+$/.test(rest) || rest.includes("..")
    ) {
      throw new MochiError(
        "FANOUT_E010",
        `${JSON.stringify(a.fileName)} is not a file of ${pkg.group}:${pkg.name}:${pkg.version}`,
        { hint: `every file deployed must be named ${stem}[-classifier].<extension>` },
      );
    }
    if (sha256Hex(a.bytes) !== a.sha256 || a.bytes.byteLength !== a.sizeBytes) {
      throw new MochiError(
        "FANOUT_E010",
        `${a.fileName} no longer matches the digest it was packed with`,
        { hint: "pack again; nothing more was deployed" },
      );
    }
  }
  const auth = authHeader(to.token);
  const put = async (
    path: string,
    bytes: Uint8Array,
    mediaType: string,
    extra: Record<string, string> = {},
  ): Promise<Answer> => {
    const url = `${root}${path}`;
    return await exchange(to, url, () => ({
      method: "PUT",
      headers: { ...auth, ...extra, "content-type": mediaType, "user-agent": "mochi-pkg" },
      body: bytes as Uint8Array<ArrayBuffer>,
    }), path.slice(path.lastIndexOf("/") + 1));
  };
  const ok = (s: number) => s === 200 || s === 201 || s === 204;
  let status = 0;
  for (const a of deployOrder(files, `${stem}.pom`)) {
    const answer = await put(`${dir}${a.fileName}`, a.bytes, a.mediaType);
    if (!ok(answer.status)) throw refusal(`${root}${dir}${a.fileName}`, a.fileName, answer);
    status = answer.status;
  }

  // maven-metadata.xml: read, merge, write conditionally; redo when another deploy won.
  const metaPath = `${pkg.group.replaceAll(".", "/")}/${pkg.name}/maven-metadata.xml`;
  const metaUrl = `${root}${metaPath}`;
  for (let attempt = 1;; attempt++) {
    const got = await exchange(to, metaUrl, () => ({
      method: "GET",
      headers: { ...auth, "user-agent": "mochi-pkg" },
    }), "maven-metadata.xml");
    if (got.status !== 200 && got.status !== 404) throw refusal(metaUrl, "maven-metadata.xml", got);
    const etag = got.status === 200 ? got.headers.get("etag") : null;
    const xml = enc.encode(
      mergeMavenMetadata(
        got.status === 200 ? got.body : undefined,
        pkg.group,
        pkg.name,
        pkg.version,
        new Date(),
      ),
    );
    const condition: Record<string, string> = got.status === 404
      ? { "if-none-match": "*" }
      : etag !== null
      ? { "if-match": etag }
      : {};
    const answer = await put(metaPath, xml, "application/xml", condition);
    if (answer.status === 412 && attempt < METADATA_ATTEMPTS) continue;
    if (!ok(answer.status)) throw refusal(metaUrl, "maven-metadata.xml", answer);
    for (const alg of MAVEN_CHECKSUMS) {
      const c = await put(`${metaPath}.${alg}`, enc.encode(hashHex(alg, xml)), "text/plain");
      if (!ok(c.status)) throw refusal(`${metaUrl}.${alg}`, `maven-metadata.xml.${alg}`, c);
      status = c.status;
    }
    break;
  }
  return {
    ecosystem: "maven",
    name: `${pkg.group}:${pkg.name}`,
    version: pkg.version,
    location: `${root}${dir}`,
    status,
  };
};
