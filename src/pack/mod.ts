/**
 * Packing a package for publication: which files go in ({@link fileSelector}) and the publish
 * preflight ({@link publishProblems}). The file walk and archive write are in
 * `src/publish/client/pack.ts`.
 *
 * @module
 */
export {
  DEFAULT_EXCLUDES,
  DEFAULT_INCLUDES,
  type FileRules,
  type FileSelector,
  fileSelector,
} from "./rules.ts";
export { MAX_DESCRIPTION_CHARS, publishProblems, REPOSITORY_SCHEMES } from "./preflight.ts";
