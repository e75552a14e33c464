/**
 * The JSR uploader: the requests `deno publish` sends to JSR's API (jsr-io/jsr
 * `api/src/api/package.rs` `version_publish_handler`; observed from Deno 2.9's client against a
 * loopback server in `tests/fanout_jsr_upload_test.ts`):
 *
 * 1. `GET <api>scopes/<scope>/packages/<name>/versions/<version>`: 200 means the version is
 *    published already, and the upload is skipped as `deno publish` skips it (receipt status 200);
 * 2. `GET <api>scopes/<scope>/packages/<name>` with the token: 404 means the package does not
 *    exist on the registry (JSR wants it created first);
 * 3. `POST <api>scopes/<scope>/packages/<name>/versions/<version>?config=/deno.json` (or
 *    `/jsr.json` when the archive has no `deno.json`), `Content-Encoding: gzip`, the archive as
 *    the body, `Authorization: Bearer <token>`; the answer is a publishing task;
 * 4. `GET <api>publish_status/<task id>` until the task's `status` is `success` or `failure`.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import type { Artifact, FanoutPackage, Uploader, UploadReceipt, UploadTarget } from "../types.ts";
import { checkRegistryUrl, excerpt, exchange, refused, textOf, withSlash } from "./_upload_http.ts";

/** How long the uploader waits for JSR to process a publish, at most, in milliseconds. */
export const JSR_PROCESSING_LIMIT_MS = 120_000;

