/**
 * The uploaders of every ecosystem that has one, keyed by {@link Ecosystem}: each helper that
 * lands an uploader (`src/fanout/client/<ecosystem>.ts`, `upload<Eco>`) adds its line here.
 * `mochi publish --target` looks uploaders up in this table only.
 *
 * @module
 */

import type { Ecosystem, Uploader } from "../types.ts";
import { uploadJsr } from "./jsr.ts";
import { uploadMaven } from "./maven.ts";
import { uploadNpm } from "./npm.ts";
import { uploadPypi } from "./pypi.ts";
import { uploadCrates } from "./crates.ts";
import { uploadHex } from "./hex.ts";
import { uploadNuget } from "./nuget.ts";
import { uploadSwiftpm } from "./swiftpm.ts";

/** Ecosystem → its uploader; an ecosystem missing here cannot be published yet. */
export const UPLOADERS: Readonly<Partial<Record<Ecosystem, Uploader>>> = {
  npm: uploadNpm,
  jsr: uploadJsr,
  pypi: uploadPypi,
  maven: uploadMaven,
  nuget: uploadNuget,
  crates: uploadCrates,
  hex: uploadHex,
  swiftpm: uploadSwiftpm,
};
