/**
 * The SwiftPM uploader: SE-0292's "create a package release", `PUT {url}/{scope}/{name}/{version}`
 * with a multipart/form-data body holding `source-archive` (`application/zip`) and `metadata`
 * (`application/json`, SE-0391's release metadata), `Accept: application/vnd.swift.registry.v1+json`,
 * the token as `Authorization: Bearer`. The registry answers 201 Created (synchronous, `Location`
 * the release) or 202 Accepted (asynchronous, `Location` the status to poll), 409 when the release
 * exists, 422 when it refuses the archive.
 *
 * Follows swift-package-manager `Documentation/PackageRegistry/Registry.md` §3.2, §4.6.
 *
 * @module
 */

import { MochiError, quoteValue } from "../../errors.ts";
import type { Artifact, FanoutPackage, UploadReceipt, UploadTarget } from "../types.ts";
import { splitSwiftIdentifier } from "../swiftpm.ts";
import { type Answer, checkRegistryUrl, joinUrl, multipart, send, textOf } from "./_upload_http.ts";

function problem(answer: Answer): string | undefined {
  try {
    const body = JSON.parse(textOf(answer)) as { detail?: unknown };
    return typeof body.detail === "string" ? body.detail : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Publishes a packed source archive with SE-0292's publish endpoint.
 *
 * @param pkg the package the archive was packed from (`scope.name` identifier)
 * @param artifacts what {@link packSwiftpm} produced (the zip, and its metadata companion)
 * @param to the registry's base URL and token
 * @returns the `Location` the registry gave and the HTTP status (201, or 202 when asynchronous)
 * @throws {MochiError} `FANOUT_E010` when the registry refuses (409: the release exists) or no
 *   archive was given; `FANOUT_E009` when it cannot be reached; `FANOUT_E004` for a bad
 *   identifier; `FANOUT_E012` for a bad URL
 */
export async function uploadSwiftpm(
  pkg: FanoutPackage,
  artifacts: Artifact[],
  to: UploadTarget,
): Promise<UploadReceipt> {
  const archive = artifacts.find((a) => a.role === "primary" && a.fileName.endsWith(".zip"));
  if (archive === undefined) {
    throw new MochiError(
      "FANOUT_E010",
      `no source archive to publish for ${quoteValue(pkg.name)}`,
      {
        hint: "pack the swiftpm target first",
      },
    );
  }
  const metadata = artifacts.find((a) => a.fileName.endsWith(".metadata.json"));
  const { scope, name } = splitSwiftIdentifier(pkg.name);
  const url = joinUrl(checkRegistryUrl("swiftpm", to), scope, name, pkg.version);
  const { body, contentType } = multipart([
    // A file name as `curl -F source-archive=@<file>` sends it: servers read the part as a file.
    {
      name: "source-archive",
      filename: archive.fileName,
      contentType: "application/zip",
      bytes: archive.bytes,
    },
    {
      name: "metadata",
      contentType: "application/json",
      bytes: metadata?.bytes ?? new TextEncoder().encode("{}"),
    },
  ]);
  const headers: Record<string, string> = {
    Accept: "application/vnd.swift.registry.v1+json",
    "Content-Type": contentType,
  };
  if (to.token !== undefined) headers.Authorization = `Bearer ${to.token}`;
  const answer = await send("swiftpm", to, url, { method: "PUT", headers, body }, problem);
  const location = answer.headers.get("location");
  return {
    ecosystem: "swiftpm",
    name: pkg.name,
    version: pkg.version,
    location: location !== null && /^https?:\/\//.test(location) ? location : url.href,
    status: answer.status,
  };
}
