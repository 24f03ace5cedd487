// The set of detectors an exploration runs, chosen by its options.
#pragma once
#include <memory>
#include <vector>

#include "weft/harness/detector.hpp"
#include "weft/harness/options.hpp"

namespace weft {

std::vector<std::unique_ptr<Detector>> make_detectors(const ExploreOptions& options);

}  // namespace weft
