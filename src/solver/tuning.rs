//! The solver's tuning constants, in one place, each with the measurement behind its value.
//! None of them changes what is certified: they choose between exact paths, or how much
//! work a step does before the next, and the certificate is checked the same way whatever
//! they are. (The ones a caller may set — smoothing, neighbour columns per row, limits —
//! are `Settings`, with their defaults in `settings.rs`; numerical tolerances stay beside
//! the arithmetic they guard.)

/// The pattern path of the inner assignment (`oracle_patterns.rs`) runs when the kept items
/// fall into at most this many coefficient patterns per slot; above it the candidate lists
/// of `oracle_assign.rs` run. Its search relaxes `m + P` columns per step, the candidate
/// path's `C` (a few times `m`). (`lprank solve --repeat 41`, 1000×50 K=10, one seed per
/// family, pattern vs candidate path: partition (P = 10) 11.2 vs 17.6 ms, feed (P = 30)
/// 14.8 vs 16.5 ms, overlapping (P = 148) 18.4 vs 15.7 ms. `cargo bench --bench grid`,
/// 6 seeds, every assignment over patterns vs this threshold: 1000×50 overlapping 26.5 vs
/// 25.2 ms, real coefficients (P = kept items) 46.2 vs 24.1 ms.)
pub(crate) const MAX_PATTERNS_PER_SLOT: usize = 2;

/// Master solves in a row in which the newest column did not enter before the loop gives
/// up: rounding, not the method, is keeping the gap open then. (Each stall re-prices at
/// the same duals; more than a few never closed the gap on the fuzz corpus.)
pub(crate) const MAX_STALLS: u32 = 3;

/// Dynamic screening pays only when static screening left many more items than slots:
/// below this many times `m + 1` kept items the oracle looks at all of them. (Measured on
/// group rules, where static screening leaves a few `m + 1` per pattern, the working set
/// cost more in confirmation solves than it saved.)
pub(crate) const WORKING_SET_MIN_FACTOR: usize = 16;

/// Evaluations one line search may spend before it stops with the best point it saw (see
/// `line_search.rs`). Each is an inner solve; near the optimum a segment of `g` has many
/// pieces, and the outer loop needs a better center, not the segment's exact minimum.
pub(crate) const MAX_LINE_SEARCH_STEPS: usize = 6;

/// The candidate path starts its assignment warm (`oracle_assign.rs`) on slates of at least
/// this many slots: below, a cold search is cheap and the warm start's `O(m·C)` set-up
/// costs more than it saves. (`lprank solve --repeat 101`, mixed instances, seed 3, warm vs
/// cold per inner solve: m = 16: 3.6 vs 2.7 µs; m = 24: 101 vs 85 µs; m = 32: 96 vs 119 µs;
/// m = 50: 350 vs 575 µs.)
pub(crate) const WARM_START_MIN_SLOTS: usize = 32;

/// Bands of at least this many slots prefilter their candidates (`band_survivors` in
/// `oracle_assign.rs`): two endpoint passes and a selection, against one pass and a
/// selection per slot, so a band of two slots already breaks even when the filter drops
/// most items. With the endpoint-wise test it does: on 100,000 items with real
/// coefficients the 4- and 5-slot bands kept 51 and 52 items, where without the filter
/// every slot selected over all 99,939. (The old, looser test kept 16,248 in a 9-slot
/// band, and was worth running only from 8 slots up.)
pub(crate) const BAND_FILTER_MIN_SLOTS: usize = 2;

/// A band whose survivors (`band_survivors` in `oracle_assign.rs`) number at most this
/// many times `m + 1` gives them all to the assignment instead of selecting each slot's
/// `m + 1` best among them: there the selections keep most survivors anyway, and cost more
/// than the few extra columns (at 1000×50 real coefficients most bands keep 51–66 survivors
/// for `m + 1 = 51`). (callgrind, `lprank solve --repeat 1`, whole runs: seeds 1–5 of the
/// four families at 1000×50 K=10, selecting always / factor 1 / 2 / 4: 1,269.9M /
/// 1,244.1M / 1,232.8M / 1,267.8M instructions; 10000×100 K=20 seed 1, real: 813.9M /
/// 806.3M / 799.4M / 814.4M, overlapping: 476.8M / 474.5M / 411.8M / 508.3M. The paths
/// differ a little on ties, so single instances move by more than the method saves.)
pub(crate) const SURVIVORS_TAKEN_WHOLE: usize = 2;

/// Column pool capacity per master row: the pool holds `COLUMNS_PER_ROW · (R + 1)` rankings
/// and is purged of non-basic columns when full (`workspace.rs`). (Its memory is in the
/// formula of `memory.rs`; its speed effect is not yet measured on the grid.)
pub(crate) const COLUMNS_PER_ROW: usize = 64;

/// Pivots between two refactorisations of the master's basis inverse (`master.rs`).
/// (`cargo bench --bench grid -- 1000x50`, 8 seeds, on a loaded 2-core machine: 150 was
/// slower on every cell, partition 18.6 vs 9.6–11.5 ms, feed 11.5 vs 7.6 ms; 20 and 50
/// were within the run-to-run noise, 20–50 % there.)
pub(crate) const REFACTOR_EVERY: u32 = 50;

/// Consecutive degenerate pivots after which the master's pricing switches from Dantzig's
/// rule to Bland's, which cannot cycle (`master.rs`). (Not yet measured on the grid: the
/// one sweep, 10 vs 30, ran on a machine too loaded to separate them.)
pub(crate) const DEGENERATE_RUN: u32 = 30;

