// SPDX-License-Identifier: MIT
// envdir side by side with daemontools' (Debian /usr/bin/envdir); the child's environment
// is read with env(1), byte for byte and in order.
// Difference kept on purpose: a dangling symlink always removes its variable; daemontools
// reuses the previous entry's value when one was read before it (only the deterministic
// case, a lone dangling symlink, is compared).
// Not tested: readdir() failing in the middle of a directory; "unable to switch to
// starting directory" (needs the starting directory to vanish between two calls).
#include <catch2/catch.hpp>

#include <unistd.h>

#include "chain_compare.hpp"

using namespace svkit::test;
using namespace svkit::test::chain;
using namespace std::string_literals;

TEST_CASE("envdir usage exits 111 with one line", "[chain][envdir][e2e]") {
  for (const auto& args : std::vector<std::vector<std::string>>{{}, {"/tmp"}}) {
    auto b = run_both("envdir", args);
    CHECK(b.ours.code == 111);
    CHECK(b.ours.err == "envdir: usage: envdir dir child\n");
    check_same(b);
  }
}

TEST_CASE("envdir reports a missing or wrong directory", "[chain][envdir][e2e]") {
  TempDir tmp;
  write_file(tmp / "file", "x\n");
  make_dirs(tmp / "env/sub");
  make_dirs(tmp / "loopdir");
  write_file(tmp / "loopdir/ok", "");
  REQUIRE(::symlink("loop", (tmp / "loopdir/loop").c_str()) == 0);
  const std::string t = tmp.str();
  struct Case {
    std::string dir, err;
  } cases[] = {
      {t + "/nope", "unable to switch to directory " + t + "/nope: file does not exist"},
      {t + "/file", "unable to switch to directory " + t + "/file: not a directory"},
      {t + "/env", "unable to read " + t + "/env/sub: is a directory"},
      {t + "/loopdir", "unable to read " + t + "/loopdir/loop: symbolic link loop"},
  };
  for (const auto& c : cases) {
    INFO("dir " << c.dir);
    auto b = run_both("envdir", {c.dir, "/bin/true"});
    CHECK(b.ours.code == 111);
    CHECK(b.ours.err == "envdir: fatal: " + c.err + "\n");
    check_same(b);
  }
}

TEST_CASE("envdir run by a user who may not read", "[chain][envdir][e2e]") {
  if (!can_switch_user()) return;
  TempDir tmp;
  open_up(tmp);
  make_dirs(tmp / "noread");
  make_dirs(tmp / "nosearch");
  make_dirs(tmp / "secret");
  write_file(tmp / "nosearch/A", "1\n");
  write_file(tmp / "secret/S", "1\n", 0600);
  ::chmod((tmp / "noread").c_str(), 0311);
  ::chmod((tmp / "nosearch").c_str(), 0644);
  ::chmod((tmp / "secret").c_str(), 0755);
  const std::string t = tmp.str();
  struct Case {
    std::string dir, err;
  } cases[] = {
      {t + "/noread", "unable to read directory " + t + "/noread: access denied"},
      {t + "/nosearch", "unable to switch to directory " + t + "/nosearch: access denied"},
      {t + "/secret", "unable to read " + t + "/secret/S: access denied"},
  };
  for (const auto& c : cases) {
    INFO("dir " << c.dir);
    auto b = run_both("envdir", {c.dir, "/bin/true"}, {}, as_nobody());
    CHECK(b.ours.code == 111);
    CHECK(b.ours.err == "envdir: fatal: " + c.err + "\n");
    check_same(b);
  }
}

TEST_CASE("envdir applies daemontools' file rules", "[chain][envdir][e2e]") {
  TempDir tmp;
  const auto env = tmp / "env";
  make_dirs(env);
  write_file(env / "FIRST", "one\ntwo\n");
  write_file(env / "TRIM", "value \t \t\n");
  write_file(env / "LEAD", "  lead");
  write_file(env / "NUL", "a\0b\0\n"s);
  write_file(env / "EMPTYLINE", "\n");
  write_file(env / "GONE", "");
  write_file(env / "X=Y", "z\n");
  write_file(env / ".hidden", "no\n");
  write_file(env / "CR", "dos\r\n");
  RunOptions opt;
  opt.env = {{"GONE", "was here"}, {"FIRST", "old"}, {"X", "old"}, {".hidden", "kept"}};
  auto b = run_both("envdir", {env.string(), "/usr/bin/env"}, opt);
  CHECK(b.ours.code == 0);
  CHECK(b.ours.err.empty());
  check_same(b);  // byte for byte, including daemontools' order of entries
  const std::string& out = b.ours.out;
  for (const std::string line : {"FIRST=one\n", "TRIM=value\n", "LEAD=  lead\n",
                                 "NUL=a\nb\n\n", "EMPTYLINE=\n", "X=Y=z\n", ".hidden=kept\n",
                                 "CR=dos\r\n"}) {
    INFO("line " << line);
    CHECK(out.find("\n" + line) != std::string::npos);
  }
  CHECK_FALSE(env_value(out, "GONE"));
  CHECK(env_value(out, "X") == "Y=z");
}

TEST_CASE("envdir: an empty file named A=B sets A, a lone dangling symlink removes",
          "[chain][envdir][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "eq");
  write_file(tmp / "eq/A=B", "");
  make_dirs(tmp / "dangling");
  REQUIRE(::symlink("missing", (tmp / "dangling/D").c_str()) == 0);
  RunOptions opt;
  opt.env = {{"A", "old"}, {"D", "old"}};
  auto eq = run_both("envdir", {(tmp / "eq").string(), "/usr/bin/env"}, opt);
  CHECK(env_value(eq.ours.out, "A") == "B");
  check_same(eq);
  auto dangling = run_both("envdir", {(tmp / "dangling").string(), "/usr/bin/env"}, opt);
  CHECK(dangling.ours.code == 0);
  CHECK_FALSE(env_value(dangling.ours.out, "D"));
  check_same(dangling);
}

TEST_CASE("envdir runs the child in the starting directory, found through the old PATH",
          "[chain][envdir][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "env");
  make_dirs(tmp / "work");
  write_file(tmp / "env/PATH", "/nonexistent\n");
  RunOptions opt;
  opt.cwd = (tmp / "work").string();
  opt.env["PATH"] = "/usr/bin:/bin";
  auto b = run_both("envdir", {"../env", "sh", "-c", "pwd; echo \"$PATH\""}, opt);
  CHECK(b.ours.code == 0);
  CHECK(b.ours.out == (tmp / "work").string() + "\n/nonexistent\n");
  check_same(b);
}
