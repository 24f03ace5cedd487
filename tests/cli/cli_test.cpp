// The weft command's output lines and exit codes: 0 clean, 1 failure, 2 bad usage or input.
#include <catch2/catch.hpp>
#include <cerrno>  // program_invocation_short_name
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../../cli/console.hpp"
#include "../../cli/weft_cli.hpp"
#include "weft/harness/options.hpp"

namespace {
struct Run {
  int status;
  std::string out;
  std::string err;
};

Run weft_cmd(std::vector<std::string> args) {
  std::ostringstream out, err;
  int status = weft::run_cli(args, out, err);
  return {status, out.str(), err.str()};
}

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "weft-cli-test";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

bool one_line_error(const Run& r) {
  return r.status == 2 && r.out.empty() && r.err.rfind("weft: error: ", 0) == 0 &&
         r.err.find('\n') == r.err.size() - 1;
}
}  // namespace

TEST_CASE("weft list shows the flagship with its expectation") {
  Run r = weft_cmd({"list"});
  CHECK(r.status == 0);
  auto line = r.out.substr(r.out.find("shutdown-producer-worker "));
  line = line.substr(0, line.find('\n'));
  CHECK(line.find("[multi_thread, finds task_panic] The producer panics at runtime shutdown.") !=
        std::string::npos);
}

TEST_CASE("explore finds the flagship, writes the trace and prints the replay command") {
  const std::string trace = temp_path("flagship.json");
  Run r = weft_cmd({"explore", "shutdown-producer-worker", "--strategy", "pct", "--iterations",
                    "200", "--trace-out", trace});
  CHECK(r.status == 1);
  CHECK(r.out.find("task_panic: task 'producer'") != std::string::npos);
  CHECK(r.out.find("trace: " + trace + "\n") != std::string::npos);
  // The running program names itself (here the test binary, not `weft`).
  CHECK(r.out.find("replay: " + std::string(program_invocation_short_name) + " replay " + trace +
                   "\n") != std::string::npos);
  CHECK(r.out.find("SUMMARY: weft: task_panic in shutdown-producer-worker\n") != std::string::npos);
  REQUIRE(std::filesystem::exists(trace));

  Run replay = weft_cmd({"replay", trace, "--times", "20"});
  CHECK(replay.status == 1);
  CHECK(replay.out.find("20/20 reproduced the recorded failure") != std::string::npos);
  CHECK(replay.out.find("DROPPED") != std::string::npos);
  CHECK(replay.out.find("(reproduced)") != std::string::npos);

  const std::string small = temp_path("flagship-min.json");
  Run shrink = weft_cmd({"shrink", trace, "-o", small});
  CHECK(shrink.status == 1);
  CHECK(shrink.out.find("decisions:") != std::string::npos);
  CHECK(weft_cmd({"replay", small}).status == 1);

  Run chrome = weft_cmd({"report", trace, "--format", "chrome"});
  CHECK(chrome.status == 0);  // rendering succeeded; the failure is the trace's, not the command's
  CHECK_NOTHROW(nlohmann::json::parse(chrome.out));
  Run html = weft_cmd({"report", trace, "--format", "html"});
  CHECK(html.status == 0);
  CHECK(html.out.find("<!doctype html>") == 0);
  CHECK(html.out.find("<svg") != std::string::npos);
  CHECK(html.out.find("id=\"failure\"") != std::string::npos);
  Run text = weft_cmd({"report", trace});
  CHECK(text.out.find("timeline of shutdown-producer-worker") != std::string::npos);
}

TEST_CASE("weft --version prints the version and exits 0") {
  Run r = weft_cmd({"--version"});
  CHECK(r.status == 0);
  CHECK(r.out.rfind("weft 0.", 0) == 0);
}

