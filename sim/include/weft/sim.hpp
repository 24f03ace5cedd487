// weft::sim: the standard library's concurrency under weft's scheduler, for testing code written
// against std unchanged. The component picks its namespace once:
//
//   #ifdef MYLIB_WEFT
//   #include <weft/sim.hpp>
//   namespace sync = weft::sim;
//   #else
//   #include <thread> ...
//   namespace sync = std;
//   #endif
//
// and uses sync::thread, sync::mutex, sync::condition_variable, sync::atomic,
// sync::chrono::steady_clock, ... A Catch2 test explores the component with WEFT_EXPLORE; the
// body may be plain code (it becomes the execution's main thread).
#pragma once
#include "weft/sim/atomic.hpp"
#include "weft/sim/barrier.hpp"
#include "weft/sim/chrono.hpp"
#include "weft/sim/condition_variable.hpp"
#include "weft/sim/future.hpp"
#include "weft/sim/latch.hpp"
#include "weft/sim/mutex.hpp"
#include "weft/sim/semaphore.hpp"
#include "weft/sim/shared_mutex.hpp"
#include "weft/sim/thread.hpp"
