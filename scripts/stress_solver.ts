/**
 * Solver stress: cargo's pathological resolver shapes (`src/solver/stress_cases_testing.ts`),
 * each solved `--runs` times (default 3) against a 2 s budget per solve. Prints one line per
 * case (answer, steps budget untouched, best and worst wall time) and exits 1 when any answer is
 * wrong or any solve takes 2 s or more.
 *
 * Usage: deno run -A scripts/stress_solver.ts [--runs N]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { NoSolutionError, solve } from "../src/solver/mod.ts";
import { stressCases } from "../src/solver/stress_cases_testing.ts";

const BUDGET_MS = 2000;

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { runs: { type: "string" } } });
  const runs = Math.max(1, Number(values.runs ?? "3"));
  let failures = 0;
  let solves = 0;
  const t0 = performance.now();
  const built = performance.now();
  const cases = stressCases();
  console.log(
    `solver stress: ${cases.length} cases, ${runs} run(s) each, budget ${BUDGET_MS} ms per solve ` +
      `(registries built in ${(performance.now() - built).toFixed(0)} ms)`,
  );
  for (const c of cases) {
    const times: number[] = [];
    let answer = "";
    let ok = true;
    for (let r = 0; r < runs; r++) {
      const root = { name: "root", version: "1.0.0", dependencies: c.root };
      const options = c.allowMultiVersion ? { allowMultiVersion: c.allowMultiVersion } : {};
      const start = performance.now();
      let solution: Map<string, string> | undefined;
      try {
        solution = await solve(c.provider, root, { ...options, timeoutMs: BUDGET_MS * 5 });
      } catch (e) {
        if (!(e instanceof NoSolutionError)) throw e;
      }
      times.push(performance.now() - start);
      solves++;
      if (c.expect === "unsat") {
        answer = solution === undefined ? "unsolvable" : `solved (${solution.size} packages)`;
        ok &&= solution === undefined;
      } else {
        answer = solution === undefined ? "unsolvable" : `solved (${solution.size} packages)`;
        ok &&= solution !== undefined &&
          Object.entries(c.expect).every(([n, v]) => solution!.get(n) === v);
      }
    }
    const worst = Math.max(...times);
    const best = Math.min(...times);
    const inBudget = worst < BUDGET_MS;
    if (!ok || !inBudget) failures++;
    console.log(
      `${ok && inBudget ? "ok  " : "FAIL"} ${c.name.padEnd(45)} ${answer.padEnd(22)} ` +
        `best ${best.toFixed(1)} ms, worst ${worst.toFixed(1)} ms${
          inBudget ? "" : " (over budget)"
        }` +
        (ok ? "" : ` (expected ${c.expect === "unsat" ? "unsolvable" : "a solution"})`),
    );
  }
  console.log(
    `${solves} solves, ${failures} failure(s), ${((performance.now() - t0) / 1000).toFixed(2)} s`,
  );
  Deno.exit(failures === 0 ? 0 : 1);
}
