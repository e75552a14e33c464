# Sourced by .ci/run: the toolchains the native fan-out validators use where they can, from
# Debian's packages (no NuGet, Erlang or Mono toolchain ships with the machine): Mono's C# compiler
# and runtime with NuGet's own client (`mcs`, `mono`, `nuget`: tests/fanout_nuget_test.ts compiles
# and runs a program against the packed assembly and installs the .nupkg with `nuget install`) and
# Erlang with rebar3 (`erl`, `erlc`, `rebar3`: tests/fanout_hex_test.ts reads metadata.config with
# file:consult/1, compiles the packed sources and builds a consumer depending on the package).
# The tests stay offline and skip these validators, saying so, when a tool is still absent; cargo
# comes with the machine.
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ] &&
  { ! command -v mcs >/dev/null 2>&1 || ! command -v mono >/dev/null 2>&1 ||
    ! command -v nuget >/dev/null 2>&1 || ! command -v erlc >/dev/null 2>&1 ||
    ! command -v rebar3 >/dev/null 2>&1; }; then
  {
    apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        mono-mcs nuget erlang-base rebar3 >/dev/null
  } || echo "fanout native tools: mono/nuget/erlang/rebar3 did not install; their validators will skip"
fi
