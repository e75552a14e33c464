/**
 * `mochi vendor [DIR]`: copy every locked Mochi package and Rust crate into DIR with a
 * `vendor.json` of digests, and print the `[registry]` snippet that installs from it (cargo
 * vendor's source-replacement snippet).
 *
 * @module
 */
import { resolve } from "node:path";
import { vendorProject } from "../../install/install.ts";
import type { CommandSpec } from "../command.ts";
import { installOptions, RESOLVE_OPTIONS, seconds } from "../common.ts";

/** `mochi vendor`. */
export const command: CommandSpec = {
  operands: "[DIR]",
  maxArgs: 1,
  description:
    "Installs from the registries and git first (never from an old vendor directory),\n" +
    "then writes DIR (default vendor/ beside mochi.toml) and prints the mochi.toml lines that\n" +
    "make install, fetch and install --offline take every locked package from it.",
  options: { ...RESOLVE_OPTIONS },
  async run(ctx) {
    const t0 = performance.now();
    const options = await installOptions(ctx);
    const dir = ctx.args[0] !== undefined ? resolve(ctx.cwd, ctx.args[0]) : undefined;
    const r = await vendorProject({ ...options, dir });
    ctx.out.info(
      `Vendored ${r.packages} package(s) and ${r.crates} crate(s) (${
        (r.bytes / 1e6).toFixed(1)
      } MB) into ${r.dir}, each checked against mochi.lock, in ${seconds(performance.now() - t0)}`,
    );
    if (r.pathPackages.length > 0) {
      ctx.out.info(
        `Not copied (path packages are used where they are): ${r.pathPackages.join(", ")}`,
      );
    }
    ctx.out.info("To install from it, add this to mochi.toml:");
    ctx.out.data("");
    ctx.out.data("[registry]");
    ctx.out.data(`vendor = ${JSON.stringify(r.relativeDir)}`);
    ctx.out.data("");
    return 0;
  },
};
