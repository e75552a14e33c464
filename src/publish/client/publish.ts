/**
 * `mochi publish`: pack, attest, sign keylessly, upload (PyPI's and npm's trusted publishing flow).
 *
 * 1. Pack the package reproducibly and run the preflight ({@link packPackage}).
 * 2. Build the in-toto statement: subject `<name>@<version>` with `{blake3, sha256}`, SLSA
 *    provenance v1 with the CI builder, source repository, ref and commit, and the lock's
 *    resolved dependencies.
 * 3. Get an OIDC token ({@link identityToken}), sign with an ephemeral key through Fulcio and
 *    Rekor ({@link signStatement}).
 * 4. POST the tarball and bundle to the registry's publish API.
 *
 * The token and key stay in memory; nothing but the registry upload leaves the process.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import type { IndexRecord } from "../../index/mod.ts";
import { checkCapabilityMonotonicity } from "../../capability/mod.ts";
import { parseLockfile } from "../../lockfile/mod.ts";
import { decodeUtf8Strict } from "../../manifest/utf8.ts";
import {
  provenanceStatement,
  type ResolvedDependency,
  type Statement,
  type YankAction,
  yankStatement,
} from "../statement.ts";
import { identityToken } from "./oidc.ts";
import { type PackedPackage, packPackage } from "./pack.ts";
import { signStatement } from "./sign.ts";
import type { RegistryClient } from "../../registry/client/index_client.ts";
import { openRegistryClients } from "../../registry/client/registry_clients.ts";
import { readAtMost } from "../../registry/client/_bounded_read.ts";
import { resolveMochiHome } from "../../store/fs/fs_store.ts";

/** Options of {@link publishPackage}. */
export interface PublishOptions {
  /** Directory holding `mochi.toml`. */
  projectDir: string;
  /** Registry index URL (`http(s)://…/`). */
  registryUrl: string;
  /** Environment (CI variables, token sources). */
  env: Readonly<Record<string, string | undefined>>;
  /** A token given with `--identity-token`. */
  identityToken?: string;
  /** Fulcio base URL (`MOCHI_FULCIO_URL`); the public-good instance by default. */
  fulcioUrl?: string;
  /** Rekor base URL (`MOCHI_REKOR_URL`); the public-good instance by default. */
  rekorUrl?: string;
  /** Entry mtime (`SOURCE_DATE_EPOCH`); default 0. */
  mtimeSeconds?: number;
  /** Pack and build the statement, but do not sign or upload. */
  dryRun?: boolean;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
  /**
   * `$MOCHI_HOME`, for the registry client's cache and pinned snapshot key; default
   * `MOCHI_HOME` or the platform's cache directory, as install uses.
   */
  mochiHome?: string;
  /**
   * The `mochi.toml` to pack instead of the file on disk (a workspace member's normalized
   * manifest, see `PackOptions.manifestText`).
   */
  manifestText?: string;
  /**
   * With {@link PublishOptions.dryRun}: still run the checks against the registry's history
   * (a patch release may not add a capability, CAP_E002), so a workspace publish refuses a
   * doomed member before any member is signed or uploaded.
   */
  preflightRegistry?: boolean;
  /** An archive already packed (a workspace publish packs every member before uploading any). */
  packed?: PackedPackage;
  /**
   * A workspace member's lock: its provenance lists the packages the root's `mochi.lock`
   * reaches from the member `member` (a member has no lock of its own).
   */
  workspaceLock?: { root: string; member: string };
}

/** What {@link publishPackage} did. */
export interface PublishReport {
  /** The packed package. */
  packed: PackedPackage;
  /** The signed statement. */
  statement: Statement;
  /** `published` (201), `unchanged` (200: the same bytes were there), or `dry-run`. */
  status: "published" | "unchanged" | "dry-run";
  /** Where the token came from (never the token). */
  tokenSource?: string;
  /** The publish API URL posted to. */
  apiUrl?: string;
}

