/**
 * `mochi registry serve <dir>`: serve a registry directory over HTTP.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { serveRegistry } from "../../registry/server/registry_server.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";

/** `mochi registry serve`. */
export const command: CommandSpec = {
  operands: "<dir>",
  minArgs: 1,
  maxArgs: 1,
  description:
    "--allow-publish mounts the publish API (POST /api/v1/packages, yank); --snapshot-key\n" +
    "re-signs snapshot.json after every index change. Stops on SIGINT or SIGTERM.",
  options: {
    host: { type: "string", value: "HOST", help: "address to listen on (default 127.0.0.1)" },
    port: { type: "string", value: "PORT", help: "port (default 0: any free port)" },
    "allow-publish": { type: "boolean", help: "accept signed publishes and yanks" },
    "trusted-root": { type: "string", value: "FILE", help: "Sigstore trusted root for publishes" },
    "snapshot-key": { type: "string", value: "FILE", help: "key to re-sign snapshot.json with" },
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
    let server;
    try {
      server = await serveRegistry(dir!, {
        hostname,
        port,
        signal: controller.signal,
        ...(allowPublish ? { publish } : {}),
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
