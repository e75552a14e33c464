/**
 * `mochi cache prune [--older-than DUR] [--dry-run]`.
 *
 * @module
 */
import { cachePrune } from "../../install/cache.ts";
import { parseDuration } from "../../store/duration.ts";
import { type CommandSpec, flag, stringOption } from "../command.ts";
import { bytes, mochiHomeOf, waitPrinter } from "../common.ts";
import { armFaultPoints, testHooksFromEnv } from "../../store/fs/test_hooks.ts";

/** `mochi cache prune`. */
export const command: CommandSpec = {
  description:
    "Deletes blobs unused for DUR (default 30d; 12h, 90m, 0 …), their trees, and what\n" +
    "killed processes left; waits for running installs.",
  options: {
    "older-than": { type: "string", value: "DUR", help: "unused for at least DUR (default 30d)" },
    "dry-run": { type: "boolean", help: "only say what would be removed" },
  },
  async run(ctx) {
    const dryRun = flag(ctx.values, "dry-run");
    const olderThan = stringOption(ctx.values, "older-than");
    armFaultPoints(testHooksFromEnv(ctx.env)); // test-only pause points (MOCHI_TEST=1)
    const r = await cachePrune({
      mochiHome: mochiHomeOf(ctx),
      dryRun,
      onWait: waitPrinter(ctx.out),
      ...(olderThan !== undefined ? { olderThanMs: parseDuration(olderThan) } : {}),
    });
    ctx.out.info(
      `${dryRun ? "Would remove" : "Removed"} ${r.blobs} blobs (${
        bytes(r.blobBytes)
      }), ${r.trees} extracted trees (${
        bytes(r.treeBytes)
      }), ${r.aliases} SHA-256 aliases, ${r.orphanSessions} sessions of killed processes, ${r.staleTemp} stale temp entries`,
    );
    for (const s of r.skipped) {
      ctx.out.warn(
        `left ${s.path} alone (${
          s.kind === "symlink" ? "a symbolic link" : `a ${s.kind}`
        } mochi never creates there; not followed)`,
      );
    }
    return 0;
  },
};