/**
 * The build context a publish's provenance names, from the CI's environment: GitHub Actions
 * (`GITHUB_*`, `RUNNER_ENVIRONMENT`), GitLab CI (`CI_*`), else a local build with the manifest's
 * repository.
 *
 * @param env the environment
 * @param manifestRepo `[package] repository`
 * @returns builder id, source repository, commit, ref and run id (each when known)
 */
export function ciContext(env: PublishOptions["env"], manifestRepo: string | undefined): {
  builderId: string;
  repository: string | undefined;
  commit: string | undefined;
  ref: string | undefined;
  invocationId: string | undefined;
} {
  if (env.GITHUB_ACTIONS === "true") {
    const server = env.GITHUB_SERVER_URL ?? "https://github.com";
    const repo = env.GITHUB_REPOSITORY ? `${server}/${env.GITHUB_REPOSITORY}` : manifestRepo;
    return {
      builderId: `${server}/actions/runner/${env.RUNNER_ENVIRONMENT ?? "github-hosted"}`,
      repository: repo,
      commit: env.GITHUB_SHA,
      ref: env.GITHUB_REF,
      invocationId: env.GITHUB_RUN_ID && repo
        ? `${repo}/actions/runs/${env.GITHUB_RUN_ID}/attempts/${env.GITHUB_RUN_ATTEMPT ?? "1"}`
        : undefined,
    };
  }
  if (env.GITLAB_CI === "true") {
    return {
      builderId: `${env.CI_SERVER_URL ?? "https://gitlab.com"}/${
        env.CI_PROJECT_PATH ?? ""
      }/-/runners/${env.CI_RUNNER_ID ?? ""}`,
      repository: env.CI_PROJECT_URL ?? manifestRepo,
      commit: env.CI_COMMIT_SHA,
      ref: env.CI_COMMIT_REF_NAME ? `refs/heads/${env.CI_COMMIT_REF_NAME}` : undefined,
      invocationId: env.CI_JOB_URL,
    };
  }
  return {
    builderId: "https://mochi-lang.org/pkg/local-build",
    repository: manifestRepo,
    commit: undefined,
    ref: undefined,
    invocationId: undefined,
  };
}

