package dev.lprank;

/**
 * The best assignment of slots to distinct items: {@code min} (or {@code max}) of
 * {@code Σ_j cost[j][item(j)]} over every way to give each of the m slots its own item out of
 * n ≥ m. The oracle's answer to "what is the best deterministic slate for these reduced
 * scores", which the Lagrangian bound and the Farkas ray check both need. Written here (the
 * Hungarian method with potentials, O(m² n)) so that the tests' expected values do not come
 * from lprank, whose own assignment code is under test; {@link OracleTest} checks it against
 * brute force.
 */
final class Assignment {
    private Assignment() {}

    /** The largest total over assignments of the rows (slots) to distinct columns (items). */
    static double max(double[][] profit) {
        double[][] cost = new double[profit.length][];
        for (int j = 0; j < profit.length; j++) {
            cost[j] = new double[profit[j].length];
            for (int i = 0; i < cost[j].length; i++) cost[j][i] = -profit[j][i];
        }
        return -min(cost);
    }

    /** The smallest total over assignments of the rows (slots) to distinct columns (items). */
    static double min(double[][] cost) {
        int rows = cost.length;
        if (rows == 0) return 0;
        int cols = cost[0].length;
        if (rows > cols) throw new IllegalArgumentException(rows + " slots for " + cols + " items");
        // 1-based: column 0 and row 0 are the virtual start of each augmenting path.
        double[] u = new double[rows + 1], v = new double[cols + 1];
        int[] rowOf = new int[cols + 1], way = new int[cols + 1];
        for (int r = 1; r <= rows; r++) {
            rowOf[0] = r;
            int c0 = 0;
            double[] minv = new double[cols + 1];
            java.util.Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] used = new boolean[cols + 1];
            do {
                used[c0] = true;
                int r0 = rowOf[c0], c1 = 0;
                double delta = Double.POSITIVE_INFINITY;
                for (int c = 1; c <= cols; c++) {
                    if (used[c]) continue;
                    double reduced = cost[r0 - 1][c - 1] - u[r0] - v[c];
                    if (reduced < minv[c]) {
                        minv[c] = reduced;
                        way[c] = c0;
                    }
                    if (minv[c] < delta) {
                        delta = minv[c];
                        c1 = c;
                    }
                }
                for (int c = 0; c <= cols; c++) {
                    if (used[c]) {
                        u[rowOf[c]] += delta;
                        v[c] -= delta;
                    } else {
                        minv[c] -= delta;
                    }
                }
                c0 = c1;
            } while (rowOf[c0] != 0);
            do {
                int c1 = way[c0];
                rowOf[c0] = rowOf[c1];
                c0 = c1;
            } while (c0 != 0);
        }
        // The total from the assignment itself, not from the potentials: no rounding drift.
        double total = 0;
        for (int c = 1; c <= cols; c++)
            if (rowOf[c] != 0) total += cost[rowOf[c] - 1][c - 1];
        return total;
    }
}
