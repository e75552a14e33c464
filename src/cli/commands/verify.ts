/**
 * `mochi verify`: re-hash every blob in the store against its address and check every SHA-256
 * alias against its blob, inside a shared store session ({@link verifyStore}).
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import { verifyStore } from "../../install/cache.ts";
import { type CommandSpec, flag } from "../command.ts";
import { mochiHomeOf, waitPrinter } from "../common.ts";

/** `mochi verify`. */
export const command: CommandSpec = {
  description:
    "Exit 4 when a blob no longer matches its BLAKE3 address or a crate's SHA-256 alias\n" +
    "names another blob (BLOB_E006), or a link is planted in the store (STORE_E002).",
  options: { json: { type: "boolean", help: "print JSON (docs/schemas/verify.schema.json)" } },
  async run(ctx) {
    const { out } = ctx;
    const r = await verifyStore({ mochiHome: mochiHomeOf(ctx), onWait: waitPrinter(out) });
    if (flag(ctx.values, "json")) {
      const corrupt = r.corrupt.map((c) => ({
        blake3: c.b3,
        actualBlake3: c.actualBlake3,
        path: c.path,
      }));
      out.data(JSON.stringify({ storeDir: r.storeDir, checked: r.checked, corrupt }));
      return r.ok ? 0 : 4;
    }
    if (r.ok) {
      out.info(
        `Checked ${r.checked} blobs, ${r.treesChecked} extracted trees and ${r.aliasesChecked} SHA-256 aliases in ${r.storeDir}: every one matches`,
      );
      return 0;
    }
    const problems: MochiError[] = [
      ...r.corrupt.map((c) =>
        new MochiError(
          "BLOB_E006",
          `blob ${c.b3} no longer matches its address (BLAKE3 is now ${c.actualBlake3})`,
          { file: c.path },
        )
      ),
      ...r.badAliases.map((a) =>
        new MochiError("BLOB_E006", `SHA-256 alias ${a.sha256} is wrong: ${a.reason}`, {
          file: a.path,
        })
      ),
      ...r.corruptTrees.map((t) =>
        new MochiError(
          "BLOB_E006",
          `the tree extracted from blob ${t.b3} is not what was extracted: ${t.reason}`,
          { file: t.path },
        )
      ),
      ...r.planted.map((p) =>
        new MochiError("STORE_E002", `${p.path} is a symbolic link mochi never creates`)
      ),
    ];
    for (const e of problems.slice(0, -1)) out.error(e);
    const last = problems[problems.length - 1]!;
    throw new MochiError(last!.code, last.message, {
      ...(last!.file ? { file: last!.file } : {}),
      hint: `${problems.length} problem(s) in the store (${r.checked} blobs checked); delete ` +
        "the objects named (or the whole store) and run mochi install to fetch them again",
    });
  },
};
