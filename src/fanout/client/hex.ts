/**
 * The Hex uploader: Hex's HTTP API, `POST {api}/packages/<name>/releases?replace=false` with the
 * package tarball as the body (`application/octet-stream`), the API key raw in `Authorization`.
 * The registry answers 201 with the release (`url`, `html_url`, `checksum`), 422 when it refuses
 * the package (its `errors` named), 401/403 for a bad key.
 *
 * Follows hex_core's `hex_api_release:publish/3` and hexpm/specifications' API blueprint.
 *
 * @module
 */

import { MochiError, quoteValue } from "../../errors.ts";
import type { Artifact, FanoutPackage, UploadReceipt, UploadTarget } from "../types.ts";
import { type Answer, checkRegistryUrl, joinUrl, send, textOf } from "./_upload_http.ts";

function explain(answer: Answer): string | undefined {
  try {
    const body = JSON.parse(textOf(answer)) as { message?: unknown; errors?: unknown };
    const parts: string[] = [];
    if (typeof body.message === "string") parts.push(body.message);
    if (body.errors !== undefined) parts.push(JSON.stringify(body.errors));
    return parts.length > 0 ? parts.join(" ") : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Publishes a packed Hex tarball through Hex's API.
 *
 * @param pkg the package the tarball was packed from
 * @param artifacts what {@link packHex} produced
 * @param to the API root (e.g. `https://<host>/api`) and key
 * @returns the release's URL from the answer and the HTTP status (201)
 * @throws {MochiError} `FANOUT_E010` when the registry refuses (its errors named) or no tarball
 *   was given; `FANOUT_E009` when it cannot be reached; `FANOUT_E012` for a bad URL
 */
export async function uploadHex(
  pkg: FanoutPackage,
  artifacts: Artifact[],
  to: UploadTarget,
): Promise<UploadReceipt> {
  const tarball = artifacts.find((a) => a.role === "primary" && a.fileName.endsWith(".tar"));
  if (tarball === undefined) {
    throw new MochiError("FANOUT_E010", `no Hex tarball to publish for ${quoteValue(pkg.name)}`, {
      hint: "pack the hex target first",
    });
  }
  const url = joinUrl(checkRegistryUrl("hex", to), "packages", pkg.name, "releases");
  url.search = "replace=false";
  const headers: Record<string, string> = {
    Accept: "application/json",
    "Content-Type": "application/octet-stream",
  };
  if (to.token !== undefined) headers.Authorization = to.token;
  const answer = await send(
    "hex",
    to,
    url,
    { method: "POST", headers, body: tarball.bytes },
    explain,
  );
  let location = answer.headers.get("location") ?? url.href;
  try {
    const body = JSON.parse(textOf(answer)) as { html_url?: unknown; url?: unknown };
    if (typeof body.url === "string" && /^https?:\/\//.test(body.url)) location = body.url;
  } catch {
    // an answer without JSON keeps the request URL
  }
  return {
    ecosystem: "hex",
    name: pkg.name,
    version: pkg.version,
    location,
    status: answer.status,
  };
}
