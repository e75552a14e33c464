/**
 * What an install reports while it works, for a progress display: the phase it is in, each item
 * done (with bytes), and each retry of a registry request. The CLI draws these as a progress line
 * on a terminal and prints retries as lines (cargo's and uv's "retrying in 1 s (2/6)").
 *
 * @module
 */
import type { RetryNotice } from "../registry/client/index_client.ts";

/** A phase of an install. */
export type InstallPhase = "resolve" | "download" | "verify";

/** One thing an install reports (see {@link InstallEvent}'s variants). */
export type InstallEvent =
  | {
    /** A phase starts. */
    kind: "phase";
    /** Which. */
    phase: InstallPhase;
    /** How many items it has, when known. */
    total?: number;
  }
  | {
    /** An item of a phase is done. */
    kind: "step";
    /** Which phase. */
    phase: InstallPhase;
    /** What was done (a package and version); registry text, print it escaped. */
    label: string;
    /** Bytes the item added (a download's size), when any. */
    sizeBytes?: number;
  }
  | ({
    /** A registry request failed and is tried again after a wait. */
    kind: "retry";
  } & RetryNotice);