TEST_CASE("weft help COMMAND prints that command's help; an unknown one is bad input") {
  Run r = weft_cmd({"help", "explore"});
  CHECK(r.status == 0);
  CHECK(r.out.find("--strategy") != std::string::npos);
  CHECK(r.out.find("--times") == std::string::npos);  // replay's, not explore's
  Run bad = weft_cmd({"help", "nonsense"});
  CHECK(bad.status == 2);
  CHECK(bad.err.find("unknown command") != std::string::npos);
}

TEST_CASE("the console helpers: readable durations and a progress line with total and ETA") {
  CHECK(weft::console::duration(0.0042) == "4.2 ms");
  CHECK(weft::console::duration(3.5) == "3.50 s");
  CHECK(weft::console::duration(125) == "2 min 5 s");
  const std::string line = weft::console::progress({250, 0, 1.0}, 1000, 0);
  CHECK(line == "250/1000 executions (25%), 250/s, 0 failures, ETA 3.00 s");
  // A time budget caps the ETA.
  CHECK(weft::console::progress({250, 1, 1.0}, 1000, 2.0).find("1 failure, ETA 1.00 s") !=
        std::string::npos);
  CHECK(weft::console::red("x", false) == "x");
}

TEST_CASE("the summary says when the time budget ended a clean run") {
  Run r = weft_cmd({"explore", "shutdown-producer-worker-stop-on-close", "--strategy", "random",
                    "--iterations", "100000000", "--time-budget", "0.2"});
  CHECK(r.status == 0);
  CHECK(r.out.find("the time budget of 200 ms ended the run after ") != std::string::npos);
}

TEST_CASE("a fixed variant explores clean with exit 0") {
  Run r = weft_cmd({"explore", "shutdown-producer-worker-stop-on-close", "--strategy", "random",
                    "--iterations", "200"});
  CHECK(r.status == 0);
  CHECK(r.out.find("SUMMARY: weft: no failure in shutdown-producer-worker-stop-on-close\n") !=
        std::string::npos);
}

TEST_CASE("bad usage and bad input are one line on stderr and exit 2") {
  CHECK(one_line_error(weft_cmd({})));
  CHECK(one_line_error(weft_cmd({"frobnicate"})));
  CHECK(one_line_error(weft_cmd({"explore", "no-such-scenario"})));
  CHECK(one_line_error(weft_cmd({"explore", "shutdown-producer-worker", "--strategy", "magic"})));
  CHECK(one_line_error(weft_cmd({"explore", "shutdown-producer-worker", "--iterations", "lots"})));
  CHECK(one_line_error(weft_cmd({"explore", "shutdown-producer-worker", "--shard", "3/2"})));
  CHECK(one_line_error(weft_cmd({"explore", "shutdown-producer-worker", "--flavor", "fast"})));
  // Closed sets of values are enums: a bad name is refused with the names it could have been.
  Run leaks = weft_cmd({"explore", "shutdown-producer-worker", "--leaks", "maybe"});
  CHECK(one_line_error(leaks));
  CHECK(leaks.err == "weft: error: --leaks: expected fail, warn or off, got \"maybe\"\n");
  CHECK(one_line_error(weft_cmd({"replay", temp_path("does-not-exist.json")})));
  CHECK(one_line_error(weft_cmd({"report", temp_path("does-not-exist.json"), "--format", "pdf"})));

  const std::string garbage = temp_path("garbage.json");
  std::ofstream(garbage) << "{\"format\": \"weft-trace\", \"version\": 1";
  CHECK(one_line_error(weft_cmd({"replay", garbage})));

  // A well-formed trace whose decisions do not fit the execution names the decision.
  const std::string trace = temp_path("misfit.json");
  REQUIRE(weft_cmd({"explore", "shutdown-producer-worker", "--strategy", "pct", "--iterations",
                    "200", "--trace-out", trace})
              .status == 1);
  nlohmann::json j;
  std::ifstream(trace) >> j;
  j["decisions"][0]["of"] = 9;
  j["decisions"][0]["index"] = 8;
  std::ofstream(trace, std::ios::trunc) << j.dump();
  Run misfit = weft_cmd({"replay", trace});
  CHECK(one_line_error(misfit));
  CHECK(misfit.err.find("decision 0") != std::string::npos);

  j["scenario"] = "renamed-away";
  std::ofstream(trace, std::ios::trunc) << j.dump();
  CHECK(one_line_error(weft_cmd({"replay", trace})));
}

