/**
 * A real S3-compatible server for tests: moto's `moto_server` (the `moto[server]` package from
 * the Python registry; `.ci/run` installs it into `.cache/moto-venv`), started on 127.0.0.1
 * with an OS-chosen port. moto honours conditional `PutObject` (`If-None-Match: *`,
 * `If-Match`, 412 otherwise), which the registry's compare-and-swap needs.
 *
 * Found as `$MOCHI_S3_SERVER`, else `.cache/moto-venv/bin/moto_server`, else `moto_server` on
 * PATH; when none exists, {@link s3ServerMissing} says why and the tests skip.
 *
 * @module
 */
import { AwsClient } from "aws4fetch";
import { ROOT } from "./helpers.ts";

/** A running moto server. */
export interface S3Server extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The environment a mochi process needs to reach it (endpoint, region, credentials). */
  readonly env: Record<string, string>;
  /** Creates a bucket (path-style `PUT /<bucket>`). */
  createBucket(name: string): Promise<void>;
  /** PID of the server process. */
  readonly pid: number;
}

function candidates(): string[] {
  const out: string[] = [];
  const env = Deno.env.get("MOCHI_S3_SERVER");
  if (env) out.push(env);
  out.push(`${ROOT}/.cache/moto-venv/bin/moto_server`);
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir) out.push(`${dir}/moto_server`);
  }
  return out;
}

/** The moto_server binary, or undefined. */
export function s3ServerBinary(): string | undefined {
  for (const c of candidates()) {
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch {
      // try the next
    }
  }
  return undefined;
}

/**
 * Why the S3 tests cannot run here, or undefined when they can.
 *
 * @returns a message naming the install command, or undefined
 */
export function s3ServerMissing(): string | undefined {
  if (s3ServerBinary() !== undefined) return undefined;
  return "no moto_server: run .ci/run, or python3 -m venv .cache/moto-venv && " +
    ".cache/moto-venv/bin/pip install 'moto[server]==5.2.5' (or set MOCHI_S3_SERVER)";
}

const ACCESS = { AWS_ACCESS_KEY_ID: "mochi-test", AWS_SECRET_ACCESS_KEY: "mochi-test-secret" };

/**
 * Starts moto_server on 127.0.0.1 port 0 and waits until it answers.
 *
 * @returns the server; dispose to stop it (SIGTERM to its PID)
 */
export async function startS3Server(): Promise<S3Server> {
  const bin = s3ServerBinary();
  if (bin === undefined) throw new Error(s3ServerMissing());
  const child = new Deno.Command(bin, {
    args: ["-H", "127.0.0.1", "-p", "0"],
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONUNBUFFERED: "1" },
  }).spawn();
  const dec = new TextDecoder();
  let seen = "";
  let port: string | undefined;
  const found = new Promise<string>((resolve, reject) => {
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) {
        if (port === undefined) {
          seen += dec.decode(chunk, { stream: true });
          const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
          if (m !== null) {
            port = m[1]!;
            resolve(port);
          }
        }
      }
      if (port === undefined) reject(new Error(`moto_server exited: ${seen}`));
    };
    pump(child.stderr).catch(() => {});
    pump(child.stdout).catch(() => {});
  });
  const timer = setTimeout(() => child.kill("SIGTERM"), 30_000);
  try {
    await found;
  } finally {
    clearTimeout(timer);
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new AwsClient({
    accessKeyId: ACCESS.AWS_ACCESS_KEY_ID,
    secretAccessKey: ACCESS.AWS_SECRET_ACCESS_KEY,
    service: "s3",
    region: "us-east-1",
  });
  return {
    endpoint,
    pid: child.pid,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: "us-east-1", ...ACCESS },
    async createBucket(name) {
      const res = await client.fetch(`${endpoint}/${name}`, { method: "PUT" });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`creating bucket ${name}: ${res.status}`);
    },
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await child.status;
    },
  };
}
