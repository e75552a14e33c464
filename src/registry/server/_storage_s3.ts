/**
 * The S3 backend of {@link RegistryStorage}: path-style requests (`<endpoint>/<bucket>/<key>`)
 * signed with AWS Signature Version 4 by the `aws4fetch` library, conditional `PutObject`
 * (`If-None-Match: *`, `If-Match`, answered 412 when the condition fails, as S3 documents for
 * conditional writes), `ListObjectsV2` read with a size cap, presigned GET URLs for blob
 * redirects. Loaded only by `openStorage` for an `s3://` URL.
 *
 * @module
 */
import { AwsClient } from "aws4fetch";
import { MochiError } from "../../errors.ts";
import {
  checkStorageKey,
  type ObjectInfo,
  type OpenedObject,
  type PutOptions,
  type RegistryStorage,
  type S3Settings,
  type StoredObject,
} from "./storage_types.ts";

const MAX_LIST_PAGE_BYTES = 8 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * Opens `s3://bucket/prefix` with settings from `settings`, then `env`, then the shared AWS
 * credentials/config files.
 *
 * @throws {MochiError} `REGISTRY_E002` for a malformed URL, no endpoint or no credentials
 */
export async function openS3Storage(
  url: string,
  settings: S3Settings,
  env: Record<string, string | undefined>,
): Promise<RegistryStorage> {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (m === null) {
    throw new MochiError("REGISTRY_E002", `${JSON.stringify(url)} is not s3://bucket/prefix`, {
      hint: "bucket names are 3-63 lowercase letters, digits, dots and hyphens",
    });
  }
  const bucket = m[1]!;
  const prefix = (m[2] ?? "").replace(/\/+$/, "");
  if (prefix !== "") checkStorageKey(prefix);
  const files = await sharedFiles(env);
  const endpoint = settings.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ??
    files.config.get("endpoint_url");
  const accessKeyId = settings.accessKeyId ?? env.AWS_ACCESS_KEY_ID ??
    files.credentials.get("aws_access_key_id");
  const secretAccessKey = settings.secretAccessKey ?? env.AWS_SECRET_ACCESS_KEY ??
    files.credentials.get("aws_secret_access_key");
  const sessionToken = settings.sessionToken ?? env.AWS_SESSION_TOKEN ??
    files.credentials.get("aws_session_token");
  const region = settings.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ??
    files.config.get("region") ?? "us-east-1";
  if (endpoint === undefined || !/^https?:\/\/[^/]+\/?$/.test(endpoint)) {
    throw new MochiError(
      "REGISTRY_E002",
      endpoint === undefined
        ? `no S3 endpoint for ${url}`
        : `the S3 endpoint ${JSON.stringify(endpoint)} is not http(s)://host[:port]`,
      { hint: "set AWS_ENDPOINT_URL (e.g. http://127.0.0.1:9000) or endpoint_url in the config" },
    );
  }
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new MochiError("REGISTRY_E002", `no S3 credentials for ${url}`, {
      hint: "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a [default] profile in " +
        "~/.aws/credentials",
    });
  }
  const client = new AwsClient({
    accessKeyId,
    secretAccessKey,
    ...(sessionToken === undefined ? {} : { sessionToken }),
    service: "s3",
    region,
    retries: 0,
  });
  return new S3Storage(
    url.replace(/\/+$/, ""),
    client,
    endpoint.replace(/\/$/, ""),
    bucket,
    prefix,
    settings.timeoutMs ?? 30_000,
    settings.fetch ?? fetch,
  );
}

