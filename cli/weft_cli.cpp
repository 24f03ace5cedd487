// The weft command line. Flags come from the WEFT_EXPLORE_OPTIONS table; every failure prints a
// stable SUMMARY line, where the trace went, and the exact command that replays it.
#include "weft_cli.hpp"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "console.hpp"
#include "measure.hpp"
#include "weft/harness/crash_guard.hpp"
#include "weft/harness/explorer.hpp"
#include "weft/harness/registry.hpp"
#include "weft/harness/save_failure.hpp"
#include "weft/harness/scenario.hpp"
#include "weft/reports/report_formats.hpp"
#include "weft/reports/timeline.hpp"

namespace weft {
namespace {

constexpr int kClean = 0;
constexpr int kFailure = 1;
constexpr int kBadInput = 2;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// CLI11 reads "-1" into an unsigned option as 2^64-1 and "2^64" wraps: unsigned options check
// their text first (the WEFT_* variables already do, in options.cpp).
CLI::Validator unsigned_at_most(std::uint64_t max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
          return c >= '0' && c <= '9';
        });
        errno = 0;
        const unsigned long long v = digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
        if (!digits || errno == ERANGE || v > max)
          return "expected an integer from 0 to " + std::to_string(max) + ", got \"" + text + "\"";
        return "";
      },
      "UINT");
}

// The largest value of an unsigned option type (0 for others; used only for unsigned ones).
template <class T>
std::uint64_t largest() {
  if constexpr (std::is_unsigned_v<T>) return std::numeric_limits<T>::max();
  return 0;
}

// The text given for each option whose values are names (see add_explore_option), by flag.
using NamedTexts = std::map<std::string, std::string>;

// One flag of the options table. Booleans are flags (--x=false turns one off); unsigned values
// check their text; options whose values are a closed set of names (enums) are read as text and
// parsed by the table's own parser after the command line is read (take_named), so that --help
// shows names and a bad name is the same one-line error as in a WEFT_* variable.
template <class T>
void add_explore_option(CLI::App* cmd, const std::string& flag, const std::string& help, T& value,
                        std::string& named_text) {
  const std::string name = "--" + flag;
  if constexpr (std::is_same_v<T, bool>)
    cmd->add_flag(name, value,
                  help.substr(0, help.rfind(" [env ")) + " (" + name + "=false to disable)" +
                      help.substr(help.rfind(" [env ")));
  else if constexpr (kNamedOption<T>)
    cmd->add_option(name, named_text, help)->default_str(option_text(value));
  else if constexpr (std::is_unsigned_v<T>)
    cmd->add_option(name, value, help)
        ->check(unsigned_at_most(largest<T>()))
        ->capture_default_str();
  else
    cmd->add_option(name, value, help)->capture_default_str();
}

// A named option's value from the text given for it. Throws OptionError.
template <class T>
void take_named(T& value, const std::string& text, const char* flag) {
  if constexpr (kNamedOption<T>) value = parse_option_value<T>(text, flag);
}

const Scenario& scenario_named(const std::string& name) {
  if (const Scenario* s = find_scenario(name)) return *s;
  throw UsageError("unknown scenario \"" + name + "\" (weft list shows the scenarios)");
}

std::string expectation_text(const Expectation& e) {
  if (!e.failure) return "clean";
  return "finds " + std::string(to_string(*e.failure));
}

// The running program's name for the commands it prints: a project's own build of the command
// line (run_cli with its scenarios linked in) knows scenarios that `weft` does not.
std::string program_name() {
  const char* name = program_invocation_short_name;
  return name != nullptr && *name != '\0' ? name : "weft";
}

// The exact command that re-runs one failing execution: from its seed, or for a strategy whose
// executions are named by position, the search up to it (it stops at its first failure).
std::string rerun_for(const std::string& scenario, const ExploreOptions& options,
                      const ExploreReport& report, std::uint64_t index, std::uint64_t seed) {
  // The first failure's trace: the same flavor and parameters for every failure of the run.
  return weft::rerun_command(program_name() + " explore", scenario, options, *report.trace, index,
                             seed);
}

