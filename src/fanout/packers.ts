/**
 * The packers of every ecosystem that has one, keyed by {@link Ecosystem}: each helper that lands
 * a packer (`src/fanout/<ecosystem>.ts`, `pack<Eco>`) adds its line here. `mochi pack` and
 * `mochi publish --target` look packers up in this table only.
 *
 * @module
 */

import type { Ecosystem, Packer } from "./types.ts";
import { packJsr } from "./jsr.ts";
import { packMaven } from "./maven.ts";
import { packNpm } from "./npm.ts";
import { packPypi } from "./pypi.ts";
import { packCrates } from "./crates.ts";
import { packHex } from "./hex.ts";
import { packNuget } from "./nuget.ts";
import { packSwiftpm } from "./swiftpm.ts";

/** Ecosystem → its packer; an ecosystem missing here cannot be packed yet. */
export const PACKERS: Readonly<Partial<Record<Ecosystem, Packer>>> = {
  npm: packNpm,
  jsr: packJsr,
  pypi: packPypi,
  maven: packMaven,
  nuget: packNuget,
  crates: packCrates,
  hex: packHex,
  swiftpm: packSwiftpm,
};
