/**
 * Fetching a git source with the `git` command (cargo's `net.git-fetch-with-cli` path): a
 * private repository in a temp directory, one fetch of the ref the manifest names (or of the
 * commit the lock pins), the commit resolved to its full id, and the tree checked out into a
 * separate directory for packing.
 *
 * The URL and ref were validated (`gitUrlProblem`, `gitRefProblem`) and are validated again
 * here; they always follow `--` or `--end-of-options`. git runs with only the `https`, `http`,
 * `file`, `ssh` and `git` transports allowed (`protocol.allow=never` and one `always` each, so a
 * redirect or a submodule cannot reach `ext::`), no hooks, no fsmonitor, symbolic links checked
 * out as plain files, no terminal prompt, and a deadline.
 *
 * @module
 */
import { join } from "node:path";
import { MochiError, quoteValue } from "../errors.ts";
import {
  GIT_URL_SCHEMES,
  type GitRefKind,
  gitRefProblem,
  gitUrlProblem,
  isCommitId,
} from "../manifest/git_source.ts";

/** Default deadline of one git command, in milliseconds (10 minutes). */
export const GIT_TIMEOUT_MS = 10 * 60 * 1000;

/** What to fetch. */
export interface GitFetchRequest {
  /** Repository URL (checked again here). */
  url: string;
  /** The ref the manifest names; none: the remote's `HEAD`. */
  ref?: { kind: GitRefKind; value: string } | undefined;
  /** A commit the lock pins: fetched and checked out instead of resolving the ref. */
  commit?: string | undefined;
  /** Deadline of each git command, in milliseconds (default {@link GIT_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/** A fetched git source: the commit and the directory holding its tree (no `.git`). */
export interface GitCheckout extends AsyncDisposable {
  /** Full commit id. */
  commit: string;
  /** Directory holding the commit's files. */
  dir: string;
}

const CONFIG = [
  "-c",
  "protocol.allow=never",
  ...GIT_URL_SCHEMES.flatMap((s) => ["-c", `protocol.${s}.allow=always`]),
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "core.symlinks=false",
  "-c",
  "advice.detachedHead=false",
  "-c",
  "init.defaultBranch=main",
];

async function runGit(
  args: string[],
  what: string,
  timeoutMs: number,
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("git", {
      args: [...CONFIG, ...args],
      env: {
        GIT_TERMINAL_PROMPT: "0",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_PROTOCOL_FROM_USER: "0",
        GCM_INTERACTIVE: "never",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(timeoutMs),
    }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new MochiError("GIT_E001", `git is not installed, so ${what} cannot be fetched`, {
        hint: "install git (https://git-scm.com) and run the command again",
        cause: e,
      });
    }
    if ((e as Error).name === "AbortError" || (e as Error).name === "TimeoutError") {
      throw new MochiError("GIT_E001", `git did not finish ${what} within ${timeoutMs} ms`, {
        hint: "check the network and the repository, then run the command again",
        cause: e,
      });
    }
    throw e;
  }
  const dec = new TextDecoder();
  return {
    ok: out.success,
    stdout: dec.decode(out.stdout.subarray(0, 4096)),
    stderr: dec.decode(out.stderr.subarray(0, 4096)),
  };
}

function lastLines(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.slice(-2).join(" / ").slice(0, 400);
}

/**
 * Fetches a git source into a temp directory and checks out one commit.
 *
 * @param req the URL, the ref, and the locked commit when there is one
 * @returns the commit and its files; dispose to remove the temp directory
 * @throws {MochiError} `GIT_E001` (exit 3) git is missing, the fetch failed or timed out;
 *   `GIT_E002` the ref or commit is not in the repository; `SOURCE_E003` a refused URL or ref
 */
export async function fetchGitSource(req: GitFetchRequest): Promise<GitCheckout> {
  const urlProblem = gitUrlProblem(req.url);
  if (urlProblem !== undefined) {
    throw new MochiError("SOURCE_E003", `git URL ${quoteValue(req.url)} is refused: ${urlProblem}`);
  }
  if (req.ref !== undefined) {
    const p = gitRefProblem(req.ref.kind, req.ref.value);
    if (p !== undefined) {
      throw new MochiError("SOURCE_E003", `${req.ref.kind} ${quoteValue(req.ref.value)}: ${p}`);
    }
  }
  if (req.commit !== undefined && !isCommitId(req.commit)) {
    throw new MochiError("SOURCE_E003", `${quoteValue(req.commit)} is not a full commit id`);
  }
  const timeoutMs = req.timeoutMs ?? GIT_TIMEOUT_MS;
  const tmp = await Deno.makeTempDir({ prefix: "mochi-git-" });
  const dispose = () => Deno.remove(tmp, { recursive: true }).catch(() => {});
  try {
    const gitDir = join(tmp, "repo.git");
    const tree = join(tmp, "tree");
    const label = `${req.url}${req.ref ? ` (${req.ref.kind} ${req.ref.value})` : ""}`;
    const init = await runGit(
      ["init", "-q", "--bare", "--", gitDir],
      `the init for ${label}`,
      timeoutMs,
    );
    if (!init.ok) {
      throw new MochiError("GIT_E001", `git init failed: ${lastLines(init.stderr)}`);
    }
    const git = (args: string[], what: string) =>
      runGit(["--git-dir", gitDir, ...args], what, timeoutMs);
    const fetch = (refspecs: string[]) =>
      git(
        ["fetch", "-q", "--no-tags", "--no-recurse-submodules", "--", req.url, ...refspecs],
        `the fetch of ${label}`,
      );
    const resolve = async (rev: string): Promise<string | undefined> => {
      const r = await git(
        ["rev-parse", "--verify", "-q", "--end-of-options", `${rev}^{commit}`],
        `the lookup in ${label}`,
      );
      const id = r.stdout.trim();
      return r.ok && isCommitId(id) ? id : undefined;
    };

    let commit: string | undefined;
    let failure = "";
    // All of git's message, for telling a missing repository from a missing ref (its last
    // lines are "Please make sure you have the correct access rights / and the repository
    // exists.", the reason is above them).
    let failureText = "";
    const attempt = async (refspecs: string[], rev: string) => {
      const r = await fetch(refspecs);
      if (!r.ok) {
        failure = lastLines(r.stderr);
        failureText = r.stderr;
        return;
      }
      commit = await resolve(rev);
    };
    const everyRef = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];
    if (req.commit !== undefined) {
      // The locked commit: by id first (protocol v2 servers allow any reachable commit), else
      // every branch and tag, as cargo does when the server refuses a bare id.
      await attempt([req.commit], req.commit);
      if (commit === undefined) await attempt(everyRef, req.commit);
    } else if (req.ref === undefined) {
      await attempt(["+HEAD:refs/mochi/head"], "refs/mochi/head");
    } else if (req.ref.kind === "branch") {
      await attempt([`+refs/heads/${req.ref.value}:refs/mochi/ref`], "refs/mochi/ref");
    } else if (req.ref.kind === "tag") {
      await attempt([`+refs/tags/${req.ref.value}:refs/mochi/ref`], "refs/mochi/ref");
    } else {
      const rev = req.ref.value;
      if (isCommitId(rev)) await attempt([rev], rev);
      if (commit === undefined) await attempt(everyRef, rev);
      if (commit === undefined && rev.startsWith("refs/")) {
        await attempt([`+${rev}:refs/mochi/ref`], "refs/mochi/ref");
      }
    }
    if (commit === undefined) {
      const what = req.commit !== undefined
        ? `commit ${req.commit}`
        : req.ref === undefined
        ? "HEAD"
        : `${req.ref.kind} ${quoteValue(req.ref.value)}`;
      const unreachable =
        /unable to access|Could not read|could not resolve|Connection refused|not found|does not appear to be a git repository|unable to connect/i
          .test(failureText) &&
        !/couldn't find remote ref|not our ref|no such ref/i.test(failureText);
      throw new MochiError(
        unreachable ? "GIT_E001" : "GIT_E002",
        unreachable
          ? `could not fetch ${req.url}: ${
            /^fatal: .*$/m.exec(failureText)?.[0].slice(7) || failure || "git failed"
          }`
          : `${what} is not in ${req.url}${failure ? ` (${failure})` : ""}`,
        {
          hint: unreachable
            ? "check the URL and the network, then run the command again"
            : "check the branch, tag or rev in mochi.toml (or run mochi update <pkg> when the " +
              "locked commit was removed from the repository)",
        },
      );
    }
    if (req.commit !== undefined && commit !== req.commit) {
      throw new MochiError("GIT_E002", `commit ${req.commit} is not in ${req.url}`);
    }
    await Deno.mkdir(tree);
    const co = await runGit(
      ["--git-dir", gitDir, "--work-tree", tree, "checkout", "-q", "-f", commit, "--", "."],
      `the checkout of ${label}`,
      timeoutMs,
    );
    if (!co.ok) {
      throw new MochiError("GIT_E001", `git checkout of ${commit} failed: ${lastLines(co.stderr)}`);
    }
    return { commit, dir: tree, [Symbol.asyncDispose]: dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
