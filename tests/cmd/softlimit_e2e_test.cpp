// SPDX-License-Identifier: MIT
// softlimit side by side with daemontools' (Debian /usr/bin/softlimit); the child's limits
// are read from /proc/self/limits.
// Differences kept on purpose (tested against our own expectation only): an empty value
// is a usage error (daemontools reads it as 0), a number beyond 2^64-1 saturates
// (daemontools wraps it around).
// Not tested: getrlimit/setrlimit failures (no portable way to make them fail).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <sstream>

#include "chain_compare.hpp"

using namespace svkit::test;
using namespace svkit::test::chain;

namespace {
const std::string kUsage =
    "softlimit: usage: softlimit [-a allbytes] [-c corebytes] [-d databytes] "
    "[-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] [-p processes] "
    "[-r residentbytes] [-s stackbytes] [-t cpusecs] child\n";

// "soft hard" of the /proc/self/limits row starting with ROW ("" when absent).
std::string limit_row(const std::string& limits, const std::string& row) {
  for (const auto& line : split_lines(limits)) {
    if (line.compare(0, row.size(), row) != 0) continue;
    std::istringstream in(line.substr(row.size()));
    std::string soft, hard;
    in >> soft >> hard;
    return soft + " " + hard;
  }
  return "";
}
std::string hard_of(const std::string& row_value) {
  return row_value.substr(row_value.find(' ') + 1);
}
}  // namespace

TEST_CASE("softlimit usage errors: the usage line, exit 100, as daemontools", "[chain][softlimit][e2e]") {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"-o", "5"},                       // no child
      {"-o", "x", "/bin/true"},
      {"-o", "-1", "/bin/true"},
      {"-o", "+5", "/bin/true"},
      {"-o", " 5", "/bin/true"},
      {"-o", "5k", "/bin/true"},
      {"-m", "=5", "/bin/true"},
      {"-ao", "5", "/bin/true"},         // -a takes "o" as its value
      {"-o", "5", "-t", "y", "/bin/true"},
  };
  for (const auto& args : cases) {
    std::string shown;
    for (const auto& a : args) shown += "'" + a + "' ";
    INFO("softlimit " << shown);
    auto b = run_both("softlimit", args);
    CHECK(b.ours.code == 100);
    CHECK(b.ours.err == kUsage);
    CHECK(b.ours.out.empty());
    check_same(b);
  }
}

TEST_CASE("softlimit bad options: getopt's line, then the usage line, as daemontools",
          "[chain][softlimit][e2e][interop]") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"-z", "/bin/true"}, "softlimit: illegal option -- z\n"},  // optarg is null here
      {{"-z"}, "softlimit: illegal option -- z\n"},
      {{"-zo", "5", "/bin/true"}, "softlimit: illegal option -- z\n"},
      {{"-+", "/bin/true"}, "softlimit: illegal option -- +\n"},
      {{"-o", "5", "-q", "/bin/true"}, "softlimit: illegal option -- q\n"},
      {{"-o"}, "softlimit: option requires an argument -- o\n"},
      {{"-o", "5", "-t"}, "softlimit: option requires an argument -- t\n"},
  };
  bool anchor = have(daemontools("softlimit"));
  if (!anchor) {
    if (std::getenv("CI") && std::string(std::getenv("CI")) == "true")
      FAIL("anchor missing under CI: " << daemontools("softlimit"));
    WARN("anchor missing, comparison NOT run: " << daemontools("softlimit"));
  }
  for (const auto& [args, first] : cases) {
    std::string shown;
    for (const auto& a : args) shown += "'" + a + "' ";
    INFO("softlimit " << shown);
    auto b = run_both("softlimit", args);
    CHECK(b.ours.code == 100);
    CHECK(b.ours.err == first + kUsage);
    CHECK(b.ours.out.empty());
    check_same(b);
  }
  // The getopt line names the program as called (argv[0]'s base name), the usage line not.
  TempDir tmp;
  fs::create_symlink(bin("softlimit"), tmp / "limits");
  fs::create_symlink(daemontools("softlimit"), tmp / "theirs");
  auto r = run((tmp / "limits").string(), {"-z"});
  CHECK(r.err == "limits: illegal option -- z\n" + kUsage);
  if (anchor) CHECK(run((tmp / "theirs").string(), {"-z"}).err == "theirs: illegal option -- z\n" + kUsage);
}

