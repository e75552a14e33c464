/**
 * The NuGet uploader: NuGet's v2 push, `PUT` of a multipart/form-data body whose one part is the
 * `.nupkg` (`name="package"; filename="package.nupkg"`, `application/octet-stream`), the API key
 * in `X-NuGet-ApiKey`. The push URL is the `PackagePublish/2.0.0` resource of the source's
 * service index; a bare host gets `/api/v2/package/` as NuGet's client adds it. The registry
 * answers 201 Created or 202 Accepted, 409 Conflict when the version exists.
 *
 * Follows NuGet.Client `PackageUpdateResource` (`CreateRequest`, `GetServiceEndpointUrl`) and
 * the NuGet server API's push-and-delete page.
 *
 * @module
 */

import { MochiError, quoteValue } from "../../errors.ts";
import type { Artifact, FanoutPackage, UploadReceipt, UploadTarget } from "../types.ts";
import { checkRegistryUrl, multipart, send } from "./_upload_http.ts";

/**
 * Pushes a packed `.nupkg` with NuGet's v2 push protocol.
 *
 * @param pkg the package the artifact was packed from
 * @param artifacts what {@link packNuget} produced
 * @param to the push URL and API key
 * @returns the push URL and the HTTP status (201 or 202)
 * @throws {MochiError} `FANOUT_E010` when the registry refuses (409: the version exists) or no
 *   `.nupkg` was given; `FANOUT_E009` when it cannot be reached; `FANOUT_E012` for a bad URL
 */
export async function uploadNuget(
  pkg: FanoutPackage,
  artifacts: Artifact[],
  to: UploadTarget,
): Promise<UploadReceipt> {
  const nupkg = artifacts.find((a) => a.role === "primary" && a.fileName.endsWith(".nupkg"));
  if (nupkg === undefined) {
    throw new MochiError("FANOUT_E010", `no .nupkg to push for ${quoteValue(pkg.name)}`, {
      hint: "pack the nuget target first",
    });
  }
  const url = checkRegistryUrl("nuget", to);
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/api/v2/package/";
  const { body, contentType } = multipart([
    {
      name: "package",
      filename: "package.nupkg",
      contentType: "application/octet-stream",
      bytes: nupkg.bytes,
    },
  ]);
  const headers: Record<string, string> = {
    "Content-Type": contentType,
    "X-NuGet-Protocol-Version": "4.1.0",
  };
  if (to.token !== undefined) headers["X-NuGet-ApiKey"] = to.token;
  const answer = await send("nuget", to, url, { method: "PUT", headers, body });
  return {
    ecosystem: "nuget",
    name: pkg.name,
    version: pkg.version,
    location: answer.headers.get("location") ?? url.href,
    status: answer.status,
  };
}
