import dev.lprank.Rule;
import java.util.Scanner;

/** Readers for the plain-number input files tests/bindings.rs writes, shared by the Java test programs. */
final class TestInput {
    private TestInput() {}

    /** K rules, each: profile top has_max max has_min min has_penalty penalty kind count v... */
    static Rule[] rules(int k, Scanner in) {
        Rule[] rules = new Rule[k];
        for (int r = 0; r < k; r++) {
            int profile = in.nextInt();
            long top = in.nextLong();
            boolean hasMax = in.nextInt() != 0;
            double max = Double.parseDouble(in.next());
            boolean hasMin = in.nextInt() != 0;
            double min = Double.parseDouble(in.next());
            boolean hasPenalty = in.nextInt() != 0;
            double penalty = Double.parseDouble(in.next());
            int kind = in.nextInt(), count = in.nextInt();
            long[] items = null;
            double[] coefficients = null;
            if (kind == 0) {
                items = new long[count];
                for (int i = 0; i < count; i++) items[i] = in.nextLong();
            } else {
                coefficients = doubles(in, count);
            }
            Rule rule = Rule.between(items, coefficients, profile, top, hasMin ? min : null, hasMax ? max : null);
            rules[r] = hasPenalty ? rule.soft(penalty) : rule;
        }
        return rules;
    }

    static double[] doubles(Scanner in, int count) {
        double[] v = new double[count];
        for (int k = 0; k < count; k++) v[k] = Double.parseDouble(in.next());
        return v;
    }

    static float[] floats(Scanner in, int count) {
        float[] v = new float[count];
        for (int k = 0; k < count; k++) v[k] = Float.parseFloat(in.next());
        return v;
    }

    /** Unsigned 64-bit ids. */
    static long[] ids(Scanner in, int count) {
        long[] v = new long[count];
        for (int k = 0; k < count; k++) v[k] = Long.parseUnsignedLong(in.next());
        return v;
    }
}