void write_junit(const std::string& path, const std::string& scenario,
                 const ExploreOptions& options, const ExploreReport& report) {
  const std::string xml = render_junit(scenario, options, report, [&](const FailureSignature& s) {
    return rerun_for(scenario, options, report, s.lowest_execution, s.lowest_seed);
  });
  std::error_code ec;
  if (auto dir = std::filesystem::path(path).parent_path(); !dir.empty())
    std::filesystem::create_directories(dir, ec);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file || !(file << xml)) throw UsageError("cannot write " + path);
}

void print_failures(std::ostream& out, const std::vector<Failure>& failures) {
  for (std::size_t i = 0; i < failures.size(); ++i) {
    if (i == 1) out << "also in this execution:\n";
    std::string text = failures[i].describe();
    if (i > 0) {
      std::string indented;
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);) indented += "  " + line + "\n";
      out << indented;
    } else {
      out << text << "\n";
    }
  }
}

// ---- list -----------------------------------------------------------------------------------

int cmd_list(std::ostream& out, bool verbose) {
  std::size_t width = 0;
  for (const Scenario& s : scenarios()) width = std::max(width, s.name.size());
  for (const Scenario& s : scenarios()) {
    const std::size_t end = s.description.find(". ");
    std::string first_sentence =
        end == std::string::npos ? s.description : s.description.substr(0, end + 1);
    out << s.name << std::string(width + 2 - s.name.size(), ' ') << "[" << to_string(s.flavor)
        << ", " << expectation_text(s.expect) << "] " << (verbose ? s.description : first_sentence)
        << "\n";
  }
  return kClean;
}

// ---- explore --------------------------------------------------------------------------------

// The values of the strategies' options given on the command line, by row.
using GivenRows = std::vector<std::pair<const OptionRow*, std::string>>;

