// Test oracle: node-semver (the copy npm ships, path in NPM_SEMVER), the range semantics of npm
// and JSR. Reads tab-separated requests from stdin, one per line, and answers one line each:
//   sort<TAB>v1<TAB>v2...       -> the sign of compare(v[i], v[i+1]) for each adjacent pair
//   range<TAB>spec<TAB>v1...    -> 1 or 0 per version: semver.satisfies(v, spec)
const semver = require(process.env.NPM_SEMVER);
const readline = require("node:readline");
const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const f = line.split("\t");
  try {
    let out;
    if (f[0] === "sort") {
      out = f.slice(1, -1).map((v, i) => String(semver.compare(v, f[i + 2])));
    } else {
      if (semver.validRange(f[1]) === null) throw new Error(`invalid range ${f[1]}`);
      out = f.slice(2).map((v) => (semver.satisfies(v, f[1]) ? "1" : "0"));
    }
    process.stdout.write(out.join(" ") + "\n");
  } catch (e) {
    process.stdout.write("error " + String(e).replace(/\n/g, " ") + "\n");
  }
});
