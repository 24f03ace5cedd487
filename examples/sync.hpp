// The one switch: the examples' code says sync::thread, sync::mutex, ... and this header decides
// what that is. The production build gets the standard library; the test build (compiled with
// WEFT_EXAMPLES_SIM) gets weft::sim, the same types under weft's scheduler.
//
// The alias lives inside the project's namespace: at global scope `sync` would clash with POSIX
// ::sync() from <unistd.h>.
#pragma once

#ifdef WEFT_EXAMPLES_SIM
#include <weft/sim.hpp>
namespace examples {
namespace sync = weft::sim;
}
#else
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
namespace examples {
namespace sync = std;
}
#endif
