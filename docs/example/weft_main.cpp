// My project's own `weft` command: weft's command line with my scenarios linked in.
#include <iostream>
#include <string>
#include <vector>
#include <weft/cli.hpp>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return weft::run_cli(args, std::cout, std::cerr);
}