TEST_CASE("an unwritable trace destination fails fast with exit 2, before any execution") {
  const std::string file = temp_path("a-plain-file");
  std::ofstream(file) << "not a directory";
  // The exploration would fail (exit 1) and write its trace: the check comes before it, so no
  // execution runs (nothing on stdout, where the exploration's summary would be).
  Run r = weft_cmd({"explore", "shutdown-producer-worker", "--iterations", "200", "--trace-out",
                    file + "/trace.json"});
  CHECK(one_line_error(r));
  CHECK(r.err == "weft: error: cannot write trace file " + file + "/trace.json: " + file +
                     " is not a directory\n");
  const std::string dir = temp_path("a-directory");
  std::filesystem::create_directories(dir);
  Run d = weft_cmd({"explore", "shutdown-producer-worker", "--trace-out", dir});
  CHECK(one_line_error(d));
  CHECK(d.err.find("it is a directory") != std::string::npos);

  // shrink -o is checked before its replays too.
  const std::string trace = temp_path("to-shrink.json");
  REQUIRE(
      weft_cmd({"explore", "shutdown-producer-worker", "--iterations", "200", "--trace-out", trace})
          .status == 1);
  CHECK(one_line_error(weft_cmd({"shrink", trace, "-o", file + "/small.json"})));
}

TEST_CASE("default trace names of two strategies differ; neither overwrites the other's trace") {
  const auto dir = std::filesystem::temp_directory_path() / "weft-cli-default-names";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  Run random = weft_cmd({"explore", "shutdown-producer-worker", "--seed", "1"});
  Run pct = weft_cmd({"explore", "shutdown-producer-worker", "--strategy", "pct", "--seed", "1"});
  std::filesystem::current_path(previous);
  CHECK(random.status == 1);
  CHECK(pct.status == 1);
  auto trace_of = [](const Run& r) {
    const auto at = r.out.find("\ntrace: ");
    return at == std::string::npos ? std::string()
                                   : r.out.substr(at + 8, r.out.find('\n', at + 1) - at - 8);
  };
  CHECK(trace_of(random).rfind("traces/shutdown-producer-worker-random-", 0) == 0);
  CHECK(trace_of(pct).rfind("traces/shutdown-producer-worker-pct-d3-", 0) == 0);
  CHECK(std::filesystem::exists(dir / trace_of(random)));
  CHECK(std::filesystem::exists(dir / trace_of(pct)));
  std::filesystem::remove_all(dir);
}

