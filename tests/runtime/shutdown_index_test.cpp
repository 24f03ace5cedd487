// An explored shutdown takes its candidates from an index the runtime keeps current as tasks come
// and go (runtime/src/ranked_slots.hpp), not from a list built for every drop. These tests hold
// the index to what a list would say: the index against a plain vector, and the candidates of
// every shutdown decision against the live tasks an observer tracks from the events, with many
// tasks dropped in random orders; replaying the answers gives the same drop order.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "../../runtime/src/ranked_slots.hpp"
#include "test_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

std::uint64_t split_mix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Answers uniformly at random (never a spurious wake-up), records every answer, and keeps the
// candidates of each shutdown decision (read through the Candidates view, as a strategy would).
class ShutdownRecorder final : public weft::Chooser {
 public:
  explicit ShutdownRecorder(std::uint64_t seed) : state_(seed) {}
  std::size_t choose(weft::DecisionKind kind, const weft::Candidates& candidates,
                     const weft::DecisionContext& context) override {
    std::size_t pick = 0;
    if (kind != weft::DecisionKind::spurious) pick = split_mix(state_) % candidates.size();
    picks.push_back(pick);
    if (kind == weft::DecisionKind::shutdown) {
      shutdown.emplace_back(candidates.begin(), candidates.end());
      new_runnable.push_back(context.new_runnable);
      check(live_at_decision());
    }
    return pick;
  }
  // Set by the test: called at each shutdown decision with what was offered.
  std::function<void(const std::vector<weft::Candidate>&)> check;
  const std::vector<weft::Candidate>& live_at_decision() const { return shutdown.back(); }
  std::vector<std::size_t> picks;
  std::vector<std::vector<weft::Candidate>> shutdown;
  std::vector<std::size_t> new_runnable;

 private:
  std::uint64_t state_;
};

// Which tasks are alive and which are blocked, from the events; and the drop order.
struct LiveTasks final : weft::Observer {
  void on_event(const weft::Event& e) override {
    switch (e.kind) {
      case weft::EventKind::spawn:
        live.insert(e.task);
        break;
      case weft::EventKind::finish:
      case weft::EventKind::cancelled:
        live.erase(e.task);
        blocked.erase(e.task);
        break;
      case weft::EventKind::block:
        blocked.insert(e.task);
        break;
      case weft::EventKind::wake:
      case weft::EventKind::timer_fire:
      case weft::EventKind::run:
        blocked.erase(e.task);
        break;
      case weft::EventKind::drop:
        drops.push_back(e.task);
        blocked.erase(e.task);
        break;
      case weft::EventKind::shutdown_begin:
        live_at_shutdown = live.size();
        break;
      default:
        break;
    }
  }
  std::set<weft::TaskId> live, blocked;
  std::vector<weft::TaskId> drops;
  std::size_t live_at_shutdown = 0;
};

// n tasks of four kinds alive when the root returns: sleepers; receivers whose only sender is
// held by a sleeper (a drop of that sleeper wakes them); counters that do a few atomic steps
// between awaits (so a random schedule leaves some preempted mid-poll); and tasks spawned last,
// never polled.
void many_tasks(int n, weft::Atomic<int>& counter) {
  for (int i = 0; i < n; ++i) {
    switch (i % 4) {
      case 0:
        weft::spawn([] { weft::sleep(1h); });
        break;
      case 1: {
        auto [tx, rx] = weft::mpsc::unbounded<int>();
        weft::spawn([rx = std::move(rx)]() mutable { (void)rx.recv(); });
        weft::spawn([tx = std::move(tx)] { weft::sleep(1h); });
        break;
      }
      default:
        weft::spawn([&counter] {
          for (int k = 0; k < 3; ++k) counter.fetch_add(1);
          weft::sleep(1h);
        });
    }
  }
  weft::yield_now();
  for (int i = 0; i < n / 4; ++i) weft::spawn([] { weft::sleep(1h); });  // never polled
}

void check_drops_are_a_permutation(const LiveTasks& tasks) {
  std::vector<weft::TaskId> sorted = tasks.drops;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());  // each dropped once
  CHECK(tasks.drops.size() <= tasks.live_at_shutdown);
  CHECK(tasks.live.empty());  // every task gone
}

}  // namespace

TEST_CASE("RankedSlots: counts, finds and removes as a plain vector of flags does") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::uint64_t state = seed;
    weft::detail::RankedSlots<int> index;
    std::vector<int> values;  // slot -> value; reserved, so the pointers handed out stay valid
    values.reserve(600);
    std::vector<bool> counted;  // the model
    for (int op = 0; op < 600; ++op) {
      const std::uint64_t r = split_mix(state);
      if (counted.empty() || r % 3 == 0) {
        values.push_back(op);
        counted.push_back((r >> 8) % 4 != 0);
        REQUIRE(index.append(&values.back(), counted.back()) == counted.size() - 1);
        REQUIRE(index.item(static_cast<std::uint32_t>(counted.size() - 1)) == &values.back());
      } else {
        const auto slot = static_cast<std::uint32_t>((r >> 8) % counted.size());
        const bool on = (r >> 40) % 2 == 0;
        counted[slot] = on;
        index.set(slot, on);
      }
      std::vector<std::uint32_t> on_slots;
      for (std::uint32_t s = 0; s < counted.size(); ++s)
        if (counted[s]) on_slots.push_back(s);
      REQUIRE(index.count() == on_slots.size());
      REQUIRE(index.size() == counted.size());
      for (std::size_t i = 0; i < on_slots.size(); ++i) REQUIRE(index.find(i) == on_slots[i]);
      for (std::uint32_t s = 0; s <= counted.size(); ++s)
        REQUIRE(index.count_from(s) ==
                static_cast<std::size_t>(std::count(counted.begin() + s, counted.end(), true)));
    }
  }
}

