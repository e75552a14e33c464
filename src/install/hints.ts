/**
 * Fix options about the project's `mochi.toml` for a failed resolution (uv's `PubGrubHint`: the
 * resolver explains, the product suggests). The solver's report names no manifest; `install`
 * and `lock` add these to a Mochi project's failure, so the Rust bridge's crate failures never
 * get them.
 *
 * @module
 */
import { CapabilityCause, capabilityList } from "../capability/cause.ts";
import { compatibilityKey, type VersionSet } from "../semver/mod.ts";
import { type NoSolutionError, reportWords } from "../solver/mod.ts";

/**
 * The `mochi.toml` fix options for a failure, from its derivation's external incompatibilities
 * (the one walk the error made): widen a capability pin or `[capabilities] allowed`, add a
 * package to `allow-multi-version` when two requirements on it fall in different
 * semver-compatibility buckets, relax a requirement of the root.
 *
 * @param failure the solver's failure
 * @returns suggestions, most useful first, without duplicates
 */
export function manifestHints(failure: NoSolutionError): string[] {
  const ctx = failure.context;
  const words = reportWords(ctx, failure.externals);
  const capability: string[] = [];
  const multi: string[] = [];
  const relax: string[] = [];
  const byName = new Map<string, { from: string; set: VersionSet; text: string }[]>();
  for (const inc of failure.externals) {
    const c = inc.cause;
    if (c.kind === "dependency") {
      const info = ctx.keyInfo(c.dependee);
      const set = info.kind === "wide" ? info.set : c.dependeeSet;
      const text = words.dependee(c).slice(info.name.length + 1);
      if (c.depender === ctx.rootKey) {
        relax.push(`relax the root requirement on ${info.name} (now ${text}) in the manifest`);
      }
      let list = byName.get(info.name);
      if (list === undefined) byName.set(info.name, list = []);
      list.push({ from: words.terse(c.depender, inc.get(c.depender)!, true), set, text });
    } else if (c.kind === "custom" && c.custom instanceof CapabilityCause) {
      const cause = c.custom;
      const name = ctx.keyInfo([...inc.terms.keys()][0]!).name;
      const widened = [...cause.pinned, ...cause.excess.filter((x) => !cause.pinned.includes(x))];
      capability.push(
        cause.source === "dependency"
          ? `widen the capability pin of ${name} in mochi.toml to capabilities = ${
            capabilityList(widened)
          } (adds ${capabilityList(cause.excess)}), after auditing why it needs them`
          : `add ${capabilityList(cause.excess)} to [capabilities] allowed in mochi.toml (now ${
            capabilityList(cause.pinned)
          }), after auditing why ${name} needs them`,
      );
    }
  }
  for (const [name, edges] of byName) {
    if (ctx.isMulti(name) || edges.length < 2) continue;
    const buckets = (set: VersionSet) => {
      const listed = ctx.listedVersions(name) ?? [];
      return new Set(listed.filter((v) => set.contains(v)).map(compatibilityKey));
    };
    let found: string | undefined;
    for (let i = 0; i < edges.length && found === undefined; i++) {
      for (let j = i + 1; j < edges.length && found === undefined; j++) {
        const a = edges[i], b = edges[j]!;
        if (!a!.set.isDisjoint(b!.set)) continue;
        const ba = buckets(a!.set), bb = buckets(b!.set);
        if (ba.size === 0 || bb.size === 0 || [...ba].some((k) => bb.has(k))) continue;
        found = `allow several versions of ${name}: add "${name}" to allow-multi-version ` +
          `(${a!.from} needs ${a!.text}, ${b!.from} needs ${b!.text})`;
      }
    }
    if (found !== undefined) multi.push(found);
  }
  return [...new Set([...capability, ...multi, ...relax])];
}

/**
 * Whether a failure comes from a capability pin (install reports it as `CAP_E001`).
 *
 * @param failure the solver's failure
 * @returns true when a capability cause is among its external incompatibilities
 */
export function isCapabilityFailure(failure: NoSolutionError): boolean {
  return failure.externals.some((i) =>
    i.cause.kind === "custom" && i.cause.custom instanceof CapabilityCause
  );
}
