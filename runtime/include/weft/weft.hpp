// weft's public runtime API in one include.
#pragma once
#include "weft/broadcast.hpp"
#include "weft/channel_result.hpp"
#include "weft/check.hpp"
#include "weft/chooser.hpp"
#include "weft/ids.hpp"
#include "weft/mpsc.hpp"
#include "weft/observer.hpp"
#include "weft/oneshot.hpp"
#include "weft/runtime.hpp"
#include "weft/sync.hpp"
#include "weft/task.hpp"
#include "weft/time.hpp"