TEST_CASE("explored shutdown, current_thread: every drop decision offers exactly the live tasks") {
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    ShutdownRecorder chooser(seed);
    LiveTasks tasks;
    chooser.check = [&](const std::vector<weft::Candidate>& offered) {
      std::vector<weft::TaskId> ids;
      for (const weft::Candidate& c : offered) {
        CHECK(c.op == weft::Op::drop);
        ids.push_back(c.task);
      }
      // In id order, and every live task (nothing is preempted in current_thread).
      CHECK(ids == std::vector<weft::TaskId>(tasks.live.begin(), tasks.live.end()));
    };
    weft::detail::ScopedExplorationHooks hooks(
        {.chooser = &chooser, .observer = &tasks, .flavor = weft::Flavor::current_thread});
    weft::Runtime rt(weft::RuntimeOptions{.max_steps = 0});
    weft::Atomic<int> counter(0);
    rt.block_on([&] { many_tasks(120, counter); });
    // 120 tasks + 30 more receivers' senders + 30 never polled, all alive at shutdown
    CHECK(tasks.live_at_shutdown == 180);
    CHECK(chooser.shutdown.size() == 179);  // one decision per drop but the last
    CHECK(tasks.drops.size() == 180);
    check_drops_are_a_permutation(tasks);
  }
}

TEST_CASE(
    "explored shutdown, multi_thread: drops in id order first, then runs; blocked tasks "
    "are always droppable") {
  for (std::uint64_t seed = 0; seed < 12; ++seed) {
    ShutdownRecorder chooser(seed);
    LiveTasks tasks;
    chooser.check = [&](const std::vector<weft::Candidate>& offered) {
      std::vector<weft::TaskId> drops;
      std::set<weft::TaskId> runs;
      for (const weft::Candidate& c : offered) {
        CHECK(tasks.live.count(c.task) == 1);
        if (c.op == weft::Op::drop) {
          CHECK(runs.empty());  // every drop comes before every run
          drops.push_back(c.task);
        } else {
          CHECK(runs.insert(c.task).second);
        }
      }
      CHECK(std::is_sorted(drops.begin(), drops.end()));
      CHECK(std::adjacent_find(drops.begin(), drops.end()) == drops.end());
      for (weft::TaskId t : tasks.blocked)  // a blocked task is at an await: it can be dropped
        CHECK(std::binary_search(drops.begin(), drops.end(), t));
    };
    weft::detail::ScopedExplorationHooks hooks(
        {.chooser = &chooser, .observer = &tasks, .flavor = weft::Flavor::multi_thread});
    weft::Runtime rt(weft::RuntimeOptions{.max_steps = 0});
    weft::Atomic<int> counter(0);
    rt.block_on([&] { many_tasks(120, counter); });
    CHECK(tasks.live_at_shutdown == 180);
    CHECK_FALSE(chooser.shutdown.empty());
    check_drops_are_a_permutation(tasks);
  }
}

TEST_CASE("explored shutdown: replaying the answers gives the same drop order") {
  for (auto flavor : {weft::Flavor::multi_thread, weft::Flavor::current_thread}) {
    std::vector<std::size_t> picks;
    std::vector<weft::TaskId> drops;
    {
      ShutdownRecorder chooser(7);
      chooser.check = [](const std::vector<weft::Candidate>&) {};
      LiveTasks tasks;
      weft::detail::ScopedExplorationHooks hooks(
          {.chooser = &chooser, .observer = &tasks, .flavor = flavor});
      weft::Runtime rt(weft::RuntimeOptions{.max_steps = 0});
      weft::Atomic<int> counter(0);
      rt.block_on([&] { many_tasks(400, counter); });
      picks = chooser.picks;
      drops = tasks.drops;
    }
    REQUIRE(drops.size() > 300);
    weft_test::ScriptedChooser replay(picks);
    weft_test::EventLog log;
    weft::detail::ScopedExplorationHooks hooks(
        {.chooser = &replay, .observer = &log, .flavor = flavor});
    weft::Runtime rt(weft::RuntimeOptions{.max_steps = 0});
    weft::Atomic<int> counter(0);
    rt.block_on([&] { many_tasks(400, counter); });
    std::vector<weft::TaskId> replayed;
    for (const auto& e : log.events)
      if (e.kind == weft::EventKind::drop) replayed.push_back(e.task);
    CHECK(replayed == drops);
    CHECK(replay.asked.size() == picks.size());
  }
}
