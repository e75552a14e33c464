/**
 * The PyPI uploader: the legacy upload API as twine speaks it (`twine/repository.py` and
 * `twine/package.py`): one `multipart/form-data` POST per distribution file to the repository URL
 * (e.g. `…/legacy/`), with the file's Core Metadata as form fields (`metadata_version`, `name`,
 * `version`, `summary`, `description`, `keywords` joined by `", "`, `author`, `author_email`,
 * `license_expression`, repeated `classifiers`, `requires_dist`, `provides_extra` and
 * `project_urls` as `"label, url"`, …), then `pyversion` (`py3`, or `source` for an sdist),
 * `filetype` (`bdist_wheel` or `sdist`), `sha256_digest`, `attestations` (when the file has a
 * `<file>.sigstore.json` bundle: a PEP 740 attestation made from it), `blake2_256_digest`,
 * `:action=file_upload`, `protocol_version=1`, and the file as `content`
 * (`application/octet-stream`). Authentication is HTTP Basic with the user `__token__` and the
 * API token as password, as PyPI's tokens are used.
 *
 * Answers: 200 is success (the index also answers 200 when the identical file is already
 * there, so publishing again after a partial failure sends the rest); 5xx is retried; a redirect
 * is reported, not followed; anything else is a refusal with the registry's reason.
 *
 * @module
 */

import { blake2b } from "hash-wasm";
import { MochiError } from "../../errors.ts";
import { sha256Hex } from "../archive.ts";
import { pypiCoreMetadata } from "../pypi.ts";
import type { Artifact, FanoutPackage, Uploader, UploadReceipt, UploadTarget } from "../types.ts";
import { checkRegistryUrl, exchange, multipart, refusal } from "./_upload_http.ts";

/** Core Metadata field → the form field twine sends it as (`_RAW_TO_PACKAGE_METADATA`). */
const FORM_NAMES: ReadonlyMap<string, string> = new Map([
  ["Metadata-Version", "metadata_version"],
  ["Name", "name"],
  ["Version", "version"],
  ["Summary", "summary"],
  ["Keywords", "keywords"],
  ["Author", "author"],
  ["Author-email", "author_email"],
  ["License-Expression", "license_expression"],
  ["Classifier", "classifiers"],
  ["Requires-Python", "requires_python"],
  ["Project-URL", "project_urls"],
  ["Requires-Dist", "requires_dist"],
  ["Provides-Extra", "provides_extra"],
  ["Description-Content-Type", "description_content_type"],
]);

/**
 * The form fields twine sends for one distribution file, in order, without the file itself.
 *
 * @param pkg the package the file was packed from
 * @param artifact the wheel or sdist
 * @param bundle its Sigstore bundle (`<file>.sigstore.json`), sent as a PEP 740 attestation
 * @returns `[field, value]` pairs; fields repeat
 * @throws {MochiError} FANOUT_E010 for a file that is neither a wheel nor an sdist; the codes of
 *   {@link pypiCoreMetadata}
 *
 * @example
 * ```ts
 * import { pypiUploadFields } from "@mochi/pkg/fanout/client";
 * import assert from "node:assert/strict";
 * const bytes = new Uint8Array([1, 2, 3]);
 * const fields = await pypiUploadFields({
 *   ecosystem: "pypi", name: "mochi_greet", version: "1.0",
 *   mochi: { name: "@mochi/greet", version: "1.0.0" },
 *   authors: [], keywords: ["a", "b"], dependencies: [], capabilities: [], extra: {}, files: [],
 * }, {
 *   ecosystem: "pypi", fileName: "mochi_greet-1.0.tar.gz", bytes, mediaType: "application/gzip",
 *   sha256: "", sizeBytes: 3, role: "primary",
 * });
 * const get = (k: string) => fields.filter(([f]) => f === k).map(([, v]) => v);
 * assert.deepEqual(get("name"), ["mochi-greet"]);
 * assert.deepEqual(get("keywords"), ["a, b"]);
 * assert.deepEqual(get("filetype"), ["sdist"]);
 * assert.deepEqual(get("pyversion"), ["source"]);
 * ```
 */
export async function pypiUploadFields(
  pkg: FanoutPackage,
  artifact: Artifact,
  bundle?: Artifact,
): Promise<[string, string][]> {
  const kind = fileKind(artifact.fileName);
  const meta = pypiCoreMetadata(pkg);
  const out: [string, string][] = [];
  for (const [field, value] of meta.fields) {
    const form = FORM_NAMES.get(field);
    if (form === undefined) continue;
    if (form === "name") {
      // twine's safe_name: runs of anything but letters, digits and `.` become `-`.
      out.push([form, value.replace(/[^A-Za-z0-9.]+/g, "-")]);
    } else if (form === "keywords") {
      out.push([form, value.split(",").map((k) => k.trim()).filter((k) => k !== "").join(", ")]);
    } else {
      out.push([form, value]);
    }
  }
  if (meta.description !== "") out.push(["description", meta.description]);
  out.push(["pyversion", kind.pyversion], ["filetype", kind.filetype]);
  out.push(["sha256_digest", sha256Hex(artifact.bytes)]);
  if (bundle !== undefined) {
    out.push(["attestations", JSON.stringify([pep740Attestation(artifact, bundle)])]);
  }
  out.push(["blake2_256_digest", await blake2b(artifact.bytes, 256)]);
  out.push([":action", "file_upload"], ["protocol_version", "1"]);
  return out;
}

