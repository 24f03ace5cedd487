// libFuzzer target over weft's own catalogue: libFuzzer's bytes are the decisions of one
// execution of a scenario: WEFT_FUZZ_SCENARIO names it at run time, else the one compiled in
// (-DWEFT_FUZZ_SCENARIO_NAME="...": one binary per scenario for engines that set no
// environment, as OSS-Fuzz/ClusterFuzzLite), else the flagship. Built on
// the same entry point as users' targets (weft/fuzz.hpp): a failing input writes its trace as
// traces/<scenario>-bytes-<sha1 of the input>.json (weft replay takes it) and aborts through frames
// chosen by the failure's signature.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "weft/fuzz.hpp"
#include "weft/harness/scenario.hpp"

#ifndef WEFT_FUZZ_SCENARIO_NAME
#define WEFT_FUZZ_SCENARIO_NAME "shutdown-producer-worker"
#endif

namespace {
const weft::fuzz::Prepared& prepared() {
  static const weft::fuzz::Prepared p = [] {
    const char* name = std::getenv("WEFT_FUZZ_SCENARIO");
    if (name == nullptr || *name == '\0') name = WEFT_FUZZ_SCENARIO_NAME;
    const weft::Scenario* s = weft::find_scenario(name);
    if (s == nullptr) {
      std::fprintf(stderr, "weft fuzz: unknown scenario \"%s\" (weft list shows them)\n", name);
      std::exit(2);
    }
    return weft::fuzz::prepare(weft::default_options(*s), weft::target_of(*s));
  }();
  return p;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return weft::fuzz::run_input(prepared(), data, size);
}