/** The default profile of `~/.aws/credentials` and `~/.aws/config` (or the env's files). */
async function sharedFiles(env: Record<string, string | undefined>): Promise<{
  credentials: Map<string, string>;
  config: Map<string, string>;
}> {
  const home = env.HOME ?? env.USERPROFILE;
  const profile = env.AWS_PROFILE ?? "default";
  const credPath = env.AWS_SHARED_CREDENTIALS_FILE ??
    (home === undefined ? undefined : `${home}/.aws/credentials`);
  const confPath = env.AWS_CONFIG_FILE ?? (home === undefined ? undefined : `${home}/.aws/config`);
  return {
    credentials: await iniSection(credPath, profile),
    config: await iniSection(confPath, profile === "default" ? "default" : `profile ${profile}`),
  };
}

async function iniSection(path: string | undefined, section: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (path === undefined) return out;
  let text: string;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile || info.size > MAX_CONFIG_FILE_BYTES) return out;
    text = await Deno.readTextFile(path);
  } catch {
    return out;
  }
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head !== null) {
      inSection = head[1]!.trim() === section;
      continue;
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (inSection && kv !== null) out.set(kv[1]!.toLowerCase(), kv[2]!.trim());
  }
  return out;
}

class S3Storage implements RegistryStorage {
  readonly kind = "s3" as const;
  constructor(
    readonly url: string,
    private readonly client: AwsClient,
    private readonly endpoint: string,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly timeoutMs: number,
    private readonly fetchFn: typeof fetch,
  ) {}

