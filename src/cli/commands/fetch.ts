/**
 * `mochi fetch`: download every locked Rust `.crate`, check its SHA-256, store it.
 *
 * @module
 */
import { lock, readProject } from "../../install/install.ts";
import { fetchCrates } from "../../install/rust.ts";
import type { CommandSpec } from "../command.ts";
import { installOptions, RESOLVE_OPTIONS, seconds } from "../common.ts";

/** `mochi fetch`. */
export const command: CommandSpec = {
  options: { ...RESOLVE_OPTIONS },
  async run(ctx) {
    const t0 = performance.now();
    const options = await installOptions(ctx);
    await lock(options);
    const project = await readProject(options.projectDir);
    const r = await fetchCrates(project, project.lock!, {
      ...options,
      offline: options.offline || options.frozen,
    });
    ctx.out.info(
      `Fetched ${r.fetched} crates (${
        (r.bytes / 1e6).toFixed(1)
      } MB), checked SHA-256 against mochi.lock, stored under BLAKE3${
        r.cached ? `; ${r.cached} already in the store` : ""
      } in ${seconds(performance.now() - t0)}`,
    );
    return 0;
  },
};