async function lockDependencies(
  projectDir: string,
  member?: string,
): Promise<ResolvedDependency[]> {
  let text: string;
  try {
    // Strict UTF-8, as install reads it.
    text = decodeUtf8Strict(
      await Deno.readFile(`${projectDir}/mochi.lock`),
      `${projectDir}/mochi.lock`,
      "LOCK_E005",
      "run `mochi lock --refresh` to rewrite mochi.lock from mochi.toml",
    );
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  let packages = parseLockfile(text, `${projectDir}/mochi.lock`).packages;
  if (member !== undefined) {
    // A workspace member: the packages its entry reaches, not every member's.
    const byId = new Map(packages.map((p) => [`${p.name} ${p.version}`, p]));
    const start = packages.find((p) => p.name === member && p.source.startsWith("path+"));
    const seen = new Set<string>();
    const queue = [...(start?.dependencies ?? [])];
    while (queue.length > 0) {
      const id = queue.pop()!;
      if (seen.has(id) || !byId.has(id)) continue;
      seen.add(id);
      queue.push(...byId.get(id)!.dependencies);
    }
    packages = packages.filter((p) => seen.has(`${p.name} ${p.version}`));
  }
  return packages.map((p) => ({
    name: p.name,
    version: p.version,
    digest: {
      ...(p.blake3 ? { blake3: p.blake3 } : {}),
      ...(p.sha256 ? { sha256: p.sha256 } : {}),
    },
  }));
}

/**
 * The registry's client for publishing: the same one install uses (signed-snapshot checks with
 * the pinned key, decoded-size caps, strict UTF-8, retries), so what the author signs about is
 * what a consumer would read. Only http(s) registries take uploads.
 */
function publishRegistry(
  registryUrl: string,
  o: {
    env: Readonly<Record<string, string | undefined>>;
    fetch?: typeof fetch;
    mochiHome?: string;
  },
): RegistryClient {
  const base = registryUrl.endsWith("/") ? registryUrl : registryUrl + "/";
  if (!/^https?:\/\//.test(base)) {
    throw new MochiError(
      "PUB_E011",
      `cannot publish to ${base}: publishing needs an http(s) registry`,
      {
        hint: "set [registry] default or MOCHI_REGISTRY to the registry's URL",
      },
    );
  }
  return openRegistryClients({
    mochiHome: o.mochiHome ?? resolveMochiHome(o.env),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  }).client(base);
}

/**
 * The registry-side rules that need the package's history, run before anything is signed (so a
 * doomed publish leaves no transparency-log entry): a patch release may not add a capability
 * (CAP_E002). The registry runs the same check again. An unreachable registry is left for the
 * upload to report; a registry that fails its snapshot checks is not.
 */
async function preflightAgainstRegistry(
  registry: RegistryClient,
  packed: PackedPackage,
): Promise<void> {
  const name = packed.manifest.package.name;
  let published: IndexRecord[] = [];
  try {
    published = (await registry.records(name)) ?? [];
  } catch (e) {
    if (!(e instanceof MochiError && UNREACHABLE.has(e.code))) throw e;
    return;
  }
  const verdict = checkCapabilityMonotonicity(
    published.map((r) => ({ version: r.version, capabilities: r.capabilities })),
    {
      version: packed.manifest.package.version,
      capabilities: packed.manifest.capabilities.required,
    },
  );
  if (!verdict.ok && verdict.error) throw verdict.error;
}

const UNREACHABLE = new Set(["INDEX_E004", "INDEX_E005", "INDEX_E008"]);

/** The publish API's base URL: `config.json`'s `api`, else the index root. */
async function apiBase(registry: RegistryClient): Promise<string> {
  let config;
  try {
    config = await registry.config();
  } catch (e) {
    if (!(e instanceof MochiError && UNREACHABLE.has(e.code))) throw e;
    throw new MochiError("PUB_E011", `registry ${registry.url} did not answer: ${e.message}`, {
      cause: e,
    });
  }
  const api = config.api === null ? registry.url : new URL(config.api, registry.url).href;
  return api.endsWith("/") ? api : api + "/";
}

/** Largest publish API answer read, in decoded bytes (every problem of a 422 fits easily). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** The publish API's answer body, read with a cap (a registry cannot stream without end). */
async function answerText(res: Response, url: string): Promise<string> {
  const bytes = await readAtMost(res.body, {
    bytes: MAX_ANSWER_BYTES,
    error: (received) =>
      new MochiError(
        "PUB_E011",
        `${url} answered HTTP ${res.status} with more than ${MAX_ANSWER_BYTES} bytes ` +
          `(stopped after ${received})`,
        { hint: "the registry is misbehaving; report it to its operator" },
      ),
  });
  return new TextDecoder().decode(bytes);
}

/**
 * Pack, sign and publish the package in `projectDir`.
 *
 * @param o project, registry, environment, token, Fulcio/Rekor URLs
 * @returns the packed package, the statement and the registry's answer
 * @throws {MochiError} pack errors (`PUB_E001`–`PUB_E003`, `MANIFEST_*`); `PUB_E009` no token;
 *   `PUB_E010` signing failed; `PUB_E005` (403) signer not bound to the package; `PUB_E006`
 *   (409) the version exists with other bytes; `PUB_E007` (422) manifest rejected, listing every
 *   problem; `PUB_E008` (401) signature rejected; `PUB_E011` no publish API or another status
 */
export async function publishPackage(o: PublishOptions): Promise<PublishReport> {
  const f = o.fetch ?? fetch;
  const packed = o.packed ?? await packPackage({
    projectDir: o.projectDir,
    mtimeSeconds: o.mtimeSeconds ?? 0,
    ...(o.manifestText !== undefined ? { manifestText: o.manifestText } : {}),
  });
  const pkg = packed.manifest.package;
  const ci = ciContext(o.env, pkg.repository);
  const statement = provenanceStatement({
    name: pkg.name,
    version: pkg.version,
    digest: { blake3: packed.digest.blake3, sha256: packed.digest.sha256 },
    builderId: ci.builderId,
    ...(ci.repository ? { repository: ci.repository } : {}),
    ...(ci.commit ? { commit: ci.commit } : {}),
    ...(ci.ref ? { ref: ci.ref } : {}),
    ...(ci.invocationId ? { invocationId: ci.invocationId } : {}),
    dependencies: o.workspaceLock
      ? await lockDependencies(o.workspaceLock.root, o.workspaceLock.member)
      : await lockDependencies(o.projectDir),
  });
  if (o.dryRun) {
    if (o.preflightRegistry) {
      await preflightAgainstRegistry(publishRegistry(o.registryUrl, o), packed);
    }
    return { packed, statement, status: "dry-run" };
  }
  const registry = publishRegistry(o.registryUrl, o);
  const apiUrl = new URL("api/v1/packages", await apiBase(registry)).href;
  await preflightAgainstRegistry(registry, packed);
  const token = await identityToken({
    ...(o.identityToken ? { explicit: o.identityToken } : {}),
    env: o.env,
    fetch: f,
  });
  const bundle = await signStatement({
    statement,
    identityToken: token.token,
    ...(o.fulcioUrl ? { fulcioUrl: o.fulcioUrl } : {}),
    ...(o.rekorUrl ? { rekorUrl: o.rekorUrl } : {}),
  });
  const form = new FormData();
  form.set(
    "tarball",
    new Blob([packed.archive as BlobPart], { type: "application/zstd" }),
    packed.fileName,
  );
  form.set(
    "bundle",
    new Blob([bundle], { type: "application/json" }),
    `${packed.fileName}.sigstore`,
  );
  let res: Response;
  try {
    res = await f(apiUrl, { method: "POST", body: form, signal: AbortSignal.timeout(120_000) });
  } catch (cause) {
    throw new MochiError(
      "PUB_E011",
      `the publish API ${apiUrl} did not answer: ${(cause as Error).message}`,
      { cause },
    );
  }
  const text = await answerText(res, apiUrl);
  let body: { reason?: string; problems?: string[] } = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { reason: text.trim().slice(0, 500) };
  }
  const what = `${pkg.name} ${pkg.version}`;
  const reason = body.reason ?? `HTTP ${res.status}`;
  switch (res.status) {
    case 201:
      return { packed, statement, status: "published", tokenSource: token.source, apiUrl };
    case 200:
      return { packed, statement, status: "unchanged", tokenSource: token.source, apiUrl };
    case 401:
      throw new MochiError(
        "PUB_E008",
        `the registry rejected the signature of ${what}: ${reason}`,
        {
          hint: "check that the registry trusts the Sigstore instance you signed with",
        },
      );
    case 403:
      throw new MochiError("PUB_E005", `the registry refused ${what}: ${reason}`, {
        hint: "publish from the workflow that published the first version of this package",
      });
    case 409:
      throw new MochiError("PUB_E006", `${what}: ${reason}`, {
        hint: "versions are immutable: bump the version in mochi.toml and publish again",
      });
    case 422:
      throw new MochiError(
        "PUB_E007",
        `the registry rejected ${what}:\n  ${(body.problems ?? [reason]).join("\n  ")}`,
        { hint: "fix these in mochi.toml, then publish a new pack" },
      );
    default:
      throw new MochiError(
        "PUB_E011",
        `the publish API ${apiUrl} answered ${res.status}: ${reason}`,
        {
          hint: res.status === 404 || res.status === 405
            ? "the registry does not accept uploads (mochi registry serve needs --allow-publish)"
            : "try again later",
        },
      );
  }
}