int cmd_explore(const std::string& name, const ExploreOptions& given_values,
                const std::set<std::string>& given, const GivenRows& given_rows,
                const std::string& trace_out, const std::string& junit, std::ostream& out,
                std::ostream& err) {
  const Scenario& scenario = scenario_named(name);
  ExploreOptions options = default_options(scenario);
  apply_environment(options);
#define WEFT_TAKE_GIVEN(member, type, def, flag, env, help) \
  if (given.count(flag)) options.member = given_values.member;
  WEFT_EXPLORE_OPTIONS(WEFT_TAKE_GIVEN)
#undef WEFT_TAKE_GIVEN
  for (const auto& [row, text] : given_rows) row->set(options, text, "--" + std::string(row->flag));
  validate(options);
  const StrategyEntry& entry = selected_strategy(options);
  // An exploration can take minutes: a trace it could not save would be lost with them. The
  // default file's name depends on the failing seed, but its directory does not.
  check_trace_destination(trace_out.empty() ? default_trace_path(name, options, options.seed)
                                            : trace_out);

  const bool tty = isatty(STDERR_FILENO);
  ProgressFn progress;
  if (tty) {
    // The total is known for seeded strategies (a search stops when its space is covered).
    const Shard shard = parse_shard(options.shard);
    const std::uint64_t total =
        !entry.seeded || options.iterations <= shard.index
            ? 0
            : (options.iterations - shard.index + shard.count - 1) / shard.count;
    progress = [&err, total, budget = options.time_budget](const Progress& p) {
      err << "\r\033[K" << console::progress(p, total, budget) << std::flush;
    };
  }
  ExploreTarget target = target_of(scenario);
  // A crash or a stuck execution is reported from inside explore, naming this command.
  set_crash_reporting(
      CrashReporting{program_name() + " explore", trace_out, program_name() + " replay"});
  ExploreReport report = explore(options, target, progress);
  if (tty) err << "\r\033[K" << std::flush;

  const std::string_view flavor = to_string(options.flavor.value_or(scenario.flavor));
  out << "weft: explored " << name << " (" << flavor << ", " << report.strategy << ", seed "
      << options.seed << "): " << report.executions << " executions, " << report.distinct_text()
      << ", " << console::duration(report.seconds) << "\n";
  // A clean run that the time budget cut short did not run all it was asked to: say so.
  if (report.ok() && !report.exhausted && options.time_budget > 0 &&
      report.seconds >= options.time_budget && report.executions < options.iterations)
    out << "the time budget of " << console::duration(options.time_budget)
        << " ended the run after " << report.executions << " of " << options.iterations
        << " executions\n";
  for (const std::string& note : report.notes) out << "note: " << note << "\n";
  if (!junit.empty()) write_junit(junit, name, options, report);
  const int interrupted = report.stopped_by_signal;
  if (interrupted != 0)
    out << "note: interrupted by " << (interrupted == SIGINT ? "SIGINT" : "SIGTERM") << " after "
        << report.executions << " executions; this is what they found\n";
  if (report.cut_by_time_budget)
    out << "note: the time budget (" << options.time_budget << " s) stopped the run after "
        << report.executions << " of " << options.iterations << " executions\n";

  if (report.ok() && report.executions == 0 && interrupted == 0) {
    // Running nothing proves nothing: a test that explored zero executions must not pass.
    out << "SUMMARY: weft: no execution ran in " << name << "\n";
    err << "weft: error: no execution ran ("
        << (options.iterations == 0 ? "--iterations is 0" : "the time budget ran out first")
        << "); nothing was tested\n";
    return kBadInput;
  }
  if (report.covered_bound) {
    if (*report.covered_bound == std::numeric_limits<std::int64_t>::max())
      out << "every schedule was covered (up to equivalence), whatever its preemptions\n";
    else
      out << "preemption bound " << *report.covered_bound
          << " covered completely: every schedule with at most that many preemptions ran (up "
             "to equivalence)\n";
  }
  if (report.ok()) {
    if (report.exhausted)
      out << "no failure: the whole space within the bounds was covered (" << report.executions
          << " executions)\n";
    else
      out << "no failure in " << report.executions << " executions\n";
    out << "SUMMARY: weft: no failure in " << name << (interrupted ? " (interrupted)" : "") << "\n";
    return interrupted ? 128 + interrupted : kClean;
  }

  const Trace& trace = *report.trace;
  const bool colour = &out == &std::cout && console::colour_for(STDOUT_FILENO);
  out << console::red("FAILURE", colour) << " in execution " << *report.failing_execution
      << " (seed " << report.failing_seed << ")";
  if (options.all_failures) out << "; " << report.failing_executions << " executions failed";
  out << "\n";
  print_failures(out, report.failures);
  if (options.all_failures) {
    out << report.signatures.size() << " distinct failure"
        << (report.signatures.size() == 1 ? "" : "s") << " (kind, task, site):\n";
    for (const FailureSignature& s : report.signatures)
      out << "  " << s.failure.signature() << ": " << s.executions << " execution"
          << (s.executions == 1 ? "" : "s") << ", lowest seed " << s.lowest_seed << " (execution "
          << s.lowest_execution
          << ")\n    rerun: " << rerun_for(name, options, report, s.lowest_execution, s.lowest_seed)
          << "\n";
  }
  const std::string path =
      trace_out.empty() ? default_trace_path(name, options, report.failing_seed) : trace_out;
  save_trace(trace, path);
  out << "trace: " << path << "\n";
  out << "replay: " << program_name() << " replay " << path << "\n";
  out << "rerun this execution: "
      << rerun_for(name, options, report, *report.failing_execution, report.failing_seed) << "\n";
  out << "SUMMARY: weft: " << to_string(report.failures.front().kind) << " in " << name << "\n";
  return interrupted ? 128 + interrupted : kFailure;
}

// ---- replay ---------------------------------------------------------------------------------