/**
 * A PEP 740 attestation made from a DSSE Sigstore bundle, as `pypi-attestations`'
 * `Attestation.from_bundle` makes it for twine: `version` 1, the signing certificate (DER,
 * base64) and the bundle's transparency log entry as `verification_material`, the DSSE payload
 * (the in-toto statement) and signature as `envelope`. The statement must name this file and its
 * SHA-256, as the index checks.
 *
 * @param dist the wheel or sdist
 * @param bundle its bundle
 * @returns the attestation object
 * @throws {MochiError} FANOUT_E010 when the bundle is not a DSSE bundle with one signature, a
 *   certificate and a log entry, or its statement is for another file or digest
 *
 * @example
 * ```ts
 * import { pep740Attestation } from "@mochi/pkg/fanout/client";
 * import { makeArtifact } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const dist = makeArtifact("pypi", "x-1.0.tar.gz", new Uint8Array([1]), "application/gzip");
 * const statement = btoa(JSON.stringify({
 *   _type: "https://in-toto.io/Statement/v1",
 *   subject: [{ name: "x-1.0.tar.gz", digest: { sha256: dist.sha256 } }],
 * }));
 * const bundle = makeArtifact("pypi", "x-1.0.tar.gz.sigstore.json", new TextEncoder().encode(
 *   JSON.stringify({
 *     verificationMaterial: { certificate: { rawBytes: "MIIB" }, tlogEntries: [{ logIndex: "7" }] },
 *     dsseEnvelope: {
 *       payload: statement, payloadType: "application/vnd.in-toto+json",
 *       signatures: [{ sig: "MEUC", keyid: "" }],
 *     },
 *   }),
 * ), "application/json", "companion");
 * assert.deepEqual(pep740Attestation(dist, bundle), {
 *   version: 1,
 *   verification_material: { certificate: "MIIB", transparency_entries: [{ logIndex: "7" }] },
 *   envelope: { statement, signature: "MEUC" },
 * });
 * ```
 */
export function pep740Attestation(dist: Artifact, bundle: Artifact): Record<string, unknown> {
  const bad = (why: string) =>
    new MochiError("FANOUT_E010", `the bundle ${JSON.stringify(bundle.fileName)} ${why}`, {
      hint: "sign the artifacts again (mochi publish --target pypi signs them)",
    });
  let b: {
    verificationMaterial?: {
      certificate?: { rawBytes?: unknown };
      x509CertificateChain?: { certificates?: { rawBytes?: unknown }[] };
      tlogEntries?: unknown[];
    };
    dsseEnvelope?: { payload?: unknown; payloadType?: unknown; signatures?: { sig?: unknown }[] };
  };
  try {
    b = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bundle.bytes));
  } catch {
    throw bad("is not JSON");
  }
  const vm = b?.verificationMaterial;
  const cert = vm?.certificate?.rawBytes ?? vm?.x509CertificateChain?.certificates?.[0]?.rawBytes;
  const entry = vm?.tlogEntries?.[0];
  const env = b?.dsseEnvelope;
  const sig = env?.signatures?.[0]?.sig;
  if (
    typeof cert !== "string" || typeof entry !== "object" || entry === null ||
    typeof env?.payload !== "string" || env.payloadType !== "application/vnd.in-toto+json" ||
    env.signatures?.length !== 1 || typeof sig !== "string"
  ) {
    throw bad("is not a DSSE bundle with one signature, a certificate and a log entry");
  }
  let subjects: { name?: unknown; digest?: { sha256?: unknown } }[] = [];
  try {
    const statement = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(
        Uint8Array.from(atob(env.payload), (c) => c.charCodeAt(0)),
      ),
    );
    subjects = Array.isArray(statement?.subject) ? statement.subject : [];
  } catch {
    throw bad("has a payload that is not a base64 in-toto statement");
  }
  if (!subjects.some((s) => s?.name === dist.fileName && s?.digest?.sha256 === dist.sha256)) {
    throw bad(`does not attest ${dist.fileName} with its SHA-256`);
  }
  return {
    version: 1,
    verification_material: { certificate: cert, transparency_entries: [entry] },
    envelope: { statement: env.payload, signature: sig },
  };
}

