// SPDX-License-Identifier: MIT
// How the four chain loaders find and run CHILD (djb's pathexec rules), side by side with
// daemontools: every "unable to run" case, PATH's default and empty elements.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>

#include "chain_compare.hpp"

using namespace svkit::test;
using namespace svkit::test::chain;

namespace {

// Each tool with the arguments it needs before CHILD (envdir gets an empty directory).
struct Loader {
  std::string tool;
  std::vector<std::string> before;
};
std::vector<Loader> loaders(const TempDir& tmp, bool as_root) {
  make_dirs(tmp / "emptyenv");
  std::vector<Loader> all = {{"envdir", {(tmp / "emptyenv").string()}},
                             {"softlimit", {"-o", "100"}},
                             {"envuidgid", {"nobody"}}};
  if (as_root && require_root()) all.push_back({"setuidgid", {"root"}});
  return all;
}

struct Case {
  std::string child;
  std::string path;  // PATH for the loader; "-" = unset
  int code;
  std::string err;   // after "TOOL: "; "" = none
};

void check_cases(const TempDir& tmp, const std::vector<Case>& cases,
                 const std::vector<std::string>& wrapper = {}) {
  for (const auto& l : loaders(tmp, wrapper.empty())) {
    for (const auto& c : cases) {
      INFO(l.tool << " " << c.child << " with PATH=" << c.path);
      RunOptions opt;
      opt.cwd = tmp.str();
      if (c.path == "-")
        opt.unset_env = {"PATH"};
      else
        opt.env["PATH"] = c.path;
      auto args = l.before;
      args.push_back(c.child);
      auto b = run_both(l.tool, args, opt, wrapper);
      CHECK(b.ours.code == c.code);
      CHECK(b.ours.err == (c.err.empty() ? "" : l.tool + ": " + c.err + "\n"));
      check_same(b);
    }
  }
}

}  // namespace

TEST_CASE("chain loaders report a child they cannot run", "[chain][e2e]") {
  TempDir tmp;
  write_file(tmp / "plain", "#!/bin/sh\n", 0644);
  write_file(tmp / "junk", "this is not a program\n", 0755);
  const std::string t = tmp.str();
  check_cases(tmp, {
      {"svkit-no-such-program", "/usr/bin:/bin", 111,
       "fatal: unable to run svkit-no-such-program: file does not exist"},
      {t + "/nope", "/usr/bin:/bin", 111,
       "fatal: unable to run " + t + "/nope: file does not exist"},
      {"/etc", "/usr/bin:/bin", 111, "fatal: unable to run /etc: access denied"},
      {t + "/plain", "/usr/bin:/bin", 111, "fatal: unable to run " + t + "/plain: access denied"},
      {t + "/junk", "/usr/bin:/bin", 111,
       "fatal: unable to run " + t + "/junk: exec format error"},
      {"plain", t, 111, "fatal: unable to run plain: access denied"},
      {"plain", t + ":/usr/bin", 111, "fatal: unable to run plain: access denied"},
      {"true", "/etc/passwd:/usr/bin:/bin", 111, "fatal: unable to run true: not a directory"},
      {"junk", ":/usr/bin", 111, "fatal: unable to run junk: exec format error"},
  });
}

TEST_CASE("chain loaders search PATH, its default, and an empty element as the current directory",
          "[chain][e2e]") {
  TempDir tmp;
  write_script(tmp / "here", "exit 0\n");
  write_file(tmp / "true", "#!/bin/sh\nexit 7\n", 0644);  // not executable: skipped
  check_cases(tmp, {
      {"true", "-", 0, ""},                       // default /bin:/usr/bin
      {"here", "-", 111, "fatal: unable to run here: file does not exist"},
      {"here", "", 0, ""},                        // PATH= means the current directory
      {"here", "/usr/bin::/bin", 0, ""},
      {"true", ":/usr/bin", 0, ""},               // ./true is remembered, /usr/bin/true runs
      {"here", "/nonexistent:/also/not", 111, "fatal: unable to run here: file does not exist"},
  });
}

TEST_CASE("chain loaders skip PATH directories the user may not search", "[chain][e2e]") {
  if (!can_switch_user()) return;
  TempDir tmp;
  open_up(tmp);
  make_dirs(tmp / "private");
  write_script(tmp / "private/prog", "exit 0\n");
  ::chmod((tmp / "private").c_str(), 0700);
  const std::string priv = (tmp / "private").string();
  // As nobody (setuidgid cannot switch as nobody: it has its own case below).
  check_cases(tmp, {
      {"prog", priv + ":/usr/bin", 111, "fatal: unable to run prog: access denied"},
      {"true", priv + ":/usr/bin", 0, ""},
  }, as_nobody());

  RunOptions opt;
  opt.env["PATH"] = priv + ":/usr/bin";
  auto b = run_both("setuidgid", {"nobody", "prog"}, opt);  // searched after setuid
  CHECK(b.ours.code == 111);
  CHECK(b.ours.err == "setuidgid: fatal: unable to run prog: access denied\n");
  check_same(b);
  auto ok = run_both("setuidgid", {"nobody", "true"}, opt);
  CHECK(ok.ours.code == 0);
  check_same(ok);
}

TEST_CASE("chain loaders pass on the child's exit code", "[chain][e2e]") {
  TempDir tmp;
  for (const auto& l : loaders(tmp, true)) {
    INFO(l.tool);
    auto args = l.before;
    args.insert(args.end(), {"/bin/sh", "-c", "exit 42"});
    CHECK(run(bin(l.tool), args).code == 42);
  }
}

TEST_CASE("chain loaders leave no descriptor open in the child", "[chain][e2e]") {
  TempDir tmp;
  const std::vector<std::string> child = {"/bin/sh", "-c", "ls /proc/$$/fd"};
  auto direct = run(child[0], {child[1], child[2]});
  REQUIRE(direct.code == 0);
  for (const auto& l : loaders(tmp, true)) {
    INFO(l.tool);
    auto args = l.before;
    args.insert(args.end(), child.begin(), child.end());
    auto b = run_both(l.tool, args);
    CHECK(b.ours.code == 0);
    CHECK(b.ours.out == direct.out);
    check_same(b);
  }
}

TEST_CASE("chain loaders and svok on bad invocations: the bytes and exit of daemontools'",
          "[chain][e2e][interop]") {
  const std::vector<std::vector<std::string>> cases = {
      {}, {"-z"}, {"x"}, {"--"}, {"-z", "x"}, {"--", "x"}, {"-h", "x", "y"}, {"-u", "/nonexistent/x"}};
  for (const std::string tool : {"setuidgid", "envuidgid", "envdir", "svok", "softlimit"}) {
    if (!have(daemontools(tool))) {
      if (std::getenv("CI") && std::string(std::getenv("CI")) == "true")
        FAIL("anchor missing under CI: " << daemontools(tool));
      WARN("anchor missing, comparison NOT run: " << daemontools(tool));
      continue;
    }
    for (const auto& args : cases) {
      std::string shown;
      for (const auto& a : args) shown += "'" + a + "' ";
      INFO(tool << " " << shown);
      auto b = run_both(tool, args);
      REQUIRE(b.compared);
      check_same(b);
    }
  }
}
