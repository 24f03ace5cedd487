// weft's public runtime API in one include.
#pragma once
// The packages (weft.pc, the CMake config) ask for C++20 or newer without forcing a -std flag, so
// say it here when the compiler is set to an older standard.
#if __cplusplus < 202002L
#error "weft needs C++20 or newer (-std=c++20)"
#endif
#include "weft/broadcast.hpp"
#include "weft/cancellation.hpp"
#include "weft/channel_result.hpp"
#include "weft/check.hpp"
#include "weft/chooser.hpp"
#include "weft/ids.hpp"
#include "weft/join_set.hpp"
#include "weft/mpsc.hpp"
#include "weft/observer.hpp"
#include "weft/oneshot.hpp"
#include "weft/runtime.hpp"
#include "weft/select.hpp"
#include "weft/signal.hpp"
#include "weft/sync.hpp"
#include "weft/task.hpp"
#include "weft/time.hpp"
#include "weft/watch.hpp"
