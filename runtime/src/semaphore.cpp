// Semaphore operations and permit release; the FIFO handoff lives in PermitCore.
#include "weft/semaphore.hpp"

namespace weft {

SemaphorePermit::~SemaphorePermit() {
  if (sem_ != nullptr && permits_ != 0) sem_->give_back(permits_);
}

SemaphorePermit Semaphore::acquire(std::size_t n, SourceLocation where) {
  using namespace detail;
  const OpSite site =
      enter_blocking_op("Semaphore::acquire", tag_, ObjectKind::semaphore, Op::acquire, where);
  core_.acquire(site, n, WaitInfo{Op::acquire, ObjectKind::semaphore, site.id, kNoTask, where});
  emit_done(site, Op::acquire, ObjectKind::semaphore, static_cast<std::int64_t>(n), where);
  return SemaphorePermit(this, n);
}

std::optional<SemaphorePermit> Semaphore::try_acquire(std::size_t n, SourceLocation where) {
  using namespace detail;
  const OpSite site = enter_op(tag_, ObjectKind::semaphore, Op::acquire, where);
  if (!core_.try_acquire(n)) {
    emit_done(site, Op::acquire, ObjectKind::semaphore, static_cast<std::int64_t>(n), where,
              "no_permits");
    return std::nullopt;
  }
  emit_done(site, Op::acquire, ObjectKind::semaphore, static_cast<std::int64_t>(n), where);
  return SemaphorePermit(this, n);
}

void Semaphore::release(std::size_t n, SourceLocation where) {
  using namespace detail;
  const OpSite site = enter_op(tag_, ObjectKind::semaphore, Op::release, where);
  emit_done(site, Op::release, ObjectKind::semaphore, static_cast<std::int64_t>(n), where);
  core_.release(site, n);
}

void Semaphore::give_back(std::size_t n) noexcept {
  using namespace detail;
  const OpSite site = quiet_site(tag_, ObjectKind::semaphore);
  emit_done(site, Op::release, ObjectKind::semaphore, static_cast<std::int64_t>(n), {});
  core_.release(site, n);
}

}  // namespace weft
