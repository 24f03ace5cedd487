// Plain-words pieces shared by the detectors' reports: what a task waits for, one event as a line.
#pragma once
#include <string>

#include "weft/harness/object_table.hpp"
#include "weft/harness/task_table.hpp"
#include "weft/observer.hpp"
#include "weft/runtime.hpp"

namespace weft {

// One line describing a runtime event, for failure details and hang reports; objects are called
// as everywhere else ("mpsc 'replies' #3").
std::string describe_event(const Event& event, const TaskTable& tasks, const ObjectTable& objects);
// "waits to lock mutex #3", "waits for task #2 to finish" etc.
std::string describe_wait(Op op, ObjectKind kind, ObjectId object);
// The same words, with the lock's creation site and the task name of a join:
// "waits to lock mutex #3 (created at bank.cpp:12)", "waits for 'worker' (#2) to finish".
std::string describe_wait(const TaskSnapshot& task, const TaskTable& tasks,
                          const ObjectTable& objects);
// "1.5 ms", "2 s": virtual durations in reports.
std::string duration_text(Duration d);

}  // namespace weft
