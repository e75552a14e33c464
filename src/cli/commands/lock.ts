/**
 * `mochi lock`: write `mochi.lock` without fetching; `--check` only compares.
 *
 * @module
 */
import { lock } from "../../install/install.ts";
import { updateLock } from "../../install/update.ts";
import { lockCheckError } from "../../install/decision.ts";
import { MochiError } from "../../errors.ts";
import { type CommandSpec, flag } from "../command.ts";
import {
  andCrates,
  andGoModules,
  installOptions,
  printLockChanges,
  printLockMerge,
  RESOLVE_OPTIONS,
  TRUST_OPTIONS,
  trustedRootOf,
  warnGoUnverified,
} from "../common.ts";
import { lockUpToDateLine } from "../phrases.ts";

/** `mochi lock`. */
export const command: CommandSpec = {
  operands: "[<pkg>...]",
  minArgs: 0,
  maxArgs: Infinity,
  description:
    "--check re-resolves and only compares (exit 1 listing every added, removed or changed\n" +
    "entry); --upgrade ignores locked versions (--upgrade <pkg>... only those packages, and\n" +
    "what must move with them, as mochi update <pkg>); a package that newly requires a capability\n" +
    "fails (exit 1) until accepted with --accept-capabilities.",
  options: {
    check: { type: "boolean", help: "only compare; exit 1 when mochi.lock is out of date" },
    json: {
      type: "boolean",
      help: "with --check: print JSON (docs/schemas/lock-check.schema.json)",
    },
    upgrade: { type: "boolean", help: "resolve without preferring the locked versions" },
    ...RESOLVE_OPTIONS,
    ...TRUST_OPTIONS,
  },
  async run(ctx) {
    const { out } = ctx;
    const check = flag(ctx.values, "check");
    if (ctx.args.length > 0) {
      if (!flag(ctx.values, "upgrade") || check) {
        throw new MochiError("CLI_E001", `mochi lock takes package names only with --upgrade`, {
          hint: `mochi lock --upgrade ${ctx.args.join(" ")} (or mochi update ${
            ctx.args.join(" ")
          })`,
        });
      }
      const r = await updateLock({
        ...(await installOptions(ctx)),
        ...(await trustedRootOf(ctx.env)),
        upgrade: false,
        packages: ctx.args,
      });
      printLockChanges(out, r.changes);
      out.info(
        r.written
          ? `Wrote ${r.lockPath} (${r.packages} packages${
            andCrates(r.crates)
          }, ${r.changes.length} change(s))`
          : `mochi.lock is up to date (${r.packages} packages${andCrates(r.crates)})`,
      );
      return 0;
    }
    const r = await lock({
      ...(await installOptions(ctx)),
      ...(await trustedRootOf(ctx.env)),
      check,
    });
    if (check && flag(ctx.values, "json")) {
      out.data(JSON.stringify({
        upToDate: r.upToDate,
        packages: r.packages,
        crates: r.crates,
        pythonPackages: r.pythonPackages,
        lockPath: r.lockPath,
        changes: r.changes,
      }));
      return r.upToDate ? 0 : 1;
    }
    if (check) {
      if (r.upToDate) {
        const counts = { packages: r.packages, crates: r.crates, goModules: r.goModules };
        out.info(lockUpToDateLine(counts));
        if (r.goUnverified.length === 0) ctx.upToDate?.(counts);
        return 0;
      }
      throw lockCheckError(r.lockPath, r.lockExists, r.changes);
    }
    warnGoUnverified(out, r.goUnverified);
    if (r.merge !== undefined) printLockMerge(out, r.merge);
    else if (r.repaired !== undefined) {
      out.info(`Rewrote mochi.lock, which could not be read: ${r.repaired}`);
    }
    for (const a of r.accepted) {
      out.info(`Accepted: ${a.name} ${a.version} newly requires capability "${a.capability}"`);
    }
    out.info(
      r.written
        ? `Wrote ${r.lockPath} (${r.packages} packages${
          andCrates(r.crates) + andGoModules(r.goModules)
        }, ${r.changes.length} change(s))`
        : `mochi.lock is up to date (${r.packages} packages${
          andCrates(r.crates) + andGoModules(r.goModules)
        })`,
    );
    for (const c of r.changes) out.detail(`  ${c}`);
    return 0;
  },
};
