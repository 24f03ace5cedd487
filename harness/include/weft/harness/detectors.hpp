// The set of detectors an exploration runs, chosen by its options.
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "weft/harness/detector.hpp"
#include "weft/harness/options.hpp"
#include "weft/time.hpp"

namespace weft {

// The detectors the options turn on. Failures found in find mode have the same signatures as in
// explain mode, with shorter explanations.
std::vector<std::unique_ptr<Detector>> make_detectors(const ExploreOptions& options,
                                                      DetectorMode mode = DetectorMode::explain);
// The runtime's leak check the options ask for (ExplorationHooks::leak_grace): none unless
// --leaks is fail or warn.
std::optional<Duration> leak_grace(const ExploreOptions& options);

}  // namespace weft
