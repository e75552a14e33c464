# Test oracle: PEP 440 order and specifier membership by pypa/packaging (the machine's python3).
# Reads tab-separated requests from stdin, one per line, and answers one line each:
#   sort<TAB>v1<TAB>v2...       -> the sign of compare(v[i], v[i+1]) for each adjacent pair
#   range<TAB>spec<TAB>v1...    -> 1 or 0 per version: whether the specifier set contains it
import sys
from packaging.specifiers import SpecifierSet
from packaging.version import Version

for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    try:
        if f[0] == "sort":
            vs = [Version(v) for v in f[1:]]
            out = [str((a > b) - (a < b)) for a, b in zip(vs, vs[1:])]
        else:
            s = SpecifierSet(f[1])
            out = ["1" if s.contains(Version(v)) else "0" for v in f[2:]]
        print(" ".join(out), flush=True)
    except Exception as e:  # answered, so the test shows it
        print("error " + repr(e).replace("\n", " "), flush=True)
