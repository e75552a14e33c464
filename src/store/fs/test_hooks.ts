/**
 * Test hooks: named fault points and injectable limits, read from the environment and honoured
 * only when `MOCHI_TEST=1` (cargo's `__CARGO_TEST_MAX_UNPACK_SIZE` knobs).
 *
 * - `MOCHI_TEST_FAULT=<point>[:<action>][,<point>[:<action>]…]`: at a named point, `kill` (the
 *   default) sends SIGKILL to the process itself — a real crash, no cleanup code runs — and
 *   `enospc` throws the error a full disk raises, and `stop` sends SIGSTOP to the process itself
 *   (the test resumes it with SIGCONT: a holder paused at a known place). Points:
 *   {@link FAULT_POINTS}, {@link PRUNE_FAULT_POINTS}.
 * - `MOCHI_TEST_MAX_UNPACK_SIZE`, `MOCHI_TEST_MAX_UNPACK_RATIO`, `MOCHI_TEST_MAX_ENTRIES`,
 *   `MOCHI_TEST_MAX_ENTRY_SIZE`: archive limits (bytes, ratio, entries, bytes).
 * - `MOCHI_TEST_MAX_INDEX_BYTES`, `MOCHI_TEST_MAX_BLOB_BYTES`: download caps.
 * - `MOCHI_TEST_RETRY_BASE_MS`: backoff base of the registry client.
 *
 * Without `MOCHI_TEST=1` every variable above is ignored and {@link NO_TEST_HOOKS} applies.
 *
 * @module
 */
import { MochiError } from "../../errors.ts";
import type { ArchivePolicy } from "../archive.ts";

/** Every named fault point, in the order an install reaches them. */
export const FAULT_POINTS = [
  "mid-download",
  "after-download-before-verify",
  "before-rename",
  "mid-extract",
  "after-rename-before-lock-write",
  "mid-lock-write",
] as const;

/**
 * Fault points outside an install: `prune-locked` is reached by `mochi cache prune` right after
 * it took the store lock exclusively.
 */
export const PRUNE_FAULT_POINTS = ["prune-locked"] as const;

/** A named place where a test can crash mochi, make the disk full or pause it. */
export type FaultPoint = typeof FAULT_POINTS[number] | typeof PRUNE_FAULT_POINTS[number];

/** What happens at a fault point. */
export type FaultAction = "kill" | "enospc" | "stop";

/** Hooks threaded through the store and install pipeline. */
export interface TestHooks {
  /** Called at each fault point; kills the process or throws when the point is armed. */
  fault(point: FaultPoint): void;
  /** Archive limits overriding the defaults (empty: cargo's defaults). */
  archivePolicy: ArchivePolicy;
  /** Cap on one index file's body, bytes (undefined: the client's default). */
  maxIndexBytes?: number;
  /** Cap on one blob's body when the lockfile does not give its size, bytes. */
  maxBlobBytes?: number;
  /** Backoff base of the registry client, ms. */
  retryBaseMs?: number;
}

/** The hooks of a normal run: no faults, default limits. */
export const NO_TEST_HOOKS: TestHooks = { fault() {}, archivePolicy: {} };

let armed: TestHooks = NO_TEST_HOOKS;

/**
 * Arm this process's fault points (the CLI does, with {@link testHooksFromEnv}; nothing else
 * should). The store reaches its fault points through {@link faultPoint}, so no public option
 * type carries a test hook.
 *
 * @param hooks the hooks whose `fault` runs at each point
 * @returns `hooks`, for chaining
 */
export function armFaultPoints(hooks: TestHooks): TestHooks {
  armed = hooks;
  return hooks;
}

/**
 * Reach a named fault point: nothing happens unless {@link armFaultPoints} armed it.
 *
 * @param point the point
 */
export function faultPoint(point: FaultPoint): void {
  armed.fault(point);
}

/**
 * The error a full disk raises (`ENOSPC`, os error 28), as Deno reports it.
 *
 * @param where what was being written
 * @returns an Error with `code = "ENOSPC"`
 */
export function enospcError(where: string): Error {
  return Object.assign(new Error(`No space left on device (os error 28), writing ${where}`), {
    code: "ENOSPC",
  });
}

function num(env: Record<string, string | undefined>, key: string): number | undefined {
  const v = env[key];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    throw new MochiError("CLI_E001", `${key}=${JSON.stringify(v)} is not a non-negative number`);
  }
  return n;
}

/**
 * Parse the test hooks from environment variables (see the module doc).
 *
 * @param env the environment (`Deno.env.toObject()`)
 * @param kill how to crash; default SIGKILL to this process (tests of this function inject it)
 * @returns the hooks; {@link NO_TEST_HOOKS} unless `MOCHI_TEST=1`
 * @throws {MochiError} `CLI_E001` for an unknown fault point or action, or a bad number
 */
export function testHooksFromEnv(
  env: Record<string, string | undefined>,
  kill: () => void = () => Deno.kill(Deno.pid, "SIGKILL"),
): TestHooks {
  if (env.MOCHI_TEST !== "1") return NO_TEST_HOOKS;
  const armed = new Map<FaultPoint, FaultAction>();
  for (const item of (env.MOCHI_TEST_FAULT ?? "").split(",").filter((s) => s.trim() !== "")) {
    const [point, action = "kill"] = item.trim().split(":");
    const known: readonly string[] = [...FAULT_POINTS, ...PRUNE_FAULT_POINTS];
    if (!known.includes(point!)) {
      throw new MochiError("CLI_E001", `MOCHI_TEST_FAULT names an unknown point "${point}"`, {
        hint: `known points: ${known.join(", ")}`,
      });
    }
    if (action !== "kill" && action !== "enospc" && action !== "stop") {
      throw new MochiError(
        "CLI_E001",
        `MOCHI_TEST_FAULT action "${action}" is not kill, enospc or stop`,
      );
    }
    armed.set(point as FaultPoint, action);
  }
  const archivePolicy: ArchivePolicy = {};
  const size = num(env, "MOCHI_TEST_MAX_UNPACK_SIZE");
  const ratio = num(env, "MOCHI_TEST_MAX_UNPACK_RATIO");
  // cargo: the cap is max(size, ratio × compressed), resolved per archive by the reader.
  if (size !== undefined) archivePolicy.unpackFloorBytes = size;
  if (ratio !== undefined) archivePolicy.unpackRatio = ratio;
  const entries = num(env, "MOCHI_TEST_MAX_ENTRIES");
  if (entries !== undefined) archivePolicy.maxEntries = entries;
  const entry = num(env, "MOCHI_TEST_MAX_ENTRY_SIZE");
  if (entry !== undefined) archivePolicy.maxEntryBytes = entry;
  const hooks: TestHooks = {
    fault(point) {
      const action = armed.get(point);
      if (action === "kill") kill();
      if (action === "enospc") throw enospcError(point);
      if (action === "stop") Deno.kill(Deno.pid, "SIGSTOP");
    },
    archivePolicy,
  };
  const maxIndex = num(env, "MOCHI_TEST_MAX_INDEX_BYTES");
  if (maxIndex !== undefined) hooks.maxIndexBytes = maxIndex;
  const maxBlob = num(env, "MOCHI_TEST_MAX_BLOB_BYTES");
  if (maxBlob !== undefined) hooks.maxBlobBytes = maxBlob;
  const retry = num(env, "MOCHI_TEST_RETRY_BASE_MS");
  if (retry !== undefined) hooks.retryBaseMs = retry;
  return hooks;
}
