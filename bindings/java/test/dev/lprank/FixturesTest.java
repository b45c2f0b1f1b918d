package dev.lprank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every problem of tests/fixtures solved through the Java binding, against the status and
 * objective HiGHS gives in tests/fixtures/expected.json (an oracle independent of lprank),
 * with the whole answer (lottery, rule values, violations and duals, bound, or the Farkas
 * ray) certified by {@link Oracle}, cold and again warm with the same solver.
 */
class FixturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<File> fixtures() {
        File dir = new File(System.getProperty("lprank.fixtures.dir", "../../tests/fixtures"));
        File[] files = dir.listFiles((d, name) -> name.matches("\\d\\d-.*\\.json"));
        assertNotNull(files, dir + " holds the fixtures");
        assertTrue(files.length >= 12, files.length + " fixtures");
        Arrays.sort(files);
        return Arrays.stream(files);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void matchesHighs(File file) throws IOException {
        String name = file.getName().replace(".json", "");
        JsonNode expected = JSON.readTree(new File(file.getParentFile(), "expected.json")).get(name);
        assertNotNull(expected, name + " in expected.json");
        JsonNode p = JSON.readTree(file);
        double[] scores = doubles(p.get("scores"));
        double[] weights = p.has("position_weights") ? doubles(p.get("position_weights")) : null;
        int slots = p.has("slots") ? p.get("slots").asInt() : 0;
        JsonNode constraints = p.get("constraints");
        Rule[] rules = new Rule[constraints.size()];
        for (int k = 0; k < rules.length; k++) rules[k] = rule(constraints.get(k));
        try (Solver solver = new Solver()) {
            Solution s = solver.solve(scores, slots, weights, rules);
            // The second solve reuses the first's workspace: it must be as right.
            Oracle.Problem problem = new Oracle.Problem(scores, slots, weights, rules);
            Oracle.certify(problem, s, name + " cold");
            Oracle.certify(problem, solver.solve(scores, slots, weights, rules), name + " warm");
            if (expected.get("status").asText().equals("infeasible")) {
                assertEquals(Solution.INFEASIBLE, s.status, name);
                return;
            }
            assertEquals(Solution.OPTIMAL, s.status, name);
            double optimum = expected.get("objective").asDouble();
            assertEquals(optimum, s.objective, 1e-7 * Math.max(1, Math.abs(optimum)), name);
            for (int k = 0; k < rules.length; k++) {
                JsonNode c = constraints.get(k);
                if (c.has("penalty")) continue;
                double slack = 1e-9 * Math.max(1, Math.max(Math.abs(c.path("max").asDouble(0)), Math.abs(c.path("min").asDouble(0))));
                if (c.has("max")) assertTrue(s.ruleValues[k] <= c.get("max").asDouble() + slack, name + " rule " + k);
                if (c.has("min")) assertTrue(s.ruleValues[k] >= c.get("min").asDouble() - slack, name + " rule " + k);
            }
            double total = 0;
            for (double q : s.probabilities) total += q;
            assertEquals(1.0, total, 1e-9, name);
        }
    }

    private static Rule rule(JsonNode c) {
        long[] items = c.has("items") ? longs(c.get("items")) : null;
        double[] coefficients = c.has("coefficients") ? doubles(c.get("coefficients")) : null;
        int profile = c.has("top") ? Rule.TOP : c.path("exposure").asBoolean(false) ? Rule.EXPOSURE : Rule.WHOLE_SLATE;
        long top = c.path("top").asLong(0);
        Double min = c.has("min") ? c.get("min").asDouble() : null, max = c.has("max") ? c.get("max").asDouble() : null;
        Rule r = Rule.between(items, coefficients, profile, top, min, max).named(c.path("name").asText(""));
        return c.has("penalty") ? r.soft(c.get("penalty").asDouble()) : r;
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asDouble();
        return out;
    }

    private static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asLong();
        return out;
    }
}
