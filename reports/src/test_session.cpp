// Explore or replay inside a unit test and describe the result; see test_session.hpp.
#include "weft/reports/test_session.hpp"

#include <cctype>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string_view>

#include "weft/harness/explorer.hpp"
#include "weft/harness/save_failure.hpp"
#include "weft/reports/timeline.hpp"

namespace weft::test_glue {
namespace {

bool env_flag(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return false;
  const std::string_view v = value;
  return !v.empty() && v != "0" && v != "false" && v != "no" && v != "off";
}

Flavor flavor_of(const ExploreOptions& options) {
  return options.flavor.value_or(Flavor::multi_thread);
}

std::string key_timeline(const Trace& trace) {
  return render_timeline(
      trace, TimelineOptions{.key_events_only = true, .last_lines = 16, .include_failure = false});
}

// The commands that replay `path` from this binary, one per line.
std::string replay_commands(const std::string& path, const TestIdentity& test) {
  const std::string run = this_binary() + " " + test.filter;
  return "replay: WEFT_TRACE=" + shell_quote(path) + " " + run + "\n" +
         "shrink: WEFT_TRACE=" + shell_quote(path) + " WEFT_SHRINK=1 " + run + "\n";
}

Outcome replay_in_test(const std::string& path, const Trace& trace, const ExploreOptions& options,
                       const TestIdentity& test, const std::function<void()>& body) {
  const ExploreTarget target{test.name, trace.flavor, body};
  ReplayResult r = replay(trace, target, options);
  if (r.mismatch)
    return {true, "weft: " + path + " does not fit this test any more: " + *r.mismatch};
  if (!trace.failure) {
    if (r.failures.empty()) return {false, "weft: replayed " + path + ": no failure, as recorded"};
    return {true, "weft: replayed " + path + ": it recorded no failure, but this run failed:\n" +
                      r.failures.front().describe() + "\n"};
  }
  if (r.failures.empty() || r.failures.front().signature() != trace.failure->signature()) {
    std::string message = "weft: replaying " + path + " did NOT reproduce the recorded failure (" +
                          std::string(to_string(trace.failure->kind)) + " at " +
                          trace.failure->where.to_string() + ")";
    message += r.failures.empty()
                   ? ": the run was clean.\n"
                   : "; it failed differently:\n" + r.failures.front().describe() + "\n";
    message += "The code under test changed since the trace was recorded; explore again.\n";
    return {true, message};
  }
  std::string message = "weft: replayed " + path + ": reproduced the recorded failure\n" +
                        r.failures.front().describe() + "\n\n" + key_timeline(r.trace);
  if (env_flag("WEFT_SHRINK")) {
    const std::string out = (std::filesystem::path(path).parent_path() /
                             (std::filesystem::path(path).stem().string() + "-min.json"))
                                .string();
    ShrinkResult s = shrink(trace, target, options);
    save_trace(s.trace, out);
    message += "\nweft: shrank it to " + out + " in " + std::to_string(s.attempts) +
               " replays: decisions " + std::to_string(s.decisions_before) + " -> " +
               std::to_string(s.decisions_after) + ", preemptions " +
               std::to_string(s.preemptions_before) + " -> " + std::to_string(s.preemptions_after) +
               ", steps " + std::to_string(s.steps_before) + " -> " +
               std::to_string(s.steps_after) + "\n";
    ReplayResult shrunk = replay(s.trace, target, options);
    message += key_timeline(shrunk.trace);
    const std::string commands = replay_commands(out, test);
    return {true, message + commands, commands};
  }
  const std::string commands = replay_commands(path, test);
  return {true, message + commands, commands};
}

Outcome explore_in_test(ExploreOptions options, const TestIdentity& test,
                        const std::function<void()>& body) {
  apply_environment(options);
  validate(options);
  const ExploreTarget target{test.name, flavor_of(options), body};
  ExploreReport report = explore(options, target);
  if (report.ok()) {
    std::string summary = "weft: " + std::to_string(report.executions) + " executions (" +
                          report.distinct_text() + ", " + options.strategy + ")";
    summary += report.exhausted ? ", the whole bounded space covered, no failure"
                                : ", no failure (the space was not covered)";
    for (const std::string& note : report.notes) summary += "\n" + note;
    return {false, summary};
  }
  const std::string file = default_trace_path(test.name, options, report.failing_seed);
  std::string message = report.failures.front().describe() + "\nexecution " +
                        std::to_string(*report.failing_execution) + " of " +
                        std::to_string(report.executions) + ", seed " +
                        std::to_string(report.failing_seed) + "\n";
  std::string commands;
  try {
    save_trace(*report.trace, file);
    message += "trace: " + file + "\n";
    commands = replay_commands(file, test);
  } catch (const TraceError& e) {
    message += std::string("(trace not written: ") + e.what() + ")\n";
  }
  // With the strategy's parameters (PCT's measured steps too) and, for a search, the execution's
  // position: the same rerun command as the command line's, in WEFT_* form.
  commands += "rerun: " +
              rerun_command({}, test.name, options, *report.trace, *report.failing_execution,
                            report.failing_seed, this_binary() + " " + test.filter) +
              "\n";
  return {true, message + commands, commands};
}

}  // namespace

Outcome run(ExploreOptions options, const TestIdentity& test, const std::function<void()>& body) {
  try {
    if (const char* path = std::getenv("WEFT_TRACE"); path != nullptr && *path != '\0') {
      Trace trace = read_trace_file(path);
      if (trace.scenario == test.name) {
        apply_environment(options);
        return replay_in_test(path, trace, options, test, body);
      }
    }
    return explore_in_test(std::move(options), test, body);
  } catch (const std::exception& e) {
    return {true, std::string("weft: ") + e.what()};
  }
}

std::string shell_quote(const std::string& text) {
  bool plain = !text.empty();
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("/._-=+:,@%").find(c) == std::string_view::npos)
      plain = false;
  if (plain) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string this_binary() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "<this test binary>";
  std::filesystem::path shown = exe;
  const std::filesystem::path relative = exe.lexically_relative(std::filesystem::current_path(ec));
  if (!ec && !relative.empty() && relative.native().size() < exe.native().size()) shown = relative;
  std::string text = shown.string();
  if (text.find('/') == std::string::npos) text = "./" + text;
  return shell_quote(text);
}

}  // namespace weft::test_glue
