// The fuzz entry point (weft/fuzz.hpp) without libFuzzer: inputs become executions, failing ones
// write traces named by the input's SHA-1, two different bugs give two signatures, two dedup
// tokens and two crash states, and schedule coverage grows with new interleavings only.
#include "weft/fuzz.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "../../fuzz/two_bugs.hpp"
#include "weft/harness/schedule_coverage.hpp"
#include "weft/harness/strategies.hpp"
#include "weft/weft.hpp"

namespace {

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

using weft_examples::two_bugs;

void correct_counter() {
  weft::Runtime rt;
  rt.block_on([] {
    auto counter = std::make_shared<weft::Atomic<int>>(0);
    auto a = weft::spawn([counter] { counter->fetch_add(1); }, "a");
    auto b = weft::spawn([counter] { counter->fetch_add(1); }, "b");
    a.join();
    b.join();
    WEFT_CHECK(counter->load() == 2);
  });
}

weft::fuzz::Prepared prepared(std::string name, std::function<void()> body) {
  return weft::fuzz::prepare(
      weft::ExploreOptions{},
      weft::ExploreTarget{std::move(name), weft::Flavor::multi_thread, std::move(body)});
}

// Every 4-byte input over 0..3 (short schedules with a few switches), then pseudo-random ones.
std::vector<std::vector<std::uint8_t>> small_inputs() {
  std::vector<std::vector<std::uint8_t>> inputs{{}};
  for (unsigned i = 0; i < 256; ++i)
    inputs.push_back({static_cast<std::uint8_t>(i & 3), static_cast<std::uint8_t>(i >> 2 & 3),
                      static_cast<std::uint8_t>(i >> 4 & 3), static_cast<std::uint8_t>(i >> 6)});
  std::uint64_t state = 1;
  for (int i = 0; i < 500; ++i) {
    std::vector<std::uint8_t> input(12);
    for (auto& b : input) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      b = static_cast<std::uint8_t>(state >> 56);
    }
    inputs.push_back(std::move(input));
  }
  return inputs;
}

}  // namespace

