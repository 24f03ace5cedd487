// Random walk: every decision, of every kind, is drawn uniformly among its candidates.
//
// Source: the baseline randomized scheduler of stress testing and of shuttle's RandomScheduler
// (awslabs/shuttle). Guarantee: every schedule of an execution with at most s decisions of at most
// c candidates each has probability >= 1/c^s per execution; in practice it finds shallow bugs
// quickly and is a reference point for PCT. Choices depend only on the execution's seed.
#include <memory>

#include "weft/harness/registry.hpp"
#include "weft/harness/strategies.hpp"

namespace weft {

bool RandomWalk::begin_execution(std::uint64_t, std::uint64_t seed) {
  rng_.reseed(seed);
  return true;
}

std::size_t RandomWalk::choose(DecisionKind, const Candidates& candidates, const DecisionContext&) {
  if (candidates.size() < 2) return 0;
  return static_cast<std::size_t>(rng_.below(candidates.size()));
}

std::unique_ptr<Strategy> RandomWalk::clone() const { return std::make_unique<RandomWalk>(); }

const StrategyEntry& random_walk_entry() {
  static const StrategyEntry entry{
      .name = "random",
      .help = "random walk: every decision uniform among its candidates",
      .records = "nothing (an execution is its seed)",
      .options = {},
      .seeded = true,
      .selectable = true,
      .measured = true,
      .parameters = {},
      .make = [](ParameterReader&) -> std::unique_ptr<Strategy> {
        return std::make_unique<RandomWalk>();
      },
      .validate = {},
  };
  return entry;
}

}  // namespace weft
