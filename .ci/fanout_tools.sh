# Sourced by .ci/run: the tools the fan-out validators use (tests/fanout_pyjvm_tools_test.ts),
# installed once per machine from the package registries; the tests themselves stay offline and
# skip a validator, saying so, when its tool is still absent.
# - twine, in its own venv, for `twine check` of the wheel and sdist and the upload comparison
#   (MOCHI_TWINE); pypiserver 2.4.2, a real index server for the upload test (MOCHI_PYPISERVER);
# - the Maven install, dependency and deploy plugins in ~/.m2, which the Maven runs of the tests
#   read as a file:// mirror: warmed by installing a throwaway jar, resolving it and deploying it
#   to a temp folder once, then removed.
TOOLS="${HOME}/.cache/mochi-tools"
if command -v python3 >/dev/null 2>&1; then
  if [ ! -x "${TOOLS}/twine/bin/twine" ]; then
    python3 -m venv "${TOOLS}/twine" && "${TOOLS}/twine/bin/pip" install -q twine ||
      echo "fanout tools: twine did not install; twine check will be skipped"
  fi
  if [ -x "${TOOLS}/twine/bin/twine" ]; then export MOCHI_TWINE="${TOOLS}/twine/bin/twine"; fi
  if [ ! -x "${TOOLS}/pypiserver/bin/pypi-server" ]; then
    python3 -m venv "${TOOLS}/pypiserver" &&
      "${TOOLS}/pypiserver/bin/pip" install -q 'pypiserver==2.4.2' ||
      echo "fanout tools: pypiserver did not install; its upload test will be skipped"
  fi
  if [ -x "${TOOLS}/pypiserver/bin/pypi-server" ]; then
    export MOCHI_PYPISERVER="${TOOLS}/pypiserver/bin/pypi-server"
  fi
fi
M2="${HOME}/.m2/repository/org/apache/maven/plugins"
if command -v mvn >/dev/null 2>&1 && command -v jar >/dev/null 2>&1 &&
  { [ ! -f "${M2}/maven-install-plugin/2.4/maven-install-plugin-2.4.jar" ] ||
    [ ! -f "${M2}/maven-dependency-plugin/2.8/maven-dependency-plugin-2.8.jar" ] ||
    [ ! -f "${M2}/maven-deploy-plugin/2.7/maven-deploy-plugin-2.7.jar" ]; }; then
  WARM="$(mktemp -d)"
  (
    cd "${WARM}" && mkdir -p c && echo "warm" >w.txt && jar cf w.jar w.txt &&
      mvn -B -q org.apache.maven.plugins:maven-install-plugin:2.4:install-file -Dfile=w.jar \
        -DgroupId=mochi.ci.warm -DartifactId=warm -Dversion=1 -Dpackaging=jar &&
      printf '%s' '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>c</groupId><artifactId>c</artifactId><version>1</version><dependencies><dependency><groupId>mochi.ci.warm</groupId><artifactId>warm</artifactId><version>1</version></dependency></dependencies></project>' >c/pom.xml &&
      (cd c && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:2.8:build-classpath) &&
      mvn -B -q org.apache.maven.plugins:maven-deploy-plugin:2.7:deploy-file -Dfile=w.jar \
        -DgroupId=mochi.ci.warm -DartifactId=warm -Dversion=1 -Dpackaging=jar \
        -Durl="file://${WARM}/deployed" -DrepositoryId=warm
  ) || echo "fanout tools: the Maven plugins did not install; the Maven validator will be skipped"
  rm -rf "${WARM}" "${HOME}/.m2/repository/mochi/ci/warm"
  rmdir "${HOME}/.m2/repository/mochi/ci" "${HOME}/.m2/repository/mochi" 2>/dev/null || true
fi
