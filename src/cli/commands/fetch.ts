/**
 * `mochi fetch`: download every locked Rust `.crate` and Python wheel, check its SHA-256, store it.
 *
 * @module
 */
import { fetchProject } from "../../install/install.ts";
import type { CommandSpec } from "../command.ts";
import { installOptions, RESOLVE_OPTIONS, seconds } from "../common.ts";

/** `mochi fetch`. */
export const command: CommandSpec = {
  description: "Updates mochi.lock first when it no longer fits mochi.toml (cargo fetch).",
  options: { ...RESOLVE_OPTIONS },
  async run(ctx) {
    const r = await fetchProject(await installOptions(ctx));
    ctx.out.info(
      `Fetched ${r.fetched} ${r.wheels > 0 ? "crates and wheels" : "crates"} (${
        (r.bytes / 1e6).toFixed(1)
      } MB), checked SHA-256 against mochi.lock, stored under BLAKE3${
        r.cached ? `; ${r.cached} already in the store` : ""
      } in ${seconds(r.elapsedMs)}`,
    );
    return 0;
  },
};