int cmd_replay(const std::string& path, std::uint64_t times, bool timeline, std::ostream& out) {
  Trace trace = read_trace_file(path);
  const Scenario& scenario = scenario_named(trace.scenario);
  ExploreOptions options = default_options(scenario);
  const std::string expected = trace.failure ? trace.failure->signature() : "";
  std::uint64_t same = 0;
  ReplayResult last;
  for (std::uint64_t i = 0; i < std::max<std::uint64_t>(times, 1); ++i) {
    last = replay(trace, target_of(scenario), options);
    if (last.mismatch) throw TraceError(*last.mismatch);
    const std::string got = last.failures.empty() ? "" : last.failures.front().signature();
    if (got == expected) ++same;
  }
  const std::uint64_t runs = std::max<std::uint64_t>(times, 1);
  if (last.failures.empty()) {
    out << "weft: replayed " << path << ": no failure";
    if (trace.failure) out << " (the trace recorded " << to_string(trace.failure->kind) << ")";
    out << "\nSUMMARY: weft: no failure in " << trace.scenario << "\n";
    return trace.failure ? kFailure : kClean;
  }
  out << "weft: replayed " << path << " " << runs << " time" << (runs == 1 ? "" : "s") << ": ";
  if (trace.failure)
    out << same << "/" << runs << " reproduced the recorded failure\n";
  else  // "0/1 reproduced the recorded failure" read as a failed replay of nothing
    out << "the trace records no failure, but " << runs - same << "/" << runs
        << " replays failed\n";
  print_failures(out, last.failures);
  if (timeline) {
    out << "\n"
        << render_timeline(last.trace, TimelineOptions{.key_events_only = true,
                                                       .last_lines = 16,
                                                       .include_failure = false});
  }
  out << "SUMMARY: weft: " << to_string(last.failures.front().kind) << " in " << trace.scenario
      << (!trace.failure ? " (the trace recorded none)"
          : same == runs ? " (reproduced)"
                         : " (NOT reproduced every time)")
      << "\n";
  return kFailure;
}

// ---- shrink ---------------------------------------------------------------------------------

int cmd_shrink(const std::string& path, const std::string& output, double time_budget,
               std::ostream& out, std::ostream& err) {
  Trace trace = read_trace_file(path);
  const Scenario& scenario = scenario_named(trace.scenario);
  if (!trace.failure) throw TraceError(path + " records no failure to shrink");
  if (!(time_budget >= 0)) throw UsageError("--time-budget must be a number of seconds >= 0");
  check_trace_destination(output);  // before the replays, which can take a minute
  ExploreOptions options = default_options(scenario);
  options.time_budget = time_budget;
  const bool tty = isatty(STDERR_FILENO);
  ShrinkProgressFn progress;
  if (tty)
    progress = [&err](const ShrinkProgress& p) {
      err << "\r" << p.attempts << " replays, " << static_cast<std::uint64_t>(p.seconds)
          << " s: " << p.preemptions << " preemptions, " << p.decisions << " decisions"
          << std::flush;
    };
  ShrinkResult r = shrink(trace, target_of(scenario), options, progress);
  if (tty) err << "\r\033[K" << std::flush;
  write_trace_file(r.trace, output);
  out << "weft: shrank " << path << " -> " << output << " in " << r.attempts << " replays\n"
      << "  decisions:   " << r.decisions_before << " -> " << r.decisions_after << "\n"
      << "  preemptions: " << r.preemptions_before << " -> " << r.preemptions_after << "\n"
      << "  steps:       " << r.steps_before << " -> " << r.steps_after << "\n";
  if (r.trace.failure) out << r.trace.failure->describe() << "\n";
  out << "replay: " << program_name() << " replay " << output << "\n";
  out << "SUMMARY: weft: " << to_string(trace.failure->kind) << " in " << trace.scenario
      << " (shrunk)\n";
  return kFailure;
}

// ---- report ---------------------------------------------------------------------------------

int cmd_report(const std::string& path, const std::string& format, const std::string& output,
               std::ostream& out) {
  Trace trace = read_trace_file(path);
  std::string text;
  if (format == "text")
    text = render_timeline(trace);
  else if (format == "chrome")
    text = render_chrome_trace(trace);
  else if (format == "html")
    text = render_html(trace);
  else
    throw UsageError("--format: expected text, chrome or html, got \"" + format + "\"");
  if (output.empty() || output == "-") {
    out << text;
  } else {
    std::ofstream file(output, std::ios::binary | std::ios::trunc);
    if (!file || !(file << text << std::flush)) throw UsageError("cannot write " + output);
    out << "weft: wrote " << format << " report to " << output << "\n";
  }
  return kClean;  // a rendered report is a success, whatever the trace recorded
}

}  // namespace