TEST_CASE("explore --all-failures lists each distinct failure with a count and its lowest seed") {
  const std::string junit = temp_path("all-failures.xml");
  Run r = weft_cmd({"explore", "shutdown-producer-worker", "--strategy", "random", "--iterations",
                    "300", "--all-failures", "--junit", junit, "--trace-out",
                    temp_path("all-failures.json")});
  CHECK(r.status == 1);
  const auto at = r.out.find(" distinct failure");
  REQUIRE(at != std::string::npos);
  const auto count = std::stoul(r.out.substr(r.out.rfind('\n', at) + 1));
  CHECK(count >= 1);
  // One "signature: N executions, lowest seed S (execution I)" line and one rerun line each.
  std::size_t listed = 0;
  for (auto p = r.out.find(", lowest seed "); p != std::string::npos;
       p = r.out.find(", lowest seed ", p + 1))
    ++listed;
  CHECK(listed == count);
  // The rerun command names the running program (here the test binary).
  const std::string program = program_invocation_short_name;
  const auto rerun_at = r.out.find("    rerun: " + program + " explore shutdown-producer-worker");
  REQUIRE(rerun_at != std::string::npos);
  // The first signature's rerun command reproduces it.
  std::string rerun = r.out.substr(rerun_at + 11, r.out.find('\n', rerun_at) - rerun_at - 11);
  std::vector<std::string> args;
  std::istringstream words(rerun);
  for (std::string w; words >> w;) args.push_back(w);
  args.erase(args.begin());  // the program's name
  args.push_back("--trace-out");
  args.push_back(temp_path("rerun.json"));
  Run again = weft_cmd(args);
  CHECK(again.status == 1);
  const auto kind_line = r.out.find('\n', at) + 3;
  const std::string kind = r.out.substr(kind_line, r.out.find('|', kind_line) - kind_line);
  CHECK(again.out.find("SUMMARY: weft: " + kind + " in shutdown-producer-worker") !=
        std::string::npos);

  // JUnit: one failing test case per signature, with the rerun command in the message.
  std::ifstream file(junit);
  std::stringstream xml;
  xml << file.rdbuf();
  const std::string text = xml.str();
  CHECK(text.rfind("<?xml", 0) == 0);
  std::size_t cases = 0, failures = 0;
  for (auto p = text.find("<testcase "); p != std::string::npos; p = text.find("<testcase ", p + 1))
    ++cases;
  for (auto p = text.find("<failure "); p != std::string::npos; p = text.find("<failure ", p + 1))
    ++failures;
  CHECK(cases == count);
  CHECK(failures == count);
  CHECK(text.find("tests=\"" + std::to_string(count) + "\" failures=\"" + std::to_string(count)) !=
        std::string::npos);
  CHECK(text.find("rerun: " + program +
                  " explore shutdown-producer-worker --flavor multi_thread "
                  "--strategy random --seed ") != std::string::npos);
}

TEST_CASE("explore --junit: a clean exploration is one passing test case") {
  const std::string junit = temp_path("clean.xml");
  Run r = weft_cmd({"explore", "shutdown-producer-worker-stop-on-close", "--iterations", "50",
                    "--junit", junit});
  CHECK(r.status == 0);
  std::ifstream file(junit);
  std::stringstream xml;
  xml << file.rdbuf();
  CHECK(xml.str().find("tests=\"1\" failures=\"0\"") != std::string::npos);
  CHECK(xml.str().find("<testcase classname=\"weft.shutdown-producer-worker-stop-on-close\" "
                       "name=\"no failure in 50 executions\"") != std::string::npos);
  CHECK(xml.str().find("<failure") == std::string::npos);
}

TEST_CASE("unsigned flags refuse negative and out-of-range values instead of wrapping") {
  const std::string flagship = "shutdown-producer-worker";
  CHECK(one_line_error(weft_cmd({"explore", flagship, "--iterations", "-1"})));
  CHECK(one_line_error(weft_cmd({"explore", flagship, "--iterations", "18446744073709551616"})));
  CHECK(one_line_error(weft_cmd({"explore", flagship, "--seed", "-1"})));
  CHECK(one_line_error(weft_cmd({"explore", flagship, "--depth", "4294967296"})));
  CHECK(one_line_error(weft_cmd({"replay", temp_path("any.json"), "--times", "-1"})));
  CHECK(one_line_error(weft_cmd({"measure", "--seeds", "-1"})));
  // Millisecond options the nanosecond clock cannot hold would overflow into false reports.
  for (const char* flag : {"--max-virtual-time", "--long-poll-ms", "--leak-grace-ms"}) {
    CHECK(one_line_error(weft_cmd({"explore", flagship, flag, "9223372036855"})));
    CHECK(weft_cmd({"explore", flagship, flag, "9223372036854", "--iterations", "1"}).status != 2);
  }
  // The largest value is still accepted.
  Run r = weft_cmd({"explore", flagship, "--seed", "18446744073709551615", "--iterations", "1"});
  CHECK(r.status != 2);
}

