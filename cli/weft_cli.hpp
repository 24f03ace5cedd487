// The `weft` command: list, explore, replay, shrink, report, measure. Exit status 0: no failure,
// 1: a failure was found or reproduced, 2: bad usage or bad input. Installed as <weft/cli.hpp>
// (library weft_cli, pkg-config weft-cli) so that a project can build its own `weft` with its
// own scenarios linked in (docs/scenarios.md).
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace weft {

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace weft
