/**
 * `mochi verify`: re-hash every blob in the store against its address.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { FsStore } from "../../store/fs/fs_store.ts";
import { type CommandSpec, flag } from "../command.ts";
import { mochiHomeOf } from "../common.ts";

/** `mochi verify`. */
export const command: CommandSpec = {
  description: "Exit 4 when a blob no longer matches its BLAKE3 address (BLOB_E006).",
  options: { json: { type: "boolean", help: "print JSON (docs/schemas/verify.schema.json)" } },
  async run(ctx) {
    const { out } = ctx;
    const storeDir = `${mochiHomeOf(ctx)}/store`;
    const r = await new FsStore(storeDir).verify();
    if (flag(ctx.values, "json")) {
      const corrupt = r.corrupt.map((c) => ({
        blake3: c.b3,
        actualBlake3: c.actualBlake3,
        path: c.path,
      }));
      out.data(JSON.stringify({ storeDir, checked: r.checked, corrupt }));
      return corrupt.length === 0 ? 0 : 4;
    }
    if (r.corrupt.length === 0) {
      out.info(`Checked ${r.checked} blobs in ${storeDir}: every one matches its address`);
      return 0;
    }
    for (const c of r.corrupt.slice(0, -1)) {
      out.error(
        new MochiError(
          "BLOB_E006",
          `blob ${c.b3} no longer matches its address (BLAKE3 is now ${c.actualBlake3})`,
          { file: c.path },
        ),
      );
    }
    const last = r.corrupt[r.corrupt.length - 1];
    throw new MochiError(
      "BLOB_E006",
      `blob ${last.b3} no longer matches its address (BLAKE3 is now ${last.actualBlake3})`,
      {
        file: last.path,
        hint:
          `${r.corrupt.length} of ${r.checked} blobs are corrupt; delete them and run mochi install to fetch them again`,
      },
    );
  },
};