TEST_CASE("running zero executions is not a pass") {
  Run r = weft_cmd({"explore", "shutdown-producer-worker-stop-on-close", "--iterations", "0"});
  CHECK(r.status == 2);
  CHECK(r.err.find("no execution ran (--iterations is 0); nothing was tested") !=
        std::string::npos);
  CHECK(r.out.find("SUMMARY: weft: no execution ran in") != std::string::npos);
}

TEST_CASE("the strategies and their options come from the registry: flags, --help, environment") {
  Run help = weft_cmd({"explore", "--help"});
  CHECK(help.out.find("--depth") != std::string::npos);
  CHECK(help.out.find("--preemption-bound") != std::string::npos);
  CHECK(help.out.find("[env WEFT_PCT_STEPS]") != std::string::npos);
  CHECK(help.out.find("pct: PCT: random priorities") != std::string::npos);  // the strategy list
  CHECK(one_line_error(weft_cmd({"explore", "shutdown-producer-worker", "--depth", "deep"})));
  CHECK(one_line_error(weft_cmd({"explore", "shutdown-producer-worker", "--depth", "0"})));
  Run unknown = weft_cmd({"explore", "shutdown-producer-worker", "--strategy", "magic"});
  CHECK(unknown.err.find(
            "random, pct, exhaustive, dfs, dpor, dpor-source, dpor-bounded, dfs-iterative, "
            "delay-bounded or dfs-sleep") != std::string::npos);
  // Replay and byte streams are made from traces and fuzzer input, never selected.
  CHECK(one_line_error(weft_cmd({"explore", "shutdown-producer-worker", "--strategy", "replay"})));

  // The environment reaches the strategies' rows as it reaches the general options.
  setenv("WEFT_DEPTH", "5", 1);
  weft::ExploreOptions o;
  weft::apply_environment(o);
  CHECK(o.depth == 5);
  CHECK_NOTHROW(weft::validate(o));
  setenv("WEFT_DEPTH", "five", 1);
  CHECK_THROWS_AS(weft::apply_environment(o), weft::OptionError);
  unsetenv("WEFT_DEPTH");
}

TEST_CASE("a search's failure reruns by its position: --iterations index + 1") {
  Run r = weft_cmd({"explore", "lost-wakeup", "--strategy", "dpor", "--iterations", "5000",
                    "--trace-out", temp_path("dpor.json")});
  CHECK(r.status == 1);
  const auto at = r.out.find("rerun this execution: ");
  REQUIRE(at != std::string::npos);
  const std::string line = r.out.substr(at, r.out.find('\n', at) - at);
  CHECK(line.find("--strategy dpor --iterations 2") != std::string::npos);
  CHECK(line.find("--seed") == std::string::npos);
}

TEST_CASE("dfs-sleep is selectable from the command line and covers a fixed space clean") {
  Run r = weft_cmd(
      {"explore", "lost-wakeup-notify-one", "--strategy", "dfs-sleep", "--iterations", "100000"});
  CHECK(r.status == 0);
  CHECK(r.out.find("(multi_thread, dfs-sleep, seed 1)") != std::string::npos);
  CHECK(r.out.find("the whole space within the bounds was covered") != std::string::npos);
  Run found = weft_cmd({"explore", "lost-wakeup", "--strategy", "dfs-sleep", "--iterations",
                        "100000", "--trace-out", temp_path("dfs-sleep.json")});
  CHECK(found.status == 1);
  CHECK(found.out.find("--strategy dfs-sleep --iterations ") != std::string::npos);
}

TEST_CASE("a misspelt command, an unknown measured scenario and a full output are errors") {
  Run bogus = weft_cmd({"bogus-cmd"});
  CHECK(one_line_error(bogus));
  CHECK(bogus.err.find("unknown command \"bogus-cmd\"") != std::string::npos);

  Run measure = weft_cmd({"measure", "--scenario", "nope"});
  CHECK(one_line_error(measure));
  CHECK(measure.err.find("unknown scenario \"nope\"") != std::string::npos);

  // `weft list > /dev/full` used to exit 0 having written nothing.
  std::ofstream full("/dev/full");
  REQUIRE(full.is_open());
  std::ostringstream err;
  CHECK(weft::run_cli({"list"}, full, err) == 2);
  CHECK(err.str().find("cannot write the output") != std::string::npos);
}