function parts(name: string): { scope: string; pkg: string } {
  const m = /^@([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(name);
  if (m === null) {
    throw new MochiError("FANOUT_E004", `${JSON.stringify(name)} is not a JSR name (@scope/name)`);
  }
  return { scope: m[1]!, pkg: m[2]! };
}

interface Task {
  id: string;
  status: string;
  error?: { code?: string; message?: string } | null;
}

function parseTask(text: string, url: string, what: string): Task {
  let t: unknown;
  try {
    t = JSON.parse(text);
  } catch {
    t = undefined;
  }
  const task = t as Partial<Task> | undefined;
  if (
    typeof task?.id !== "string" || !/^[0-9a-fA-F-]{1,64}$/.test(task.id) ||
    typeof task.status !== "string"
  ) {
    throw new MochiError(
      "FANOUT_E009",
      `${what}: ${url} answered without a publishing task: ${excerpt(text)}`,
      { hint: "the registry is misbehaving; report it to its operator" },
    );
  }
  return task as Task;
}

/**
 * Publishes the JSR archive as `deno publish` does (see the module doc).
 *
 * @param pkg the package (ecosystem `jsr`)
 * @param artifacts what {@link packJsr} made (the `.jsr.tgz`), plus any companions
 * @param to the JSR API base URL (`…/api/`), token (`MOCHI_JSR_TOKEN`), deadline per request
 * @returns the receipt: 200 when published (or already there), with the version's API URL
 * @throws {MochiError} `FANOUT_E009` unreachable, timed out, 5xx, a malformed task or processing
 *   past {@link JSR_PROCESSING_LIMIT_MS}; `FANOUT_E010` refused (no token, no such package, the
 *   task failed, naming JSR's error code and message); `FANOUT_E012` a URL that cannot take an
 *   upload (not http(s), credentials in it, or the token over plain http to a host that is not
 *   loopback), before any request
 */
export const uploadJsr: Uploader = async (
  pkg: FanoutPackage,
  artifacts: Artifact[],
  to: UploadTarget,
): Promise<UploadReceipt> => {
  const archive = artifacts.find((a) => a.role === "primary" && a.fileName.endsWith(".jsr.tgz"));
  if (archive === undefined) {
    throw new MochiError("INTERNAL_E001", `no JSR archive among the artifacts of ${pkg.name}`);
  }
  checkRegistryUrl("jsr", to);
  const { scope, pkg: name } = parts(pkg.name);
  const api = withSlash(to.url);
  const what = `JSR publish of ${pkg.name} ${pkg.version}`;
  const auth: Record<string, string> = to.token === undefined
    ? {}
    : { authorization: `Bearer ${to.token}` };
  const versionUrl = new URL(
    `scopes/${scope}/packages/${name}/versions/${encodeURIComponent(pkg.version)}`,
    api,
  ).href;
  const receipt = (status: number): UploadReceipt => ({
    ecosystem: "jsr",
    name: pkg.name,
    version: pkg.version,
    location: versionUrl,
    status,
  });

  const existing = await exchange(to, versionUrl, () => ({ method: "GET" }), what, {
    retry: false,
  });
  const existingText = textOf(existing);
  if (existing.status === 200) return receipt(200);
  if (existing.status !== 404) {
    throw refused(what, versionUrl, existing.status, existingText, "check the JSR API URL");
  }
  if (to.token === undefined) {
    throw new MochiError("FANOUT_E010", `${what}: no token to publish with`, {
      hint: "set MOCHI_JSR_TOKEN to a JSR token with the package/publish permission",
    });
  }
  const packageUrl = new URL(`scopes/${scope}/packages/${name}`, api).href;
  const pkgRes = await exchange(to, packageUrl, () => ({ method: "GET", headers: auth }), what, {
    retry: false,
  });
  const pkgText = textOf(pkgRes);
  if (pkgRes.status === 404) {
    throw new MochiError(
      "FANOUT_E010",
      `${what}: the package ${pkg.name} does not exist on ${api}`,
      { hint: "create the package on the registry first (JSR wants it created before a publish)" },
    );
  }
  if (pkgRes.status !== 200) {
    throw refused(what, packageUrl, pkgRes.status, pkgText, "check MOCHI_JSR_TOKEN");
  }

  // packJsr puts a deno.json in when the capabilities hold one; deno publish then names it.
  const config = pkg.capabilities.some((c) => c.path === "deno.json") ? "/deno.json" : "/jsr.json";
  const publishUrl = `${versionUrl}?config=${encodeURIComponent(config)}`;
  const res = await exchange(
    to,
    publishUrl,
    () => ({
      method: "POST",
      headers: { ...auth, "content-encoding": "gzip" },
      body: archive.bytes as BodyInit,
    }),
    what,
    { retry: false },
  );
  const text = textOf(res);
  if (res.status !== 200) {
    let code = "";
    try {
      code = String(JSON.parse(text)?.code ?? "");
    } catch {
      // not JSON
    }
    if (code === "duplicateVersionPublish") return receipt(200);
    throw refused(
      what,
      publishUrl,
      res.status,
      text,
      res.status === 401 || res.status === 403
        ? "set MOCHI_JSR_TOKEN to a token that may publish this package"
        : "check jsr.json and the archive; nothing was published",
    );
  }
  let task = parseTask(text, publishUrl, what);
  const started = Date.now();
  let pause = 100;
  const limit = Math.max(JSR_PROCESSING_LIMIT_MS, to.timeoutMs);
  while (task.status !== "success" && task.status !== "failure") {
    if (Date.now() - started > limit) {
      throw new MochiError(
        "FANOUT_E009",
        `${what}: the registry was still processing task ${task.id} after ${limit} ms`,
        { hint: "check the package on the registry; publish again later if it is not there" },
      );
    }
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 2_000);
    const statusUrl = new URL(`publish_status/${task.id}`, api).href;
    const s = await exchange(to, statusUrl, () => ({ method: "GET", headers: auth }), what, {
      retry: false,
    });
    const sText = textOf(s);
    if (s.status !== 200) throw refused(what, statusUrl, s.status, sText, "publish again");
    task = parseTask(sText, statusUrl, what);
  }
  if (task.status === "failure") {
    const code = JSON.stringify(String(task.error?.code ?? "unknown"));
    throw new MochiError(
      "FANOUT_E010",
      `${what}: the registry refused the package (${code}): ${
        excerpt(String(task.error?.message ?? ""))
      }`,
      {
        hint:
          "fix what the registry names, bump nothing (the version was not taken), publish again",
      },
    );
  }
  return receipt(200);
};