function fileKind(fileName: string): { filetype: string; pyversion: string } {
  if (fileName.endsWith(".whl")) {
    const parts = fileName.slice(0, -4).split("-");
    if (parts.length === 5 || parts.length === 6) {
      return { filetype: "bdist_wheel", pyversion: parts.at(-3)! };
    }
  }
  if (fileName.endsWith(".tar.gz")) return { filetype: "sdist", pyversion: "source" };
  throw new MochiError(
    "FANOUT_E010",
    `${JSON.stringify(fileName)} is neither a wheel nor a .tar.gz sdist`,
    { hint: "upload the files packPypi made" },
  );
}

/**
 * Uploads every PyPI distribution among `artifacts` (the `primary` `.whl` and `.tar.gz` files, in
 * their order) to the legacy upload API at `to.url`.
 *
 * @param pkg the package the artifacts were packed from (its metadata becomes the form fields)
 * @param artifacts what {@link packPypi} made (other files are ignored)
 * @param to the upload URL (`…/legacy/`), the API token, deadline, signal, fetch
 * @returns the last answer's status and the upload URL
 * @throws {MochiError} FANOUT_E010 for a bad URL, a token over plain http to another host, an
 *   artifact whose bytes no longer match its digest, no distribution to send, a redirect or a
 *   refusal (4xx, with the index's reason); FANOUT_E009 when the index cannot be reached, times
 *   out or keeps failing (5xx)
 *
 * @example
 * ```ts
 * import { uploadPypi } from "@mochi/pkg/fanout/client";
 * import { packPypi } from "@mochi/pkg/fanout";
 * import assert from "node:assert/strict";
 * const seen: string[] = [];
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
 *   const form = await req.formData();
 *   seen.push(`${form.get("filetype")} ${(form.get("content") as File).name}`);
 *   return new Response("OK");
 * });
 * const pkg = {
 *   ecosystem: "pypi" as const, name: "mochi-greet", version: "1.0",
 *   mochi: { name: "@mochi/greet", version: "1.0.0" },
 *   authors: [], keywords: [], dependencies: [], capabilities: [], extra: {},
 *   files: [{ path: "mochi_greet/__init__.py", bytes: new Uint8Array(), executable: false }],
 * };
 * const url = `http://127.0.0.1:${server.addr.port}/legacy/`;
 * const receipt = await uploadPypi(pkg, await packPypi(pkg), { url, timeoutMs: 5000 });
 * await server.shutdown();
 * assert.equal(receipt.status, 200);
 * assert.deepEqual(seen, [
 *   "bdist_wheel mochi_greet-1.0-py3-none-any.whl",
 *   "sdist mochi_greet-1.0.tar.gz",
 * ]);
 * ```
 */
export const uploadPypi: Uploader = async (
  pkg: FanoutPackage,
  artifacts: Artifact[],
  to: UploadTarget,
): Promise<UploadReceipt> => {
  const url = checkRegistryUrl("pypi", to, "FANOUT_E010").href;
  const dists = artifacts.filter((a) =>
    a.ecosystem === "pypi" && a.role === "primary" &&
    (a.fileName.endsWith(".whl") || a.fileName.endsWith(".tar.gz"))
  );
  if (dists.length === 0) {
    throw new MochiError(
      "FANOUT_E010",
      `no wheel or sdist of ${pkg.name} ${pkg.version} to upload`,
      {
        hint: "pack the pypi target first",
      },
    );
  }
  const headers: Record<string, string> = { "user-agent": "mochi-pkg" };
  if (to.token !== undefined) {
    headers.authorization = `Basic ${btoa(`__token__:${to.token}`)}`;
  }
  let status = 0;
  for (const a of dists) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._+!-]*$/.test(a.fileName) || a.fileName.length > 255) {
      // It goes into a multipart header: a quote or line break would forge form fields.
      throw new MochiError(
        "FANOUT_E010",
        `${JSON.stringify(a.fileName.slice(0, 200))} is not a distribution file name`,
        { hint: "upload the files packPypi made" },
      );
    }
    if (sha256Hex(a.bytes) !== a.sha256 || a.bytes.byteLength !== a.sizeBytes) {
      throw new MochiError(
        "FANOUT_E010",
        `${a.fileName} no longer matches the digest it was packed with`,
        { hint: "pack again; nothing was uploaded for this file" },
      );
    }
    const bundle = artifacts.find((b) =>
      b.ecosystem === "pypi" && b.fileName === `${a.fileName}.sigstore.json`
    );
    const fields = await pypiUploadFields(pkg, a, bundle);
    const what = `${a.fileName}`;
    // The values as they are, the file last, as requests-toolbelt writes them for twine.
    const { body, contentType } = multipart([
      ...fields.map(([name, value]) => ({ name, bytes: new TextEncoder().encode(value) })),
      {
        name: "content",
        filename: a.fileName,
        contentType: "application/octet-stream",
        bytes: a.bytes,
      },
    ]);
    const answer = await exchange(to, url, () => ({
      method: "POST",
      headers: { ...headers, "content-type": contentType },
      body,
    }), what);
    if (answer.status !== 200) throw refusal(url, what, answer);
    status = answer.status;
  }
  return { ecosystem: "pypi", name: pkg.name, version: pkg.version, location: url, status };
};
