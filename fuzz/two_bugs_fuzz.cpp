// A fuzz target with two different bugs in one body (fuzz/two_bugs.hpp), built on the user-facing
// entry point: scripts/check_fuzz_dedup.sh checks that they crash with two different DEDUP_TOKEN
// lines and two different crash states (top frames), as ClusterFuzz needs to file two bugs.
#include "two_bugs.hpp"
#include "weft/fuzz.hpp"

WEFT_FUZZ_TARGET(weft::ExploreOptions{}, weft_examples::two_bugs)