namespace {
int parse_and_run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"weft: deterministic concurrency testing and shutdown-race fuzzing", "weft"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "help for every command");
  app.set_version_flag("--version", "weft " WEFT_VERSION);
  app.footer(
      "exit status: explore 0 clean, 1 failure found; replay 0 clean, 1 failure (reproduced or "
      "not); shrink 1; list, report, measure 0; every command 2 on bad input");

  auto* list = app.add_subcommand("list", "list the registered scenarios");
  bool verbose = false;
  list->add_flag("-v,--verbose", verbose, "print whole descriptions");

  auto* explore_cmd = app.add_subcommand("explore", "explore a scenario's schedules");
  std::string scenario_name;
  explore_cmd->add_option("scenario", scenario_name, "scenario name (weft list)")->required();
  ExploreOptions values;
  NamedTexts named_texts;
#define WEFT_ADD_FLAG(member, type, def, flag, env, help) \
  add_explore_option(explore_cmd, flag, help " [env " env "]", values.member, named_texts[flag]);
  WEFT_EXPLORE_OPTIONS(WEFT_ADD_FLAG)
#undef WEFT_ADD_FLAG
  // The strategies' own options, from their registry entries, with their defaults.
  const ExploreOptions defaults;
  GivenRows row_values;
  std::string strategies_help = "strategies (--strategy):";
  for (const StrategyEntry* entry : strategy_entries()) {
    if (!entry->selectable) continue;
    strategies_help += "\n  " + std::string(entry->name) + ": " + std::string(entry->help);
    for (const OptionRow& row : entry->options) {
      // A row several strategies share (--preemption-bound) is one flag.
      const bool listed = std::any_of(row_values.begin(), row_values.end(), [&](const auto& given) {
        return given.first->flag == row.flag;
      });
      if (!listed) row_values.emplace_back(&row, row.get(defaults));
    }
  }
  for (auto& [row, text] : row_values)
    explore_cmd
        ->add_option("--" + std::string(row->flag), text,
                     std::string(row->help) + " [env " + std::string(row->env) + "]")
        ->capture_default_str();
  explore_cmd->footer(strategies_help);
  std::string trace_out;
  explore_cmd->add_option("--trace-out", trace_out, "where to write the failing trace");
  std::string junit;
  explore_cmd->add_option("--junit", junit,
                          "write a JUnit XML result: one test case per distinct failure "
                          "signature, with the command that reruns it");

  auto* replay_cmd = app.add_subcommand("replay", "replay a trace file and check the failure");
  std::string replay_path;
  std::uint64_t times = 1;
  bool no_timeline = false;
  replay_cmd->add_option("trace", replay_path, "trace file")->required();
  replay_cmd->add_option("--times", times, "replay this many times and count reproductions")
      ->check(unsigned_at_most(1'000'000'000));
  replay_cmd->add_flag("--no-timeline", no_timeline, "do not print the timeline of key events");

  auto* shrink_cmd = app.add_subcommand("shrink", "minimise a failing trace");
  std::string shrink_path, shrink_out;
  shrink_cmd->add_option("trace", shrink_path, "trace file")->required();
  shrink_cmd->add_option("-o,--output", shrink_out, "where to write the smaller trace")->required();
  double shrink_budget = 60;
  shrink_cmd->add_option("--time-budget", shrink_budget,
                         "stop after this many seconds with the smallest trace so far (0: no "
                         "limit; default 60)");

  auto* report_cmd = app.add_subcommand("report", "render a trace");
  std::string report_path, format = "text", report_out;
  report_cmd->add_option("trace", report_path, "trace file")->required();
  report_cmd->add_option("--format", format, "text, chrome (Perfetto JSON) or html");
  report_cmd->add_option("-o,--output", report_out, "output file (default: standard output)");

  auto* measure_cmd = app.add_subcommand(
      "measure",
      "executions to the first failure per strategy (buggy scenarios) and DFS space "
      "sizes (fixed ones), as a markdown table");
  MeasureOptions measure;
  const auto any_count = unsigned_at_most(std::numeric_limits<std::uint64_t>::max());
  measure_cmd->add_option("--seeds", measure.seeds, "random and PCT run seeds 1..N")
      ->check(any_count);
  measure_cmd->add_option("--max-executions", measure.max_executions, "cap per run")
      ->check(any_count);
  measure_cmd->add_option("--scenario", measure.scenarios, "only these scenarios (repeatable)");
  measure_cmd->add_option("--slow", measure.slow, "scenarios run with --slow-seeds seeds only");
  measure_cmd->add_option("--slow-seeds", measure.slow_seeds, "seeds for the --slow scenarios")
      ->check(any_count);

  auto* help_cmd = app.add_subcommand("help", "help for one command (weft help explore)");
  std::string help_topic;
  help_cmd->add_option("command", help_topic, "the command to explain");

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kClean;
  } catch (const CLI::CallForVersion&) {
    out << "weft " WEFT_VERSION "\n";
    return kClean;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kClean;
  } catch (const CLI::ParseError& e) {
    // CLI11 says "A subcommand is required" for a misspelt command: name it instead.
    if (!args.empty() && !args.front().empty() && args.front().front() != '-' &&
        app.get_subcommands().empty()) {
      err << "weft: error: unknown command \"" << args.front() << "\" (weft --help lists them)\n";
      return kBadInput;
    }
    err << "weft: error: " << e.what() << " (weft --help for usage)\n";
    return kBadInput;
  }

  try {
    if (help_cmd->parsed()) {
      if (help_topic.empty()) {
        out << app.help();
        return kClean;
      }
      for (const CLI::App* sub : app.get_subcommands({}))
        if (sub->get_name() == help_topic && sub != help_cmd) {
          out << sub->help();
          return kClean;
        }
      throw UsageError("help: unknown command \"" + help_topic + "\" (weft --help lists them)");
    }
    if (list->parsed()) return cmd_list(out, verbose);
    if (explore_cmd->parsed()) {
      std::set<std::string> given;
#define WEFT_GIVEN(member, type, def, flag, env, help)       \
  if (explore_cmd->count("--" flag)) {                       \
    given.insert(flag);                                      \
    take_named(values.member, named_texts[flag], "--" flag); \
  }
      WEFT_EXPLORE_OPTIONS(WEFT_GIVEN)
#undef WEFT_GIVEN
      GivenRows given_rows;
      for (const auto& [row, text] : row_values)
        if (explore_cmd->count("--" + std::string(row->flag))) given_rows.emplace_back(row, text);
      return cmd_explore(scenario_name, values, given, given_rows, trace_out, junit, out, err);
    }
    if (replay_cmd->parsed()) return cmd_replay(replay_path, times, !no_timeline, out);
    if (shrink_cmd->parsed()) return cmd_shrink(shrink_path, shrink_out, shrink_budget, out, err);
    if (report_cmd->parsed()) return cmd_report(report_path, format, report_out, out);
    if (measure_cmd->parsed()) return run_measure(measure, out, err);
  } catch (const UsageError& e) {
    err << "weft: error: " << e.what() << "\n";
    return kBadInput;
  } catch (const OptionError& e) {
    err << "weft: error: " << e.what() << "\n";
    return kBadInput;
  } catch (const TraceError& e) {
    err << "weft: error: " << e.what() << "\n";
    return kBadInput;
  }
  return kBadInput;
}
}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const int status = parse_and_run(args, out, err);
  // What the command printed must have reached its destination: `weft list > /dev/full` used to
  // exit 0 having written nothing.
  out.flush();
  if (!out) {
    err << "weft: error: cannot write the output (the destination is full or closed)\n";
    return kBadInput;
  }
  return status;
}

}  // namespace weft