/** Options of {@link yankPackage}. */
export interface YankOptions {
  /** Package name. */
  name: string;
  /** Version to yank or unyank. */
  version: string;
  /** `yank` or `unyank`. */
  action: YankAction;
  /** Why (shown to consumers); yank only. */
  reason?: string;
  /** Registry index URL (`http(s)://…/`). */
  registryUrl: string;
  /** Environment (token sources). */
  env: Readonly<Record<string, string | undefined>>;
  /** A token given with `--identity-token`. */
  identityToken?: string;
  /** Fulcio base URL. */
  fulcioUrl?: string;
  /** Rekor base URL. */
  rekorUrl?: string;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
  /** `$MOCHI_HOME`, as {@link PublishOptions.mochiHome}. */
  mochiHome?: string;
}

/**
 * Yank or unyank a published version: sign a yank statement about its archive (digests from the
 * registry's index) with the publisher's identity and post it to
 * `/api/v1/packages/<name>/<version>/<action>`.
 *
 * @param o package, version, action, reason, registry, token sources
 * @returns where the token came from
 * @throws {MochiError} `INDEX_E002` the version is not in the index; `PUB_E009`/`PUB_E010`
 *   token or signing; `PUB_E005` (403) not the publisher; `PUB_E008` (401) signature rejected;
 *   `PUB_E011` another status
 */
