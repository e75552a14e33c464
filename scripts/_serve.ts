/**
 * Starts `mochi registry serve` in a subprocess and waits for the URL it prints. Shared by the
 * demo, the benchmarks and the tests.
 *
 * @module
 */

/** A running `mochi registry serve` subprocess. */
export interface RegistryProcess {
  /** Base URL, ending in `/`. */
  url: string;
  /** The subprocess (stdout released, stderr piped). */
  child: Deno.ChildProcess;
}

/**
 * Spawns `deno run -A cli.ts registry serve <dir> --port <port>`.
 *
 * @param dir registry directory
 * @param port port to bind; 0 picks a free one
 * @param extraArgs more `registry serve` arguments, e.g. `["--allow-publish", "--trusted-root", f]`
 * @returns the URL and process, or `{ error }` with the server's stderr when it exits first
 */
export async function spawnRegistryServer(
  dir: string,
  port = 0,
  extraArgs: readonly string[] = [],
): Promise<RegistryProcess | { error: string }> {
  const cli = new URL("../cli.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, "registry", "serve", dir, "--port", String(port), ...extraArgs],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const m = text.match(/at (http:\/\/\S+)/);
    if (m) {
      reader.releaseLock();
      return { url: m[1]!, child };
    }
  }
  const error = await new Response(child.stderr).text();
  await child.status;
  return { error: `${text}${error}` };
}
