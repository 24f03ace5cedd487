// Crashes, stack overflows and stuck executions, each in a child process (crash_program.cpp, a
// weft command with such scenarios): the child must die or exit as it would without weft, but
// only after printing which execution it was, its seed and the command that reruns it.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "weft/harness/trace.hpp"

namespace {

struct Child {
  int status = 0;
  std::string out, err;
  bool signaled(int sig) const { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
  int exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const char* program() {
  const char* p = std::getenv("WEFT_CRASH_PROGRAM");
  REQUIRE(p != nullptr);  // set by tests/meson.build
  return p;
}

// Runs the crash program with `args` in `dir`, stdout and stderr to files, at most 60 s; sends it
// `signal` after `delay` when given.
Child run(const std::vector<std::string>& args, const std::string& dir, int signal = 0,
          std::chrono::milliseconds delay = {}) {
  std::filesystem::create_directories(dir);
  const std::string out_path = dir + "/stdout", err_path = dir + "/stderr";
  const std::string exe = std::filesystem::absolute(program()).string();
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    int out = open("stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open("stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    // Under ASan the child's crashes must reach weft's handlers and then the default action, and
    // big frames must stay on the task stack.
    setenv("ASAN_OPTIONS",
           "handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigfpe=0:"
           "handle_sigill=0:detect_leaks=0:detect_stack_use_after_return=0",
           1);
    alarm(60);  // a hang is a test failure, not a stuck CI job
    std::vector<char*> argv{const_cast<char*>(exe.c_str())};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  Child c;
  if (signal != 0) {
    std::this_thread::sleep_for(delay);
    kill(pid, signal);
  }
  REQUIRE(waitpid(pid, &c.status, 0) == pid);
  c.out = slurp(out_path);
  c.err = slurp(err_path);
  return c;
}

std::string scratch(const std::string& name) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("weft-crash-test-" + std::to_string(getpid())) / name)
                              .string();
  std::filesystem::remove_all(dir);
  return dir;
}

// "crash_program explore S ... --seed N --iterations 1" from the report (the program names
// itself), as arguments.
std::vector<std::string> rerun_args(const std::string& err) {
  std::smatch m;
  REQUIRE(std::regex_search(err, m,
                            std::regex("rerun this execution: crash_program (explore [^\n]*)\n")));
  std::istringstream words(m[1].str());
  std::vector<std::string> args;
  for (std::string w; words >> w;) args.push_back(w);
  return args;
}

std::string execution_line(const std::string& err) {
  std::smatch m;
  REQUIRE(std::regex_search(err, m, std::regex("in execution ([0-9]+) \\(seed ([0-9]+)\\)")));
  return m[0].str();
}

}  // namespace

TEST_CASE("a segfault in a task prints the execution, its seed and a rerun that reproduces it") {
  const std::string dir = scratch("segv");
  Child c = run({"explore", "segv", "--iterations", "200", "--seed", "7"}, dir);
  INFO(c.err);
  CHECK(c.signaled(SIGSEGV));
  CHECK(c.err.find("weft: CRASH: SIGSEGV") != std::string::npos);
  CHECK(c.err.find("of scenario segv, strategy random") != std::string::npos);
  CHECK(c.err.find("in task 'b'") != std::string::npos);
  CHECK(c.err.find("SUMMARY: weft: crash (SIGSEGV) in segv") != std::string::npos);
  // The rerun command runs that one execution, which crashes the same way as execution 0.
  std::vector<std::string> args = rerun_args(c.err);
  CHECK(args.back() == "1");
  Child again = run(args, dir);
  INFO(again.err);
  CHECK(again.signaled(SIGSEGV));
  std::smatch m;
  REQUIRE(std::regex_search(c.err, m, std::regex("\\(seed ([0-9]+)\\)")));
  CHECK(again.err.find("in execution 0 (seed " + m[1].str() + ")") != std::string::npos);
}

TEST_CASE("abort in a task is reported with the execution, then dies of SIGABRT") {
  Child c = run({"explore", "abort", "--iterations", "200", "--jobs", "2"}, scratch("abort"));
  INFO(c.err);
  CHECK(c.signaled(SIGABRT));
  CHECK(c.err.find("weft: CRASH: SIGABRT") != std::string::npos);
  execution_line(c.err);
  CHECK(c.err.find(
            "rerun this execution: crash_program explore abort --flavor multi_thread --strategy "
            "random --seed ") != std::string::npos);
  // Reported once, by the thread that crashed.
  CHECK(c.err.find("CRASH") == c.err.rfind("CRASH"));
}

TEST_CASE("std::exit in a task ends with the status asked for, naming the execution") {
  // It used to be a segfault: exit ran the thread's destructors on the task's stack, and the
  // stack pool unmapped that very stack.
  Child c = run({"explore", "exit-in-task", "--iterations", "200"}, scratch("exit"));
  INFO(c.err);
  CHECK(c.exit_code() == 7);
  CHECK(c.err.find("weft: the program called exit in execution") != std::string::npos);
  execution_line(c.err);
  Child again = run(rerun_args(c.err), scratch("exit-rerun"));
  CHECK(again.exit_code() == 7);
  CHECK(execution_line(again.err).find("in execution 0 ") == 0);
}

TEST_CASE("std::terminate in a task is a crash failure with a trace, reported once") {
  const std::string dir = scratch("terminate");
  // --pct-steps given: PCT's calibration runs would otherwise meet the crash before the
  // exploration's own executions (that case has a test of its own, below).
  Child c =
      run({"explore", "terminate", "--strategy", "pct", "--pct-steps", "25", "--iterations", "200"},
          dir);
  INFO(c.err);
  CHECK(c.signaled(SIGABRT));
  CHECK(c.err.find("weft: FAILURE in execution") != std::string::npos);
  CHECK(c.err.find("crash: std::terminate was called") != std::string::npos);
  CHECK(c.err.find("--strategy pct --depth 3 --pct-steps") != std::string::npos);
  CHECK(c.err.find("SUMMARY: weft: crash in terminate") != std::string::npos);
  CHECK(c.err.find("CRASH: SIGABRT") == std::string::npos);  // not a second report
  std::smatch m;
  REQUIRE(std::regex_search(c.err, m, std::regex("trace: ([^\n]+)\n")));
  weft::Trace t = weft::read_trace_file(dir + "/" + m[1].str());
  REQUIRE(t.failure);
  CHECK(t.failure->kind == weft::FailureKind::crash);
  CHECK(t.failure->task_name == "b");
  CHECK(t.strategy == "pct");
}

TEST_CASE(
    "a crash in PCT's calibration runs is reported with the seed and a rerun that calibrates") {
  const std::string dir = scratch("calibration");
  // No --pct-steps: the calibration runs (default, random and PCT schedules) meet the abort.
  Child c =
      run({"explore", "abort", "--strategy", "pct", "--seed", "5", "--iterations", "200"}, dir);
  INFO(c.err);
  CHECK(c.signaled(SIGABRT));
  CHECK(c.err.find("weft: CRASH: SIGABRT") != std::string::npos);
  CHECK(c.err.find("(seed 5) of scenario abort, strategy pct depth 3 steps 0, calibration run") !=
        std::string::npos);
  const std::string rerun =
      "rerun this execution: crash_program explore abort --flavor multi_thread --strategy pct "
      "--depth 3 "
      "--pct-steps 0 --seed 5 --iterations 1\n";
  REQUIRE(c.err.find(rerun) != std::string::npos);
  // The rerun calibrates again and meets the same crash.
  Child again = run({"explore", "abort", "--flavor", "multi_thread", "--strategy", "pct", "--depth",
                     "3", "--pct-steps", "0", "--seed", "5", "--iterations", "1"},
                    dir);
  INFO(again.err);
  CHECK(again.signaled(SIGABRT));
  CHECK(again.err.find(rerun) != std::string::npos);
}

TEST_CASE("infinite recursion in a task is a stack overflow naming the task and its stack size") {
  Child c = run({"explore", "recursion", "--iterations", "3"}, scratch("recursion"));
  INFO(c.err);
  CHECK(c.signaled(SIGSEGV));
  CHECK(c.err.find("weft: stack overflow in task 'recursive' #1 (stack 128 KiB; raise it with "
                   "RuntimeOptions::stack_size") != std::string::npos);
  CHECK(c.err.find("in execution 0 (seed 1)") != std::string::npos);
  CHECK(c.err.find("SUMMARY: weft: crash (stack overflow) in recursion") != std::string::npos);
}

TEST_CASE("a 200 KB frame hits the guard instead of another task's stack") {
  Child c = run({"explore", "big-frame", "--iterations", "3"}, scratch("big-frame"));
  INFO(c.err);
  CHECK(c.signaled(SIGSEGV));
  CHECK(c.err.find("weft: stack overflow in task 'big'") != std::string::npos);
}

TEST_CASE("a destructor that throws while its task is dropped ends as a failure with its seed") {
  // The runtime turns the terminate that a throwing destructor causes during a drop into a
  // failure of that task, told from a cancellation reaching a waiting destructor by the exception
  // in flight: the run goes on to report it with its kind, the exception's message, its seed and
  // trace, exit 1.
  const std::string dir = scratch("throwing-destructor");
  Child c = run({"explore", "throwing-destructor", "--iterations", "3"}, dir);
  INFO(c.out + c.err);
  CHECK(c.exit_code() == 1);
  CHECK(c.out.find("FAILURE in execution 0 (seed 1)") != std::string::npos);
  CHECK(c.out.find("task: 'closer'") != std::string::npos);
  CHECK(c.out.find("flush failed while closing") != std::string::npos);
  CHECK(c.out.find("destructor that waited") == std::string::npos);
  std::smatch m;
  REQUIRE(std::regex_search(c.out, m, std::regex("\ntrace: ([^\n]+)\n")));
  weft::Trace t = weft::read_trace_file(dir + "/" + m[1].str());
  REQUIRE(t.failure);
  CHECK(t.failure->kind == weft::FailureKind::throwing_destructor);
  CHECK(t.failure->task_name == "closer");
  CHECK(t.failure->where.known());
}

TEST_CASE("a task that waits in a destructor while dropped is a failure that keeps the seed") {
  // Formerly weft's own fatal error; now a panic of that task (tokio: a Drop cannot await).
  Child c = run({"explore", "blocks-while-dropped", "--iterations", "3"}, scratch("fatal"));
  INFO(c.out + c.err);
  CHECK(c.exit_code() == 1);
  CHECK(c.out.find("task: 'waiter'") != std::string::npos);
  CHECK(c.out.find("a destructor waited") != std::string::npos);
  CHECK(c.out.find("FAILURE in execution 0 (seed 1)") != std::string::npos);
  CHECK(std::regex_search(c.out,
                          std::regex("rerun this execution: \\S+ explore blocks-while-dropped")));
}

TEST_CASE("the watchdog reports a task spinning without a scheduling point, with a trace") {
  const std::string dir = scratch("spin");
  Child c = run({"explore", "spin", "--iterations", "5", "--trace-out", "spin.json"}, dir);
  INFO(c.err);
  CHECK(c.exit_code() == 1);
  CHECK(c.err.find("weft: WATCHDOG: execution 0 (seed 1) of scenario spin") != std::string::npos);
  CHECK(c.err.find("hang: the task held the thread for 0.5 s of wall time") != std::string::npos);
  CHECK(c.err.find("task: 'spinner'") != std::string::npos);
  CHECK(c.err.find("its last weft operation: yield at") != std::string::npos);
  CHECK(c.err.find("SUMMARY: weft: hang in spin (watchdog)") != std::string::npos);
  weft::Trace t = weft::read_trace_file(dir + "/spin.json");
  REQUIRE(t.failure);
  CHECK(t.failure->kind == weft::FailureKind::hang);
  CHECK(t.failure->task_name == "spinner");
  // Replaying it gets stuck the same way, and the watchdog ends that too.
  Child replayed = run({"replay", "spin.json"}, dir);
  INFO(replayed.err);
  CHECK(replayed.exit_code() == 1);
  CHECK(replayed.err.find("weft: WATCHDOG: replaying") != std::string::npos);
  CHECK(replayed.err.find("task: 'spinner'") != std::string::npos);
}

TEST_CASE("the watchdog reports a task blocked on a real std::mutex") {
  const std::string dir = scratch("real-mutex");
  Child c = run({"explore", "real-mutex", "--iterations", "200", "--jobs", "2"}, dir);
  INFO(c.err);
  CHECK(c.exit_code() == 1);
  CHECK(c.err.find("task: 'taker'") != std::string::npos);
  CHECK(c.err.find("a real std::mutex") != std::string::npos);
  CHECK(c.err.find("std::mutex -> weft::sim::mutex") != std::string::npos);
  CHECK(c.err.find("replay: crash_program replay traces/real-mutex-random-") != std::string::npos);
  std::smatch m;
  REQUIRE(std::regex_search(c.err, m, std::regex("trace: ([^\n]+)\n")));
  CHECK(std::filesystem::exists(dir + "/" + m[1].str()));
  CHECK(m[1].str().find("traces/real-mutex-random-") == 0);
}

TEST_CASE("the watchdog leaves slow executions that keep reaching scheduling points alone") {
  Child c = run({"explore", "slow-but-moving", "--iterations", "1"}, scratch("slow"));
  INFO(c.err);
  CHECK(c.exit_code() == 0);
  CHECK(c.err.find("WATCHDOG") == std::string::npos);
  CHECK(c.out.find("SUMMARY: weft: no failure in slow-but-moving") != std::string::npos);
}

TEST_CASE("--watchdog 0 turns the watchdog off; a bad value is refused") {
  Child bad = run({"explore", "spin", "--watchdog", "-1"}, scratch("bad-watchdog"));
  CHECK(bad.exit_code() == 2);
  CHECK(bad.err.find("--watchdog") != std::string::npos);
}

TEST_CASE("SIGTERM stops a clean run after the current execution, with its summary, exit 143") {
  Child c = run({"explore", "clean", "--iterations", "100000000000"}, scratch("sigterm"), SIGTERM,
                std::chrono::milliseconds(1500));
  INFO(c.out + c.err);
  CHECK(c.exit_code() == 143);
  CHECK(c.out.find("note: interrupted by SIGTERM after ") != std::string::npos);
  CHECK(c.out.find("SUMMARY: weft: no failure in clean (interrupted)") != std::string::npos);
}

TEST_CASE("Ctrl-C keeps the failure found so far: seed, trace and rerun, exit 130") {
  const std::string dir = scratch("sigint");
  Child c = run({"explore", "panics", "--all-failures", "--iterations", "100000000000"}, dir,
                SIGINT, std::chrono::milliseconds(1500));
  INFO(c.out + c.err);
  CHECK(c.exit_code() == 130);
  CHECK(c.out.find("note: interrupted by SIGINT after ") != std::string::npos);
  CHECK(c.out.find("FAILURE in execution ") != std::string::npos);
  CHECK(std::regex_search(c.out, std::regex("rerun this execution: \\S+ explore panics")));
  std::smatch m;
  REQUIRE(std::regex_search(c.out, m, std::regex("trace: ([^\n]+)\n")));
  CHECK(std::filesystem::exists(dir + "/" + m[1].str()));
}

// ---- --isolate: each execution first runs in a child process ---------------------------------

namespace {

// The trace a report names ("trace: PATH"), read from `dir`.
weft::Trace reported_trace(const Child& c, const std::string& dir) {
  std::smatch m;
  REQUIRE(std::regex_search(c.out, m, std::regex("trace: ([^\n]+)\n")));
  return weft::read_trace_file(dir + "/" + m[1].str());
}

}  // namespace

TEST_CASE("--isolate: a segfault is a crash failure with a trace that replays, not a dead run") {
  const std::string dir = scratch("isolate-segv");
  Child c = run({"explore", "segv", "--isolate", "--iterations", "200", "--seed", "7",
                 "--trace-out", "segv.json"},
                dir);
  INFO(c.out << c.err);
  CHECK(c.exit_code() == 1);  // a failure, reported by the exploring process itself
  CHECK(c.out.find("the execution died of SIGSEGV") != std::string::npos);
  CHECK(c.out.find("SUMMARY: weft: crash in segv") != std::string::npos);
  CHECK(c.err.find("weft: CRASH") == std::string::npos);  // the child kept quiet
  const weft::Trace t = weft::read_trace_file(dir + "/segv.json");
  REQUIRE(t.failure);
  CHECK(t.failure->kind == weft::FailureKind::crash);
  CHECK(t.failure->task_name == "b");
  CHECK(t.failure->where.file.find("crash_program.cpp") != std::string::npos);
  CHECK_FALSE(t.decisions.empty());
  // The replay runs in a child too, and says the crash came back.
  Child again = run({"replay", "segv.json"}, dir);
  INFO(again.out << again.err);
  CHECK(again.exit_code() == 1);
  CHECK(again.out.find("1/1 reproduced the recorded failure") != std::string::npos);
  CHECK(again.out.find("SUMMARY: weft: crash in segv (reproduced)") != std::string::npos);
  // So does each attempt of shrinking it (in-process, the first one would kill the shrinker).
  Child shrunk = run({"shrink", "segv.json", "-o", "small.json"}, dir);
  INFO(shrunk.out << shrunk.err);
  CHECK(shrunk.out.find("SUMMARY: weft: crash in segv (shrunk)") != std::string::npos);
  CHECK(weft::read_trace_file(dir + "/small.json").failure->task_name == "b");
}

TEST_CASE("--isolate --all-failures: the exploration goes on past crashes and counts them") {
  Child c =
      run({"explore", "abort", "--isolate", "--all-failures", "--iterations", "60", "--jobs", "2"},
          scratch("isolate-all"));
  INFO(c.out << c.err);
  CHECK(c.exit_code() == 1);
  std::smatch m;
  REQUIRE(std::regex_search(c.out, m, std::regex("([0-9]+) executions failed")));
  const int failed = std::stoi(m[1].str());
  CHECK(failed > 1);
  CHECK(failed < 60);  // a crash only when b wins
  CHECK(c.out.find("the execution died of SIGABRT") != std::string::npos);
}

TEST_CASE("--isolate: stack overflow, exit and std::terminate each become a failure") {
  SECTION("stack overflow names the task and its stack") {
    const std::string dir = scratch("isolate-recursion");
    Child c = run({"explore", "recursion", "--isolate", "--iterations", "3"}, dir);
    INFO(c.out << c.err);
    CHECK(c.exit_code() == 1);
    CHECK(c.out.find("stack overflow (SIGSEGV") != std::string::npos);
    CHECK(c.out.find("its stack is 128 KiB") != std::string::npos);
    CHECK(reported_trace(c, dir).failure->task_name == "recursive");
  }
  SECTION("exit, naming the task that called it") {
    const std::string dir = scratch("isolate-exit");
    Child c = run({"explore", "exit-in-task", "--isolate", "--iterations", "200"}, dir);
    INFO(c.out << c.err);
    CHECK(c.exit_code() == 1);
    CHECK(c.out.find("the code under test called exit(7) during the execution") !=
          std::string::npos);
    const weft::Trace t = reported_trace(c, dir);
    REQUIRE(t.failure);
    CHECK(t.failure->task_name == "b");
    CHECK(t.failure->step > 0);
  }
  SECTION("std::terminate, with the runtime's message passed on") {
    const std::string dir = scratch("isolate-terminate");
    Child c = run({"explore", "terminate", "--isolate", "--iterations", "200"}, dir);
    INFO(c.out << c.err);
    CHECK(c.exit_code() == 1);
    CHECK(c.out.find("crash: std::terminate was called") != std::string::npos);
    CHECK(reported_trace(c, dir).failure->task_name == "b");
    // What the child wrote before it died (the C++ runtime's terminate message) is passed on.
    CHECK(c.err.find("weft: the isolated execution's output") != std::string::npos);
    CHECK(c.err.find("terminate called") != std::string::npos);
  }
}

TEST_CASE("--isolate: a hang the watchdog stops is a failure, and the run ends normally") {
  const std::string dir = scratch("isolate-spin");
  Child c = run({"explore", "real-mutex", "--isolate", "--iterations", "50"}, dir);
  INFO(c.out << c.err);
  CHECK(c.exit_code() == 1);
  CHECK(c.out.find("hang: the task held the thread for 0.5 s") != std::string::npos);
  CHECK(c.out.find("SUMMARY: weft: hang in real-mutex") != std::string::npos);
}

TEST_CASE("--isolate: clean code stays clean and runs the same executions") {
  Child plain = run({"explore", "clean", "--iterations", "40"}, scratch("isolate-clean-plain"));
  Child isolated =
      run({"explore", "clean", "--isolate", "--iterations", "40"}, scratch("isolate-clean"));
  INFO(isolated.out << isolated.err);
  CHECK(plain.exit_code() == 0);
  CHECK(isolated.exit_code() == 0);
  std::smatch a, b;
  REQUIRE(std::regex_search(plain.out, a, std::regex("40 executions, ([0-9]+) distinct")));
  REQUIRE(std::regex_search(isolated.out, b, std::regex("40 executions, ([0-9]+) distinct")));
  CHECK(a[1].str() == b[1].str());
}

TEST_CASE("--isolate with DFS stops at the first crash, even with --all-failures, and says so") {
  Child c = run({"explore", "segv", "--isolate", "--strategy", "dfs", "--all-failures",
                 "--iterations", "100"},
                scratch("isolate-dfs"));
  INFO(c.out << c.err);
  CHECK(c.exit_code() == 1);
  CHECK(c.out.find("cannot go past an execution that ended its process") != std::string::npos);
  CHECK(c.out.find("the execution died of SIGSEGV") != std::string::npos);
}
