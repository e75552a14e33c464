/**
 * `mochi registry serve <dir>`: serve a registry directory over HTTP.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { serveRegistry } from "../../registry/server/registry_server.ts";
import { openStorage } from "../../registry/server/storage.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";

/** `mochi registry serve`. */
export const command: CommandSpec = {
  operands: "<dir|s3://bucket/prefix>",
  minArgs: 1,
  maxArgs: 1,
  description:
    "--allow-publish mounts the publish API (POST /api/v1/packages, yank); --snapshot-key\n" +
    "re-signs snapshot.json after every index change. An s3:// registry takes its endpoint and\n" +
    "credentials from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (or ~/.aws);\n" +
    "several servers may share one bucket. Stops on SIGINT or SIGTERM.",
  options: {
    host: { type: "string", value: "HOST", help: "address to listen on (default 127.0.0.1)" },
    port: { type: "string", value: "PORT", help: "port (default 0: any free port)" },
    "allow-publish": { type: "boolean", help: "accept signed publishes and yanks" },
    "trusted-root": { type: "string", value: "FILE", help: "Sigstore trusted root for publishes" },
    "snapshot-key": { type: "string", value: "FILE", help: "key to re-sign snapshot.json with" },
    "redirect-blobs": {
      type: "boolean",
      help: "answer blob downloads with a redirect to a presigned bucket URL",
    },
    "blob-url": {
      type: "string",
      value: "URL",
      help: "redirect blob downloads to URL + the blob's path (a public bucket or CDN)",
    },
  },
  async run(ctx) {
    const v = ctx.values;
    const dir = ctx.args[0]!;
    const portText = stringOption(v, "port") ?? "0";
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) {
      throw new MochiError("CLI_E001", `--port takes a number from 0 to 65535, got "${portText}"`);
    }
    const controller = new AbortController();
    const rootPath = stringOption(v, "trusted-root") ?? ctx.env.MOCHI_SIGSTORE_ROOT;
    const keyPath = stringOption(v, "snapshot-key");
    const snapshotKey = keyPath ? await Deno.readTextFile(keyPath) : undefined;
    const allowPublish = flag(v, "allow-publish");
    const trustedRootJson = allowPublish && rootPath
      ? await Deno.readTextFile(rootPath)
      : undefined;
    const publish = {
      ...(trustedRootJson === undefined ? {} : { trustedRootJson }),
      ...(snapshotKey === undefined ? {} : { snapshotPrivateKey: snapshotKey }),
    };
    const hostname = stringOption(v, "host") ?? "127.0.0.1";
    const blobUrl = stringOption(v, "blob-url");
    if (blobUrl !== undefined && !/^https?:\/\/[^\s]+\/$/.test(blobUrl)) {
      throw new MochiError(
        "CLI_E001",
        `--blob-url takes an http(s) URL ending in /, got "${blobUrl}"`,
      );
    }
    const redirectBlobs = blobUrl !== undefined
      ? { publicBaseUrl: blobUrl }
      : flag(v, "redirect-blobs")
      ? {}
      : undefined;
    let root: Parameters<typeof serveRegistry>[0] = dir;
    if (dir.startsWith("s3://")) {
      const storage = await openStorage(dir, { env: ctx.env });
      if (await storage.head("config.json") === undefined) {
        throw new MochiError("REGISTRY_E001", `no registry at ${dir}: config.json is missing`, {
          hint:
            'put a config.json there, e.g. {"dl": "blobs/", "api": null, "auth-required": false}',
        });
      }
      root = storage;
    }
    let server;
    try {
      server = await serveRegistry(root, {
        hostname,
        port,
        signal: controller.signal,
        ...(allowPublish ? { publish } : {}),
        ...(redirectBlobs === undefined ? {} : { redirectBlobs }),
      });
    } catch (e) {
      if (e instanceof Deno.errors.AddrInUse) {
        throw new MochiError("CLI_E002", `port ${port} on ${hostname} is already in use`, {
          hint: "stop what is listening there, pick another --port, or --port 0 for any free port",
          cause: e,
        });
      }
      if (e instanceof Deno.errors.AddrNotAvailable || e instanceof Deno.errors.PermissionDenied) {
        throw new MochiError(
          "CLI_E002",
          `cannot listen on ${hostname} port ${port}: ${(e as Error).message}`,
          {
            hint: "use an address of this machine (--host 127.0.0.1) and a port above 1023",
            cause: e,
          },
        );
      }
      throw e;
    }
    ctx.out.data(
      `Serving registry ${dir} at ${server.url}${
        allowPublish ? ` (publish API on, trusted root ${rootPath ?? "public-good Sigstore"})` : ""
      }`,
    );
    const stop = () => controller.abort();
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    await server.finished;
    return 0;
  },
};