/// Static screening compares coefficient patterns pairwise only below this many patterns
/// (`screen.rs`): the comparison is quadratic (512² pattern pairs of `K` comparisons, about
/// the cost of hashing 100,000 items). Not yet measured.
pub(crate) const MAX_PATTERNS_COMPARED: usize = 512;

/// Static screening compares patterns pairwise only when the items number at least this
/// many per pattern (on average): with real coefficients nearly every item is its own
/// pattern, the comparison costs `groups²·K` and drops few items. (callgrind, whole runs of
/// `lprank solve --repeat 1`, 200×20 K=5 seeds 1–5: real coefficients 74.6M → 56.9M
/// instructions, 7–15 of 200 items no longer dropped; partition, overlapping and feed,
/// whose patterns hold many items, unchanged.)
pub(crate) const MIN_ITEMS_PER_PATTERN_COMPARED: usize = 2;

/// Static screening keeps a group's `m + 1` best items with a bounded heap when the group
/// has more than this many times `m + 1` items, and with a selection in place otherwise
/// (`screen.rs`). callgrind on the 100,000 × 50 grid instances: on `overlapping` (176
/// patterns of 200–1,600 items, keep 51) screening took 62.0M instructions with heaps
/// only, 54.8M with selections only, 57.1M at 8 and 53.9M at 32; on `partition` (10
/// groups of 10,000) heaps win (31.9M against 35.5M with selections).
pub(crate) const SCREEN_HEAP_FACTOR: usize = 32;

/// Static screening first sorts this many evenly spaced items by coefficient pattern
/// (`Screen::nearly_all_distinct`): a sort of 1,024 items of `K` comparisons each is about
/// 1 % of grouping 100,000 items, and a sample this size sees a pattern that covers 1 % of
/// the items about ten times.
pub(crate) const SCREEN_SAMPLE: usize = 1024;

/// Screening keeps every item without grouping them when at most one sampled item in this
/// many repeats a pattern of the sample (32: at most 32 of 1,024). Near that line the groups
/// are so small that few items can be dropped; items that are kept cost the oracle little
/// (a working set prices most of them only in the final check). (callgrind, `lprank solve
/// --repeat 1`, 100,000×50 K=10 real coefficients: screening 65M instructions, dropping 61
/// items, against the sample's 0.3M.)
pub(crate) const SCREEN_SAMPLE_REPEAT_DIVISOR: usize = 32;

/// Below this many items screening always groups: the sample would be most of them.
pub(crate) const SCREEN_SAMPLE_MIN_ITEMS: usize = 8 * SCREEN_SAMPLE;

/// Slots of the pattern hash table static screening starts with (`screen.rs`; doubled
/// when half full, up to `2n`): 16 KiB, in the first-level cache. (With a table of `2n`
/// slots from the start, screening 100,000 items was about a third of a 100000×50 K=10
/// solve: p50 23.1 ms, 14.7 ms with this and the row-wise hashing together.)
pub(crate) const INITIAL_TABLE_SLOTS: usize = 1024;

/// Pivots between two recomputations of the edge master's tree potentials, flows and
/// working-basis inverse from scratch (`edge_master.rs`): they bound the drift of the
/// incremental updates. Every solve also ends on one, so at the bench's ~50 pivots per
/// solve this one rarely fires. (200 against 100, callgrind over `lprank solve --repeat 1`
/// of seeds 1–5 of the four families at 1000×50 K=10: 1,576.7M against 1,577.6M
/// instructions, 11,804 against 11,519 pivots: no gain, so the shorter drift bound stays.)
pub(crate) const EDGE_REFACTOR_EVERY: u32 = 100;

/// The edge pool holds at most this many edges per slot and rule row (and never more
/// than every (item, slot) pair): the bound that sizes its memory. (1000×50 K=10 used 7–34
/// per slot when the edges tight under the oracle's duals were added too, 9–13 with those
/// within one slot, about 6–8 with the rankings' edges alone, as now.) A solve that fills it
/// stops with `IterationLimit`.
pub(crate) const EDGES_PER_NODE: usize = 64;

/// Improving columns the edge master keeps from a full pricing scan and re-prices first at
/// the next pivots, before scanning again (`edge_master.rs`). (`cargo bench --bench
/// edge_master`, with block scans then: adding the list took a seed from 2.9–3.2 to 1.8–2.1
/// ms (p50); 4, 16 and 64 candidates were within the noise, 1.6–2.0 ms.) Scans of every
/// column replaced scans in blocks of 64 that stopped at the first block with an improving
/// column: `lprank solve`, 1000×50 K=10, seeds 1–5 of the four families, master pivots in
/// all 20 solves: blocks of 32 / 64 / 128 / 256 / all: 20393 / 18782 / 16267 / 13737 /
/// 12765; with full scans, 0 (a full scan every pivot) / 4 / 16 / 64 candidates: 11131 /
/// 12205 / 12765 / 13374.
pub(crate) const EDGE_CANDIDATES: usize = 16;

/// The edge master re-prices its candidate list (`EDGE_CANDIDATES`) only while the best of it
/// is at least this fraction of the best scaled reduced cost of the last full scan; below,
/// it scans every column again (`edge_master.rs`). (`lprank solve`, 1000×50 K=10, seeds
/// 1–5 of the four families, master pivots in all 20 solves: 0 (the list until it runs
/// dry) / 0.05 / 0.1 / 0.2 / 0.3 / 0.5: 12765 / 12292 / 11519 / 11642 / 11372 / 11253;
/// callgrind instructions of the edge master on one seed per family, 0 / 0.1 / 0.3:
/// 169 / 146 / 170 M; CPU time summed over the 20 solves, 2 interleaved rounds on a loaded
/// machine: 96.5 / 93.5 / 97.2 ms.)
pub(crate) const EDGE_RESCAN_FRACTION: f64 = 0.1;
