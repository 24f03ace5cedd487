// FIFO permit handoff with give-back on cancellation (see permit_core.hpp).
#include "weft/detail/permit_core.hpp"

#include <algorithm>

namespace weft::detail {

bool PermitCore::try_acquire(std::size_t n) noexcept {
  if (closed_ || !queue_.empty() || available_ < n) return false;
  available_ -= n;
  return true;
}

bool PermitCore::acquire(const OpSite& site, std::size_t n, const WaitInfo& info) {
  if (closed_) return false;
  if (try_acquire(n)) return true;
  ScopedWaiter w(current_task(), n);
  queue_.push_back(w);
  dispatch(site);  // the head collects what is available now
  // A wait that ends by unwinding (the task is dropped) returns what it was given.
  struct Abandon {
    PermitCore& core;
    const OpSite& site;
    Waiter& w;
    std::size_t requested;
    bool done = false;
    ~Abandon() {
      if (!done) core.abandon(site, w, requested);
    }
  } abandon{*this, site, w, n};
  while (!w.notified) block(*site.s, info);
  abandon.done = true;
  if (w.tag == 0 && !closed_) return true;
  // Woken by close(): whatever was handed over goes back (useless now, but keeps the count).
  available_ += n - w.tag;
  return false;
}

void PermitCore::enqueue(const OpSite& site, Waiter& w, std::size_t n) noexcept {
  w.task = current_task();
  w.notified = false;
  w.tag = n;
  queue_.push_back(w);
  dispatch(site);
}

void PermitCore::release(const OpSite& site, std::size_t n) noexcept {
  available_ += n;
  dispatch(site);
}

void PermitCore::close(const OpSite& site) noexcept {
  closed_ = true;
  wake_all(site, queue_);
}

void PermitCore::dispatch(const OpSite& site) noexcept {
  while (Waiter* w = queue_.front()) {
    const std::size_t give = std::min<std::size_t>(available_, w->tag);
    w->tag -= give;
    available_ -= give;
    if (w->tag != 0) break;
    if (!wake_one(site, queue_)) break;
  }
}

void PermitCore::abandon(const OpSite& site, Waiter& w, std::size_t requested) noexcept {
  // Granted (or partly granted) permits go back; the waiters behind may now be served.
  queue_.remove(w);
  const std::size_t given = requested - w.tag;
  w.tag = requested;
  available_ += given;
  dispatch(site);
}

}  // namespace weft::detail
