/**
 * Reading an OSV advisory database (a directory of OSV JSON files or an http(s) URL), with caps
 * and a deadline.
 *
 * @module
 */
export { type AdvisoryDb, type AdvisoryDbOptions, loadAdvisories } from "./advisory_db.ts";