TEST_CASE("replaying a trace that records no failure, and a version past INT64_MAX") {
  const std::string trace = temp_path("no-failure.json");
  REQUIRE(
      weft_cmd({"explore", "shutdown-producer-worker", "--iterations", "500", "--trace-out", trace})
          .status == 1);
  nlohmann::json j;
  std::ifstream(trace) >> j;
  j.erase("failure");
  std::ofstream(trace, std::ios::trunc) << j.dump();
  // The decisions still fail; the summary must not read "0/1 reproduced the recorded failure".
  Run r = weft_cmd({"replay", trace, "--no-timeline"});
  CHECK(r.status == 1);
  CHECK(r.out.find("the trace records no failure, but 1/1 replays failed") != std::string::npos);
  CHECK(r.out.find("0/1 reproduced") == std::string::npos);

  j["version"] = std::numeric_limits<std::uint64_t>::max();
  std::ofstream(trace, std::ios::trunc) << j.dump();
  Run v = weft_cmd({"replay", trace});
  CHECK(one_line_error(v));
  CHECK(v.err.find("version is out of range") != std::string::npos);  // it printed -1
}

TEST_CASE("one step-limit default, for a plain runtime and for explorations") {
  STATIC_REQUIRE(weft::RuntimeOptions{}.max_steps == weft::kDefaultMaxSteps);
  STATIC_REQUIRE(weft::ExploreOptions{}.max_steps == weft::kDefaultMaxSteps);
  // The enum options read and write their names, and "" is the scenario's flavor.
  CHECK(weft::parse_option_value<weft::LeakMode>("warn", "--leaks") == weft::LeakMode::warn);
  CHECK(weft::option_text(weft::LeakMode::fail) == "fail");
  CHECK_FALSE(weft::parse_option_value<std::optional<weft::Flavor>>("", "--flavor"));
  CHECK(weft::option_text(std::optional<weft::Flavor>(weft::Flavor::current_thread)) ==
        "current_thread");
}

TEST_CASE("dpor-bounded and dfs-iterative are selectable and report the bound they covered") {
  Run bounded = weft_cmd({"explore", "lost-wakeup-notify-one", "--strategy", "dpor-bounded",
                          "--preemption-bound", "1", "--iterations", "100000"});
  CHECK(bounded.status == 0);
  CHECK(bounded.out.find("preemption bound 1 covered completely") != std::string::npos);
  Run iterative = weft_cmd({"explore", "lost-wakeup-notify-one", "--strategy", "dfs-iterative",
                            "--preemption-bound", "2", "--iterations", "100000"});
  CHECK(iterative.status == 0);
  // Bound 2, or every schedule when none needs more preemptions.
  CHECK((iterative.out.find("preemption bound 2 covered completely") != std::string::npos ||
         iterative.out.find("every schedule was covered") != std::string::npos));
  // A failure reruns with the bound it was found under, by position.
  Run found = weft_cmd({"explore", "lost-wakeup", "--strategy", "dpor-bounded", "--iterations",
                        "100000", "--trace-out", temp_path("dpor-bounded.json")});
  CHECK(found.status == 1);
  CHECK(found.out.find("--strategy dpor-bounded --preemption-bound 2 --iterations ") !=
        std::string::npos);
}

TEST_CASE("a bad value from a WEFT_* variable is named by its variable too") {
  ::setenv("WEFT_JOBS", "0", 1);
  Run r = weft_cmd({"explore", "shutdown-producer-worker", "--iterations", "1"});
  ::unsetenv("WEFT_JOBS");
  CHECK(one_line_error(r));
  CHECK(r.err.find("WEFT_JOBS") != std::string::npos);  // it said only --jobs
}
