/**
 * A small npm registry on 127.0.0.1 that takes publishes as the public registry does: one
 * `PUT /<escaped name>` with a bearer token, exactly one version, a tarball attachment whose
 * sha512 equals `dist.integrity` (and SHA-1 `dist.shasum`), an optional `.sigstore` provenance
 * attachment that must be a JSON Sigstore bundle, 403 for a version already published, and the
 * packument at `GET /<escaped name>`. Verdaccio (the real server the npm tests also use) takes
 * only one attachment, so the provenance path is tested here.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";

/** A running fake npm registry. */
export interface FakeNpm extends AsyncDisposable {
  /** Base URL with a trailing slash. */
  url: string;
  /** The token it accepts. */
  token: string;
  /** Published `name@version` → tarball bytes and provenance bundle text (if any). */
  published: Map<string, { tarball: Uint8Array; bundle?: string; manifest: unknown }>;
  /** How many PUTs arrived. */
  puts: number;
}

/** Starts the fake npm registry. */
export function startFakeNpm(): FakeNpm {
  const ac = new AbortController();
  const state = {
    token: crypto.randomUUID(),
    published: new Map<string, { tarball: Uint8Array; bundle?: string; manifest: unknown }>(),
    puts: 0,
  };
  const packuments = new Map<string, { versions: Record<string, unknown> }>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      const name = decodeURIComponent(url.pathname.slice(1));
      if (req.method === "GET") {
        const p = packuments.get(name);
        return p
          ? Response.json({ name, ...p })
          : Response.json({ error: "Not found" }, { status: 404 });
      }
      if (req.method !== "PUT") return Response.json({ error: "method" }, { status: 405 });
      state.puts++;
      if (req.headers.get("authorization") !== `Bearer ${state.token}`) {
        return Response.json({ error: "You must be logged in to publish packages." }, {
          status: 401,
        });
      }
      // deno-lint-ignore no-explicit-any
      const doc: any = await req.json();
      const versions = Object.keys(doc?.versions ?? {});
      if (doc?.name !== name || versions.length !== 1) {
        return Response.json({ error: "bad publish document" }, { status: 400 });
      }
      const version = versions[0]!;
      const manifest = doc.versions[version];
      const tgzName = `${name}-${version}.tgz`;
      const att = doc._attachments?.[tgzName];
      if (typeof att?.data !== "string") {
        return Response.json({ error: "no tarball attachment" }, { status: 400 });
      }
      const tarball = new Uint8Array(Buffer.from(att.data, "base64"));
      const sri = `sha512-${createHash("sha512").update(tarball).digest("base64")}`;
      if (
        att.length !== tarball.length || manifest?.dist?.integrity !== sri ||
        manifest?.dist?.shasum !== createHash("sha1").update(tarball).digest("hex")
      ) {
        return Response.json({ error: "tarball does not match dist" }, { status: 400 });
      }
      let bundle: string | undefined;
      const prov = doc._attachments?.[`${name}-${version}.sigstore`];
      if (prov !== undefined) {
        try {
          const b = JSON.parse(prov.data);
          if (!String(b.mediaType).startsWith("application/vnd.dev.sigstore.bundle")) throw 0;
          bundle = prov.data;
        } catch {
          return Response.json({ error: "invalid provenance bundle" }, { status: 400 });
        }
      }
      const p = packuments.get(name) ?? { versions: {} };
      if (p.versions[version] !== undefined) {
        return Response.json({
          error: "You cannot publish over the previously published versions: " + version,
        }, { status: 403 });
      }
      p.versions[version] = manifest;
      packuments.set(name, p);
      state.published.set(`${name}@${version}`, {
        tarball,
        manifest,
        ...(bundle === undefined ? {} : { bundle }),
      });
      return Response.json({ ok: true }, { status: 200 });
    },
  );
  return {
    url: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/`,
    token: state.token,
    published: state.published,
    get puts() {
      return state.puts;
    },
    async [Symbol.asyncDispose]() {
      ac.abort();
      await server.finished;
    },
  };
}