TEST_CASE("softlimit rejects an empty value", "[chain][softlimit][e2e]") {
  auto r = run(bin("softlimit"), {"-o", "", "/bin/true"});
  CHECK(r.code == 100);
  CHECK(r.err == kUsage);
}

TEST_CASE("softlimit sets each soft limit like daemontools", "[chain][softlimit][e2e]") {
  struct Case {
    const char* option;
    const char* value;
    std::vector<std::string> rows;
  } cases[] = {
      {"-a", "1000000000", {"Max address space"}},
      {"-c", "0", {"Max core file size"}},
      {"-d", "1000000000", {"Max data size"}},
      {"-f", "1000000", {"Max file size"}},
      {"-l", "65536", {"Max locked memory"}},
      {"-m", "1000000000",
       {"Max data size", "Max stack size", "Max locked memory", "Max address space"}},
      {"-o", "50", {"Max open files"}},
      {"-p", "1000", {"Max processes"}},
      {"-r", "1000000", {"Max resident set"}},
      {"-s", "1000000", {"Max stack size"}},
      {"-t", "30", {"Max cpu time"}},
  };
  auto base = run("/bin/cat", {"/proc/self/limits"}).out;
  for (const auto& c : cases) {
    for (const char* value : {c.value, "="}) {
      INFO("softlimit " << c.option << " " << value);
      auto b = run_both("softlimit", {c.option, value, "/bin/cat", "/proc/self/limits"});
      CHECK(b.ours.code == 0);
      CHECK(b.ours.err.empty());
      check_same(b);
      for (const auto& row : c.rows) {
        INFO("row " << row);
        std::string hard = hard_of(limit_row(base, row));
        std::string want = std::string(value) == "=" ? hard : value;
        // clamped: locked memory's hard limit is often below the -m value
        if (hard != "unlimited" && std::stoull(want) > std::stoull(hard)) want = hard;
        CHECK(limit_row(b.ours.out, row) == want + " " + hard);
      }
    }
  }
}

TEST_CASE("softlimit clamps to the hard limit and = raises to it", "[chain][softlimit][e2e]") {
  REQUIRE_ANCHOR("/usr/bin/prlimit");
  const std::vector<std::string> low = {"/usr/bin/prlimit", "--nofile=10:200", "--core=0:0"};
  struct Case {
    std::vector<std::string> args;
    std::string files, core;
  } cases[] = {
      {{"-o", "5000"}, "200 200", "0 0"},
      {{"-o", "="}, "200 200", "0 0"},
      {{"-o", "20"}, "20 200", "0 0"},
      {{"-o", "18446744073709551615"}, "200 200", "0 0"},
      {{"-c", "1000", "-o", "="}, "200 200", "0 0"},
  };
  for (auto& c : cases) {
    INFO("softlimit " << c.args[0] << " " << c.args[1]);
    auto args = c.args;
    args.insert(args.end(), {"/bin/cat", "/proc/self/limits"});
    auto b = run_both("softlimit", args, {}, low);
    CHECK(b.ours.code == 0);
    CHECK(limit_row(b.ours.out, "Max open files") == c.files);
    CHECK(limit_row(b.ours.out, "Max core file size") == c.core);
    check_same(b);
  }
  // Beyond 2^64-1 we saturate (then clamp); daemontools wraps around (here to 1).
  auto big = run(low[0], {low[1], low[2], bin("softlimit"), "-o", "18446744073709551617",
                          "/bin/cat", "/proc/self/limits"});
  CHECK(big.code == 0);
  CHECK(limit_row(big.out, "Max open files") == "200 200");
}

TEST_CASE("softlimit options stop at the first operand", "[chain][softlimit][e2e]") {
  auto b = run_both("softlimit", {"-o", "50", "/bin/sh", "-c", "echo \"$*\"", "sh", "-o", "5",
                                  "-x"});
  CHECK(b.ours.code == 0);
  CHECK(b.ours.out == "-o 5 -x\n");
  check_same(b);
  auto dashes = run_both("softlimit", {"-o", "50", "--", "/bin/echo", "-t", "--"});
  CHECK(dashes.ours.out == "-t --\n");
  check_same(dashes);
  auto none = run_both("softlimit", {"/bin/echo", "-o", "x"});
  CHECK(none.ours.out == "-o x\n");
  check_same(none);
}
