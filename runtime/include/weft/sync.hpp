// weft's synchronization primitives in one include (tokio::sync's locks and signals, plus
// CondVar and Atomic); channels are in mpsc.hpp, oneshot.hpp and broadcast.hpp.
#pragma once
#include "weft/atomic.hpp"
#include "weft/barrier.hpp"
#include "weft/condvar.hpp"
#include "weft/mutex.hpp"
#include "weft/notify.hpp"
#include "weft/rwlock.hpp"
#include "weft/semaphore.hpp"
