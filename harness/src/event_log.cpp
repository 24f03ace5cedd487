// Records events with names and locations resolved; hashes the whole stream for determinism
// checks even when the stored list is capped.
#include "weft/harness/event_log.hpp"

namespace weft {
namespace {
void mix(std::uint64_t& h, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (i * 8)) & 0xff;
    h *= 1099511628211ULL;
  }
}
void mix(std::uint64_t& h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  mix(h, s.size());
}
}  // namespace

void EventLog::on_event(const Event& e) {
  ++count_;
  mix(fingerprint_, static_cast<std::uint64_t>(e.kind) | static_cast<std::uint64_t>(e.op) << 8 |
                        static_cast<std::uint64_t>(e.object_kind) << 16);
  mix(fingerprint_, static_cast<std::uint64_t>(e.task) << 32 | e.other);
  mix(fingerprint_, e.object);
  mix(fingerprint_, static_cast<std::uint64_t>(e.value));
  mix(fingerprint_, e.step);
  mix(fingerprint_, static_cast<std::uint64_t>(e.time.count()));
  mix(fingerprint_, e.text);
  mix(fingerprint_, e.where.line());

  if (e.kind == EventKind::spawn) {
    tasks_.push_back(TraceTask{e.task, std::string(e.text), e.other, Location::from(e.where)});
  }
  if (events_.size() >= max_events_) {
    truncated_ = true;
    return;
  }
  TraceEvent t;
  t.step = e.step;
  t.time_ns = e.time.count();
  t.kind = e.kind;
  t.op = e.op;
  t.object_kind = e.object_kind;
  t.task = e.task;
  t.other = e.other;
  t.object = e.object;
  t.value = e.value;
  t.text = std::string(e.text);
  if (e.where.file_name() != nullptr && *e.where.file_name() != '\0')
    t.where = Location::from(e.where);
  t.where.function.clear();
  events_.push_back(std::move(t));
}

}  // namespace weft