export async function yankPackage(o: YankOptions): Promise<{ tokenSource: string }> {
  const f = o.fetch ?? fetch;
  const registry = publishRegistry(o.registryUrl, o);
  const api = await apiBase(registry);
  // The digests signed over come from a verified read (snapshot checks, caps, strict UTF-8).
  const rec = (await registry.records(o.name))?.find((r) => r.version === o.version);
  if (rec === undefined) {
    throw new MochiError(
      "INDEX_E002",
      `${o.name} ${o.version} is not in the registry ${registry.url}`,
      { hint: "check the package name and version" },
    );
  }
  const token = await identityToken({
    ...(o.identityToken ? { explicit: o.identityToken } : {}),
    env: o.env,
    fetch: f,
  });
  const bundle = await signStatement({
    statement: yankStatement(
      o.name,
      o.version,
      { blake3: rec.blake3, sha256: rec.sha256 },
      o.action,
      o.reason ?? "",
      new Date(),
    ),
    identityToken: token.token,
    ...(o.fulcioUrl ? { fulcioUrl: o.fulcioUrl } : {}),
    ...(o.rekorUrl ? { rekorUrl: o.rekorUrl } : {}),
  });
  const form = new FormData();
  form.set("bundle", new Blob([bundle], { type: "application/json" }), "yank.sigstore");
  const url = new URL(
    `api/v1/packages/${o.name}/${encodeURIComponent(o.version)}/${o.action}`,
    api,
  );
  let answer: Response;
  try {
    answer = await f(url, { method: "POST", body: form, signal: AbortSignal.timeout(60_000) });
  } catch (cause) {
    throw new MochiError("PUB_E011", `${url} did not answer: ${(cause as Error).message}`, {
      cause,
    });
  }
  let body: { reason?: string } = {};
  try {
    body = JSON.parse(await answerText(answer, url.href));
  } catch (e) {
    if (e instanceof MochiError) throw e;
  }
  const reason = body.reason ?? `HTTP ${answer.status}`;
  if (answer.status === 200) return { tokenSource: token.source };
  if (answer.status === 403) {
    throw new MochiError(
      "PUB_E005",
      `the registry refused to ${o.action} ${o.name} ${o.version}: ${reason}`,
      {
        hint: "yank from the workflow that publishes this package",
      },
    );
  }
  if (answer.status === 401) {
    throw new MochiError("PUB_E008", `the registry rejected the signature: ${reason}`);
  }
  throw new MochiError("PUB_E011", `${url} answered ${answer.status}: ${reason}`);
}