  #objectUrl(key: string): string {
    const full = this.prefix === ""
      ? checkStorageKey(key)
      : `${this.prefix}/${checkStorageKey(key)}`;
    return `${this.endpoint}/${this.bucket}/${full.split("/").map(encodeURIComponent).join("/")}`;
  }

  async #send(method: string, url: string, init: RequestInit = {}): Promise<Response> {
    const signed = await this.client.sign(url, { method, ...init });
    try {
      return await this.fetchFn(signed, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new MochiError(
        "REGISTRY_E003",
        `${method} ${url} failed: ${e instanceof Error ? e.message : String(e)}`,
        { hint: "check that the S3 endpoint is up and reachable", cause: e },
      );
    }
  }

  async #fail(method: string, key: string, res: Response): Promise<never> {
    const body = await readCapped(res, MAX_ERROR_BODY_BYTES).catch(() => new Uint8Array());
    const code = /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(new TextDecoder().decode(body))?.[1];
    throw new MochiError(
      "REGISTRY_E003",
      `${method} ${key} in ${this.url} answered ${res.status}${code ? ` (${code})` : ""}`,
      {
        hint: res.status === 403
          ? "check the S3 credentials and the bucket policy"
          : res.status === 404
          ? "create the bucket first"
          : "the S3 service failed; try again",
      },
    );
  }

  async get(key: string, maxBytes: number): Promise<StoredObject | undefined> {
    const res = await this.#send("GET", this.#objectUrl(key));
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) return await this.#fail("GET", key, res);
    const bytes = await readCapped(res, maxBytes).catch((e) => {
      throw new MochiError(
        "REGISTRY_E003",
        `${key} in ${this.url}: ${e instanceof Error ? e.message : String(e)}`,
        { hint: "the registry storage holds a file larger than expected; check what wrote it" },
      );
    });
    return { key, sizeBytes: bytes.length, etag: res.headers.get("etag") ?? "", bytes };
  }

  async open(key: string): Promise<OpenedObject | undefined> {
    const res = await this.#send("GET", this.#objectUrl(key));
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok || res.body === null) return await this.#fail("GET", key, res);
    return {
      key,
      sizeBytes: Number(res.headers.get("content-length") ?? "0"),
      etag: res.headers.get("etag") ?? "",
      body: res.body,
    };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const res = await this.#send("HEAD", this.#objectUrl(key));
    await res.body?.cancel();
    if (res.status === 404) return undefined;
    if (!res.ok) return await this.#fail("HEAD", key, res);
    return {
      key,
      sizeBytes: Number(res.headers.get("content-length") ?? "0"),
      etag: res.headers.get("etag") ?? "",
    };
  }

  async put(key: string, bytes: Uint8Array, options: PutOptions = {}): Promise<string | undefined> {
    const headers: Record<string, string> = {
      "Content-Type": options.contentType ?? "application/octet-stream",
    };
    const c = options.condition;
    if (c !== undefined) {
      if ("ifNoneMatch" in c) headers["If-None-Match"] = "*";
      else headers["If-Match"] = c.ifMatch;
    }
    const res = await this.#send("PUT", this.#objectUrl(key), {
      headers,
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    // 412: the condition failed; 409: S3's ConditionalRequestConflict (a racing write).
    if (c !== undefined && (res.status === 412 || res.status === 409)) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) return await this.#fail("PUT", key, res);
    await res.body?.cancel();
    return res.headers.get("etag") ?? "";
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const base = this.prefix === "" ? "" : `${this.prefix}/`;
    let token: string | undefined;
    for (;;) {
      const q = new URLSearchParams({ "list-type": "2", prefix: base + prefix });
      if (token !== undefined) q.set("continuation-token", token);
      const url = `${this.endpoint}/${this.bucket}?${q}`;
      const res = await this.#send("GET", url);
      if (!res.ok) return await this.#fail("LIST", prefix, res);
      const xml = new TextDecoder().decode(await readCapped(res, MAX_LIST_PAGE_BYTES));
      for (const c of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const body = c[1]!;
        const full = xmlText(/<Key>([\s\S]*?)<\/Key>/.exec(body)?.[1]);
        if (full === undefined || !full.startsWith(base)) continue;
        const key = full.slice(base.length);
        const segments = key.split("/");
        const last = segments[segments.length - 1]!;
        if (last.startsWith(".")) continue;
        const dotDir = segments.slice(0, -1).findIndex((s) => s.startsWith("."));
        if (dotDir >= 0 && !prefix.startsWith(segments.slice(0, dotDir + 1).join("/") + "/")) {
          continue;
        }
        try {
          checkStorageKey(key);
        } catch {
          continue;
        }
        yield {
          key,
          sizeBytes: Number(/<Size>(\d+)<\/Size>/.exec(body)?.[1] ?? "0"),
          etag: xmlText(/<ETag>([\s\S]*?)<\/ETag>/.exec(body)?.[1]) ?? "",
        };
      }
      if (!/<IsTruncated>true<\/IsTruncated>/.test(xml)) return;
      token = xmlText(/<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)?.[1]);
      if (token === undefined) return;
    }
  }

  async delete(key: string): Promise<void> {
    const res = await this.#send("DELETE", this.#objectUrl(key));
    if (!res.ok && res.status !== 404) return await this.#fail("DELETE", key, res);
    await res.body?.cancel();
  }

  async directUrl(key: string, expiresInS: number): Promise<string | undefined> {
    const url = new URL(this.#objectUrl(key));
    url.searchParams.set("X-Amz-Expires", String(Math.max(1, Math.floor(expiresInS))));
    const signed = await this.client.sign(url.href, { method: "GET", aws: { signQuery: true } });
    return signed.url;
  }
}

function xmlText(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  return raw.replace(
    /&(quot|amp|lt|gt|apos|#(\d+)|#x([0-9a-fA-F]+));/g,
    (_, n, d, h) =>
      n === "quot"
        ? '"'
        : n === "amp"
        ? "&"
        : n === "lt"
        ? "<"
        : n === "gt"
        ? ">"
        : n === "apos"
        ? "'"
        : String.fromCodePoint(d !== undefined ? Number(d) : parseInt(h, 16)),
  );
}

/** The body, refused past `maxBytes`. */
async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  if (res.body === null) return new Uint8Array();
  const declared = Number(res.headers.get("content-length") ?? "-1");
  if (declared > maxBytes) {
    await res.body.cancel();
    throw new Error(`the object is ${declared} bytes, over the ${maxBytes} byte limit`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`the object is over the ${maxBytes} byte limit`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
