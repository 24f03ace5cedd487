// Long-poll timing (ExplorationHooks::long_poll): the runtime reads a coarse wall clock at the end
// of each step and emits long_poll only for a step that held the thread past the threshold.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {
struct LongPolls final : weft::Observer {
  explicit LongPolls(weft::EventMask wanted) : wanted_(wanted) {}
  weft::EventMask interests() const override { return wanted_; }
  void on_event(const weft::Event& e) override {
    if (e.kind != weft::EventKind::long_poll) return;
    polls.push_back(e);
    how.emplace_back(e.text);
    for (const auto& t : e.runtime->tasks())
      if (t.id == e.task) names.push_back(t.name);
  }
  weft::EventMask wanted_;
  std::vector<weft::Event> polls;
  std::vector<std::string> how, names;
};

int g_resumed_line = 0;

void blocking_runtime() {
  weft::Runtime rt;
  rt.block_on([] {
    auto h = weft::spawn(
        [] {
          g_resumed_line = __LINE__ + 1;
          weft::sleep(1ms);
          std::this_thread::sleep_for(40ms);  // holds the thread: no scheduling point
          weft::sleep(1ms);
        },
        "blocker");
    h.join();
  });
}
}  // namespace

TEST_CASE("long poll: the runtime reports a step that held the thread, with where it resumed") {
  LongPolls watch(weft::event_bit(weft::EventKind::long_poll));
  weft::detail::ScopedExplorationHooks hooks({.observer = &watch, .long_poll = 20ms});
  blocking_runtime();
  REQUIRE(watch.polls.size() == 1);
  const weft::Event& e = watch.polls.front();
  CHECK(watch.names.front() == "blocker");
  CHECK(e.value >= std::chrono::nanoseconds(20ms).count());
  CHECK(watch.how.front() == "blocked");  // it ended at the second weft::sleep
  CHECK(e.where.line() == static_cast<unsigned>(g_resumed_line));
}

TEST_CASE("long poll: nothing is timed or emitted below the threshold or when nobody asks") {
  SECTION("a threshold the step stays under") {
    LongPolls watch(weft::event_bit(weft::EventKind::long_poll));
    weft::detail::ScopedExplorationHooks hooks({.observer = &watch, .long_poll = 10s});
    blocking_runtime();
    CHECK(watch.polls.empty());
  }
  SECTION("an observer that does not want long_poll events") {
    LongPolls watch(weft::kAllEvents & ~weft::event_bit(weft::EventKind::long_poll));
    weft::detail::ScopedExplorationHooks hooks({.observer = &watch, .long_poll = 20ms});
    blocking_runtime();
    CHECK(watch.polls.empty());
  }
}
