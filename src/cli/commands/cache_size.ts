/**
 * `mochi cache size`: the store's blobs, extracted trees, temp files and index cache.
 *
 * @module
 */
import { cacheSize } from "../../install/cache.ts";
import { type CommandSpec, flag } from "../command.ts";
import { bytes, mochiHomeOf, waitPrinter } from "../common.ts";
import { mochiHomeLayout } from "../../store/fs/home.ts";

/** `mochi cache size`. */
export const command: CommandSpec = {
  options: { json: { type: "boolean", help: "print JSON (docs/schemas/cache-size.schema.json)" } },
  async run(ctx) {
    const { out } = ctx;
    const home = mochiHomeOf(ctx);
    const r = await cacheSize(home, { onWait: waitPrinter(out) });
    if (flag(ctx.values, "json")) {
      const totalBytes = r.blobBytes + r.treeBytes + r.tempBytes + r.indexBytes;
      out.data(JSON.stringify({ home, ...r, totalBytes }));
      return 0;
    }
    out.info(`Store ${mochiHomeLayout(home).store}:`);
    out.info(`  blobs            ${r.blobs} (${bytes(r.blobBytes)})`);
    out.info(`  extracted trees  ${r.trees} (${bytes(r.treeBytes)})`);
    out.info(`  temp files       ${bytes(r.tempBytes)}`);
    out.info(`Index cache        ${bytes(r.indexBytes)}`);
    out.info(`Total              ${bytes(r.blobBytes + r.treeBytes + r.tempBytes + r.indexBytes)}`);
    return 0;
  },
};
