// Names, parents and spawn sites of the tasks of one execution, kept from spawn events so that
// detectors can name tasks in plain words.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "weft/harness/failure.hpp"
#include "weft/observer.hpp"

namespace weft {

class TaskTable {
 public:
  struct Entry {
    std::string name;
    TaskId parent = kNoTask;
    SourceLocation spawn_site;  // raw: turned into text only when a report needs it
  };
  void clear() { entries_.clear(); }
  void on_event(const Event& e) {
    if (e.kind != EventKind::spawn) return;
    if (entries_.size() <= e.task) entries_.resize(e.task + 1);
    entries_[e.task] = Entry{std::string(e.text), e.other, e.where};
  }
  const Entry* find(TaskId id) const {
    return id < entries_.size() && !entries_[id].name.empty() ? &entries_[id] : nullptr;
  }
  std::string name(TaskId id) const {
    const Entry* e = find(id);
    return e ? e->name : "#" + std::to_string(id);
  }
  // "'producer' (#2)"
  std::string label(TaskId id) const { return "'" + name(id) + "' (#" + std::to_string(id) + ")"; }
  // How many tasks of the execution have this name (unnamed tasks have none).
  std::size_t count_named(const std::string& name) const {
    std::size_t n = 0;
    for (const Entry& e : entries_) n += !e.name.empty() && e.name == name;
    return n;
  }
  // The root task of a block_on has no parent task.
  bool is_root(TaskId id) const {
    const Entry* e = find(id);
    return e && e->parent == kNoTask;
  }

 private:
  std::vector<Entry> entries_;
};

}  // namespace weft
