/**
 * The answers of cargo's resolver stress shapes (see `stress_cases_testing.ts`). Timing is not
 * asserted here: `scripts/stress_solver.ts` times each case against its 2 s budget.
 */
import assert from "node:assert/strict";
import { NoSolutionError, solve } from "./mod.ts";
import { stressCases } from "./stress_cases_testing.ts";

for (const c of stressCases()) {
  Deno.test(`stress shape ${c.name}: ${c.expect === "unsat" ? "unsolvable" : "solved"}`, async () => {
    const root = { name: "root", version: "1.0.0", dependencies: c.root };
    const options = c.allowMultiVersion ? { allowMultiVersion: c.allowMultiVersion } : {};
    if (c.expect === "unsat") {
      await assert.rejects(() => solve(c.provider, root, options), NoSolutionError);
      return;
    }
    const solution = await solve(c.provider, root, options);
    for (const [name, version] of Object.entries(c.expect)) {
      assert.equal(solution.get(name), version, `${name} in ${c.name}`);
    }
  });
}
