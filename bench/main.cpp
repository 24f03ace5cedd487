// weft_bench: the runtime micro-benchmarks (see bench/README.md for what each pair measures).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
