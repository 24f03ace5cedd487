// libFuzzer target: libFuzzer's bytes are the decisions of one execution of a scenario (by
// default the flagship; WEFT_FUZZ_SCENARIO names another). A failing execution writes its
// trace under traces/ and aborts, so libFuzzer keeps the input as a crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "weft/harness/explorer.hpp"
#include "weft/harness/scenario.hpp"
#include "weft/harness/strategies.hpp"

namespace {
const weft::Scenario& fuzzed_scenario() {
  static const weft::Scenario* scenario = [] {
    const char* name = std::getenv("WEFT_FUZZ_SCENARIO");
    const weft::Scenario* s = weft::find_scenario(name ? name : "shutdown-producer-worker");
    if (s == nullptr) {
      std::fprintf(stderr, "weft fuzz: unknown scenario \"%s\"\n", name);
      std::exit(2);
    }
    return s;
  }();
  return *scenario;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const weft::Scenario& scenario = fuzzed_scenario();
  weft::ExploreOptions options = weft::default_options(scenario);
  weft::ByteStream bytes(data, size);
  bytes.begin_execution(0, 0);
  weft::Trace trace;
  trace.scenario = scenario.name;
  trace.flavor = scenario.flavor;
  trace.strategy = bytes.name();
  trace.strategy_parameters = bytes.parameters();
  trace.max_steps = options.max_steps;
  weft::ExecutionRecord run = weft::run_execution(options, weft::target_of(scenario), bytes);
  if (run.failures.empty()) return 0;
  trace.decisions = run.decisions;
  weft::ReplayResult replayed = weft::replay(trace, weft::target_of(scenario), options);
  std::error_code ec;
  std::filesystem::create_directories("traces", ec);
  const std::string path = "traces/fuzz-" + scenario.name + ".json";
  weft::write_trace_file(replayed.trace, path);
  std::fprintf(stderr, "weft fuzz: %s\ntrace: %s\nSUMMARY: weft: %s in %s\n",
               run.failures.front().describe().c_str(), path.c_str(),
               std::string(weft::to_string(run.failures.front().kind)).c_str(),
               scenario.name.c_str());
  std::abort();
}
