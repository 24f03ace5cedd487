// The `weft` command: list, explore, replay, shrink, report. Exit status 0: no failure,
// 1: a failure was found or reproduced, 2: bad usage or bad input.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace weft {

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace weft
