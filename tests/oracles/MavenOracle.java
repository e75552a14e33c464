// Test oracle: Maven's own version order and range membership (maven-artifact's
// ComparableVersion and VersionRange, from fixtures/maven-artifact/). Reads tab-separated requests
// from stdin, one per line, and answers one line each:
//   sort<TAB>v1<TAB>v2...       -> the sign of compare(v[i], v[i+1]) for each adjacent pair
//   range<TAB>spec<TAB>v1...    -> 1 or 0 per version: whether the range contains it
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.StringJoiner;
import org.apache.maven.artifact.versioning.ComparableVersion;
import org.apache.maven.artifact.versioning.DefaultArtifactVersion;
import org.apache.maven.artifact.versioning.VersionRange;

public class MavenOracle {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    String line;
    while ((line = in.readLine()) != null) {
      String[] f = line.split("\t", -1);
      StringJoiner out = new StringJoiner(" ");
      try {
        if (f[0].equals("sort")) {
          for (int i = 1; i + 1 < f.length; i++) {
            out.add(Integer.toString(Integer.signum(
                new ComparableVersion(f[i]).compareTo(new ComparableVersion(f[i + 1])))));
          }
        } else {
          VersionRange r = VersionRange.createFromVersionSpec(f[1]);
          for (int i = 2; i < f.length; i++) {
            out.add(r.containsVersion(new DefaultArtifactVersion(f[i])) ? "1" : "0");
          }
        }
        System.out.println(out.toString());
      } catch (Exception e) {
        System.out.println("error " + e.toString().replace('\n', ' '));
      }
      System.out.flush();
    }
  }
}
