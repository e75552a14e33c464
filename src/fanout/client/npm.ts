/**
 * The npm uploader: one `PUT <registry>/<escaped name>` with the publish document `npm publish`
 * sends (libnpmpublish `buildMetadata`): `_id`, `name`, `description`, `dist-tags` (the version
 * under `latest`, or `next` for a pre-release, which npm 11 will not tag `latest`), `versions`
 * with the version's `package.json` plus `_id` and `dist` (`integrity` sha512 SRI, `shasum` hex
 * SHA-1, `tarball`), `access: "public"`, and `_attachments` holding the tarball (base64) and,
 * when the artifacts hold one, the Sigstore provenance bundle as
 * `<name>-<version>.sigstore` (the name, media type and JSON-text `data` libnpmpublish uses for
 * `--provenance`). `Authorization: Bearer <token>` as npm sends an `_authToken`.
 *
 * A version already on the registry is not an error when its tarball is the same bytes (the
 * registry's `dist.integrity` equals ours): the receipt says status 200, so `mochi publish
 * --target all` can be re-run after a partial failure.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { MochiError } from "../../errors.ts";
import { npmPackageJson } from "../npm.ts";
import type { Artifact, FanoutPackage, Uploader, UploadReceipt, UploadTarget } from "../types.ts";
import { checkRegistryUrl, exchange, refused, textOf, withSlash } from "./_upload_http.ts";

/** npm's escaped name for a URL path: `@scope/name` → `@scope%2fname` (npm-package-arg). */
export function npmEscapedName(name: string): string {
  return name.replace("/", "%2f");
}

function sri512(bytes: Uint8Array): string {
  return `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
}

/**
 * The publish document `npm publish` would PUT for this tarball.
 *
 * @param pkg the package (ecosystem `npm`)
 * @param tarball the `.tgz` artifact
 * @param registry the registry's base URL (for `dist.tarball`)
 * @param bundle the Sigstore bundle's JSON text, when signed
 * @returns the document
 */
export function npmPublishDocument(
  pkg: FanoutPackage,
  tarball: Artifact,
  registry: string,
  bundle?: { text: string; mediaType: string },
): Record<string, unknown> {
  const manifest: Record<string, unknown> = npmPackageJson(pkg);
  const tarballName = `${pkg.name}-${pkg.version}.tgz`;
  manifest._id = `${pkg.name}@${pkg.version}`;
  manifest.dist = {
    integrity: sri512(tarball.bytes),
    shasum: createHash("sha1").update(tarball.bytes).digest("hex"),
    tarball: new URL(`${pkg.name}/-/${tarballName}`, withSlash(registry)).href.replace(
      /^https:\/\//,
      "http://",
    ),
  };
  const tag = pkg.version.includes("-") ? "next" : "latest";
  const attachments: Record<string, unknown> = {
    [tarballName]: {
      content_type: "application/octet-stream",
      data: Buffer.from(tarball.bytes).toString("base64"),
      length: tarball.bytes.byteLength,
    },
  };
  if (bundle !== undefined) {
    attachments[`${pkg.name}-${pkg.version}.sigstore`] = {
      content_type: bundle.mediaType,
      data: bundle.text,
      length: bundle.text.length,
    };
  }
  return {
    _id: pkg.name,
    name: pkg.name,
    ...(pkg.description === undefined ? {} : { description: pkg.description }),
    "dist-tags": { [tag]: pkg.version },
    versions: { [pkg.version]: manifest },
    access: "public",
    _attachments: attachments,
  };
}

/** Largest packument read when checking an existing version, in decoded bytes. */
const MAX_PACKUMENT_BYTES = 16 * 1024 * 1024;

/** The registry's `dist.integrity` of a published version, or undefined. */
async function publishedIntegrity(
  to: UploadTarget,
  url: string,
  version: string,
  what: string,
): Promise<string | undefined> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (to.token !== undefined) headers.authorization = `Bearer ${to.token}`;
  const res = await exchange(to, url, () => ({ method: "GET", headers }), what, {
    retry: false,
    maxBytes: MAX_PACKUMENT_BYTES,
  });
  const text = textOf(res);
  if (res.status !== 200) return undefined;
  try {
    const doc = JSON.parse(text);
    const integrity = doc?.versions?.[version]?.dist?.integrity;
    return typeof integrity === "string" ? integrity : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Publishes the npm tarball (and its `.sigstore.json` provenance, when present) to an npm
 * registry with `PUT <registry>/<escaped name>`.
 *
 * @param pkg the package (ecosystem `npm`)
 * @param artifacts what {@link packNpm} made, plus the signing step's companions
 * @param to registry URL, token (`MOCHI_NPM_TOKEN`), deadline
 * @returns the receipt: status 201/200 (published) or 200 (the same bytes were there)
 * @throws {MochiError} `FANOUT_E009` unreachable, timed out or 5xx; `FANOUT_E010` refused
 *   (401/403 credentials, 409 or 403 the version exists with other bytes, 4xx anything else);
 *   `FANOUT_E012` a URL that cannot take an upload (not http(s), credentials in it, or the token
 *   over plain http to a host that is not loopback), before any request
 */
export const uploadNpm: Uploader = async (
  pkg: FanoutPackage,
  artifacts: Artifact[],
  to: UploadTarget,
): Promise<UploadReceipt> => {
  const tarball = artifacts.find((a) => a.role === "primary" && a.fileName.endsWith(".tgz"));
  if (tarball === undefined) {
    throw new MochiError("INTERNAL_E001", `no npm tarball among the artifacts of ${pkg.name}`);
  }
  const bundleArtifact = artifacts.find((a) => a.fileName === `${tarball.fileName}.sigstore.json`);
  const bundle = bundleArtifact === undefined ? undefined : {
    text: new TextDecoder().decode(bundleArtifact.bytes),
    mediaType: bundleArtifact.mediaType,
  };
  checkRegistryUrl("npm", to);
  const url = new URL(npmEscapedName(pkg.name), withSlash(to.url)).href;
  const what = `npm publish of ${pkg.name} ${pkg.version}`;
  const body = JSON.stringify(npmPublishDocument(pkg, tarball, to.url, bundle));
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "npm-command": "publish",
    accept: "application/json",
  };
  if (to.token !== undefined) headers.authorization = `Bearer ${to.token}`;
  const res = await exchange(to, url, () => ({ method: "PUT", headers, body }), what, {
    retry: false,
  });
  const text = textOf(res);
  if (res.status >= 200 && res.status < 300) {
    return {
      ecosystem: "npm",
      name: pkg.name,
      version: pkg.version,
      location: url,
      status: res.status,
    };
  }
  if (res.status === 409 || res.status === 403) {
    // Already there? The same bytes count as published (a re-run after a partial failure).
    const integrity = await publishedIntegrity(to, url, pkg.version, what);
    if (integrity === sri512(tarball.bytes)) {
      return { ecosystem: "npm", name: pkg.name, version: pkg.version, location: url, status: 200 };
    }
    if (integrity !== undefined) {
      throw new MochiError(
        "FANOUT_E010",
        `${what}: the registry already holds ${pkg.name} ${pkg.version} with other bytes (${integrity})`,
        { hint: "versions are immutable: bump the version in mochi.toml and publish again" },
      );
    }
  }
  throw refused(
    what,
    url,
    res.status,
    text,
    res.status === 401 || res.status === 403
      ? "set MOCHI_NPM_TOKEN to a token that may publish this package"
      : "check the package's metadata; nothing was published to this registry",
  );
};