TEST_CASE("sha1_hex names inputs as libFuzzer names its artifacts") {
  CHECK(weft::fuzz::sha1_hex(nullptr, 0) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  auto abc = bytes_of("abc");
  CHECK(weft::fuzz::sha1_hex(abc.data(), abc.size()) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  auto two_blocks = bytes_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  CHECK(weft::fuzz::sha1_hex(two_blocks.data(), two_blocks.size()) ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST_CASE("trace names: the target's file-safe name, the strategy and the input's hash") {
  auto abc = bytes_of("abc");
  CHECK(weft::fuzz::trace_path("out", "my test/x", abc.data(), abc.size()) ==
        "out/my-test-x-bytes-a9993e364706816aba3e25717850c26c9cd0d89d.json");
  CHECK(weft::fuzz::stem_of("fuzz/worker_pool_fuzz.cpp") == "worker_pool_fuzz");
  CHECK(weft::fuzz::stem_of("plain") == "plain");
}

TEST_CASE("dedup tokens and crash frames follow the signature, and only the signature") {
  weft::Failure a;
  a.kind = weft::FailureKind::task_panic;
  a.task_name = "worker";
  a.where = weft::Location{"src/pool.cpp", 10, "run"};
  weft::Failure same = a;
  same.message = "another message";
  same.step = 99;
  weft::Failure other_line = a;
  other_line.where.line = 11;
  weft::Failure other_kind = a;
  other_kind.kind = weft::FailureKind::deadlock;

  CHECK(weft::fuzz::dedup_token(a) == weft::fuzz::dedup_token(same));
  CHECK(weft::fuzz::crash_frames(a) == weft::fuzz::crash_frames(same));
  CHECK(weft::fuzz::dedup_token(a) != weft::fuzz::dedup_token(other_line));
  CHECK(weft::fuzz::crash_frames(a) != weft::fuzz::crash_frames(other_line));
  CHECK(weft::fuzz::dedup_token(a).rfind("weft-task_panic-", 0) == 0);
  auto frames = weft::fuzz::crash_frames(other_kind);
  REQUIRE(frames.size() == 3);
  CHECK(frames[0] == "weft::fuzz::crash::deadlock");
  CHECK(frames[1].rfind("weft::fuzz::crash::hash_byte_", 0) == 0);
}

TEST_CASE("two different bugs in one body: two signatures, two tokens, two traces") {
  const auto dir = std::filesystem::temp_directory_path() / "weft-fuzz-test-two-bugs";
  std::filesystem::remove_all(dir);
  setenv("WEFT_FUZZ_TRACE_DIR", dir.c_str(), 1);
  auto p = prepared("two bugs", two_bugs);
  std::map<std::string, weft::fuzz::InputResult> by_signature;
  std::set<std::string> paths;
  for (const auto& input : small_inputs()) {
    auto r = weft::fuzz::check_input(p, input.data(), input.size());
    if (r.failures.empty()) continue;
    REQUIRE(!r.trace_path.empty());
    CHECK(std::filesystem::exists(r.trace_path));
    CHECK(paths.insert(r.trace_path).second);  // never the same file for another input
    // The trace replays the same failure.
    weft::Trace trace = weft::read_trace_file(r.trace_path);
    CHECK(trace.strategy == "bytes");
    weft::ReplayResult again = weft::replay(trace, p.target, p.options);
    REQUIRE(!again.failures.empty());
    CHECK(again.failures.front().signature() == r.failures.front().signature());
    by_signature.emplace(r.failures.front().signature(), std::move(r));
  }
  unsetenv("WEFT_FUZZ_TRACE_DIR");
  REQUIRE(by_signature.size() >= 2);
  std::set<std::string> tokens, states;
  std::set<std::uint32_t> lines;
  for (const auto& [signature, r] : by_signature) {
    tokens.insert(r.dedup_token);
    auto frames = weft::fuzz::crash_frames(r.failures.front());
    states.insert(frames[0] + frames[1] + frames[2]);
    lines.insert(r.failures.front().where.line);
  }
  CHECK(lines.size() >= 2);  // the watcher's check and the final check
  CHECK(tokens.size() == by_signature.size());
  CHECK(states.size() == by_signature.size());
  std::filesystem::remove_all(dir);
}

TEST_CASE("a correct body never fails whatever the bytes") {
  auto p = prepared("correct counter", correct_counter);
  for (const auto& input : small_inputs())
    REQUIRE(weft::fuzz::check_input(p, input.data(), input.size()).failures.empty());
}

TEST_CASE("schedule coverage counts new interleavings, not repeated ones") {
  std::vector<std::uint8_t> counters(1 << 12);
  weft::ScheduleCoverage coverage(counters);
  auto run = [&](std::vector<std::uint8_t> input) {
    weft::ByteStream bytes(input);
    bytes.begin_execution(0, 0);
    coverage.begin_execution();
    weft::run_execution(weft::ExploreOptions{},
                        weft::ExploreTarget{"t", weft::Flavor::multi_thread, two_bugs}, bytes,
                        &coverage);
    return coverage.features_hit();
  };
  const auto first = run({});
  CHECK(first > 0);
  CHECK(run({}) == first);  // the same schedule: nothing new
  std::uint64_t most = first;
  for (std::uint8_t a = 0; a < 4; ++a)
    for (std::uint8_t b = 0; b < 4; ++b) most = run({a, b, 1, 1});
  CHECK(most > first);  // other interleavings: new switch or conflict pairs
}

TEST_CASE("schedule coverage features depend on a site's file name, not on where it is stored") {
  // Two processes of one binary keep the file names at different addresses (address-space layout
  // randomisation): the same events must hit the same counters, or two fuzzing runs with one seed
  // drift apart. Two copies of a name at two addresses stand in for the two processes.
  auto counters_after = [](const char* file) {
    std::vector<std::uint8_t> counters(1 << 12);
    weft::ScheduleCoverage coverage(counters);
    coverage.begin_execution();
    for (std::uint32_t i = 0; i < 40; ++i) {
      weft::Event e;
      e.kind = i % 2 == 0 ? weft::EventKind::run : weft::EventKind::op;
      e.op = weft::Op::send;
      e.object_kind = weft::ObjectKind::mpsc;
      e.task = i % 3;
      e.object = i % 5;
      e.where = weft::SourceLocation::current(file, "f", 10 + i % 7);
      coverage.on_event(e);
    }
    CHECK(coverage.features_hit() > 0);
    return counters;
  };
  const std::string first = "app/worker.cpp";
  const std::string second = first;  // the same text at another address
  REQUIRE(first.c_str() != second.c_str());
  CHECK(counters_after(first.c_str()) == counters_after(second.c_str()));
  CHECK(counters_after(first.c_str()) != counters_after("app/other.cpp"));
}
