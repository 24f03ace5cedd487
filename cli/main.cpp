// Entry point of the weft command.
#include <iostream>

#include "weft_cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return weft::run_cli(args, std::cout, std::cerr);
}
