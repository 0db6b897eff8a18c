// SPDX-License-Identifier: MIT
// svlogd end-to-end: real svlogd processes on temp log directories.
// Not tested here: -v message texts (only "read:" is used), a processor killed by a signal,
// write errors other than a full disk, t beyond one short interval, HUP or TERM while a
// write is paused, the "failure sending through udp" line, several processors at once.
// UDP and the comparisons with runit's svlogd are in svlogd_interop_test.cpp.
#include <errno.h>
#include <signal.h>

#include <catch2/catch.hpp>

#include "svlogd_fixture.hpp"

using namespace svlogd_test;

namespace {
const std::string kUsage = " [-ttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...\n\n";

Result logger(const std::vector<std::string>& args, const std::string& input) {
  RunOptions o;
  o.input = input;
  return run(bin("svlogd"), args, o);
}
}  // namespace

TEST_CASE("svlogd usage errors exit 111 with runit's usage line", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  const std::vector<std::vector<std::string>> bad = {
      {}, {"-x", "d"}, {"-r"}, {"-r", "ab", "d"}, {"-r", "", "d"},
      {"-l", "2000", "d"}, {"-b", "10", "-l", "10", "d"}, {"-t"}};
  for (auto& args : bad) {
    auto r = run(bin("svlogd"), args);
    INFO("args: " << args.size());
    CHECK(r.code == 111);
    CHECK(r.err.find("usage: " + bin("svlogd") + kUsage) != std::string::npos);
  }
  auto r = run(bin("svlogd"), {(tmp / "missing").string()});
  CHECK(r.code == 111);
  CHECK(r.err == "svlogd: warning: unable to open log directory: " + (tmp / "missing").string() +
                     ": file does not exist\nsvlogd: fatal: no functional log directories.\n");
}

TEST_CASE("svlogd writes lines, stamps them and sets runit's modes", "[svlogd][e2e]") {
  TempDir tmp;
  for (auto d : {"a", "b", "c", "plain"}) make_dirs(tmp / d);
  std::string in = "one\n\nthree\tx\n";
  CHECK(logger({"-t", (tmp / "a").string()}, in).code == 0);
  CHECK(logger({"-tt", (tmp / "b").string()}, in).code == 0);
  CHECK(logger({"-ttt", "-t", (tmp / "c").string()}, in).code == 0);
  CHECK(logger({(tmp / "plain").string()}, in).code == 0);
  CHECK(std::regex_match(read_file(tmp / "a/current"),
                         std::regex("(@4[0-9a-f]{23} (one|three\tx|)\n){3}")));
  CHECK(std::regex_match(read_file(tmp / "b/current"),
                         std::regex("([0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{5} (one|three\tx|)\n){3}")));
  CHECK(std::regex_match(read_file(tmp / "c/current"),
                         std::regex("([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{5} (one|three\tx|)\n){3}")));
  CHECK(read_file(tmp / "plain/current") == in);
  CHECK(mode_of(tmp / "plain/current") == 0744);
  CHECK(mode_of(tmp / "plain/lock") == 0600);
}

TEST_CASE("svlogd completes a last line that has no newline", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  CHECK(logger({(tmp / "d").string()}, "one\ntwo").code == 0);
  CHECK(read_file(tmp / "d/current") == "one\ntwo\n");
}

TEST_CASE("svlogd replaces characters with -r and -R before matching", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "r");
  make_dirs(tmp / "R");
  write_file(tmp / "R/config", "-*_*\n");
  CHECK(logger({"-r", "?", (tmp / "r").string()}, "a\tb\x01\xff\n").code == 0);
  CHECK(read_file(tmp / "r/current") == "a?b??\n");
  CHECK(logger({"-R", "xy", (tmp / "R").string()}, "kept\nax\nzz\n").code == 0);
  CHECK(read_file(tmp / "R/current") == "kept\nzz\n");
}

TEST_CASE("svlogd config: patterns, stderr copies and prefix", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  write_file(tmp / "d/config", "pAPP \n-*\n+*keep*\ne*err*\nE*noerr*\n");
  auto r = logger({(tmp / "d").string()}, "keep 1\ndrop\nerr keep\nnoerr keep\nerr only\n");
  CHECK(r.code == 0);
  CHECK(read_file(tmp / "d/current") == "APP keep 1\nAPP err keep\nAPP noerr keep\n");
  CHECK(r.err == "APP err keep\nAPP err only\n");
}

TEST_CASE("svlogd long lines: heads for patterns and stderr, the rest copied whole",
          "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  write_file(tmp / "d/config", "e*\n");
  std::string big(100000, 'x');
  auto r = logger({"-l", "10", "-b", "20", (tmp / "d").string()}, "short\n" + big + "\n0123456789\n");
  CHECK(r.code == 0);
  CHECK(read_file(tmp / "d/current") == "short\n" + big + "\n0123456789\n");
  CHECK(r.err == "short\nxxxxxxxxxx...\n0123456789...\n");
}

TEST_CASE("svlogd rotates by size through many files without a gap or duplicate",
          "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  write_file(tmp / "d/config", "s1000\nn0\n");
  auto r = logger({"-l", "20", (tmp / "d").string()}, numbered(1, 20000));
  CHECK(r.code == 0);
  auto olds = old_files(tmp / "d");
  CHECK(olds.size() > 100);
  for (auto& n : olds) {
    INFO(n);
    CHECK(std::regex_match(n, std::regex("@[0-9a-f]{24}\\.s")));
    CHECK(mode_of(tmp / "d" / n) == 0744);
    auto size = read_file(tmp / "d" / n).size();
    CHECK(size >= 980);  // rotated once within -l of s
    CHECK(size <= 1000);
  }
  CHECK(continuity(all_logged(tmp / "d"), 1, 20000) == "");
}

TEST_CASE("svlogd n keeps only the newest old files", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  write_file(tmp / "d/config", "s100\nn3\n");
  CHECK(logger({"-l", "10", (tmp / "d").string()}, numbered(1, 500)).code == 0);
  auto olds = old_files(tmp / "d");
  CHECK(olds.size() == 3);
  auto text = all_logged(tmp / "d");
  auto first = std::atoi(text.c_str());
  CHECK(first > 400);
  CHECK(continuity(text, first, 500) == "");
}

TEST_CASE("svlogd drops processor leftovers at rotation and does not count them for n",
          "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  write_file(tmp / "d/config", "s100\nn2\n");
  write_file(tmp / "d/@400000000000000000000001.t", "half processed\n");
  write_file(tmp / "d/@400000000000000000000002.s", "oldest\n");
  CHECK(logger({"-l", "10", (tmp / "d").string()}, numbered(1, 100)).code == 0);
  auto olds = old_files(tmp / "d");
  CHECK(std::count_if(olds.begin(), olds.end(), [](auto& n) { return n.back() == 't'; }) == 0);
  CHECK(olds.size() == 2);  // n2: the .t did not count, the oldest .s went
  CHECK(std::find(olds.begin(), olds.end(), "@400000000000000000000002.s") == olds.end());
}

TEST_CASE("svlogd keeps an unfinished current as .u and appends to a finished one",
          "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  write_file(tmp / "d/current", "crashed\n", 0644);
  CHECK(logger({(tmp / "d").string()}, "new\n").code == 0);
  auto olds = old_files(tmp / "d");
  REQUIRE(olds.size() == 1);
  CHECK(olds[0].back() == 'u');
  CHECK(read_file(tmp / "d" / olds[0]) == "crashed\n");
  CHECK(logger({(tmp / "d").string()}, "more\n").code == 0);
  CHECK(read_file(tmp / "d/current") == "new\nmore\n");
}

TEST_CASE("svlogd TERM logs every line already in the pipe, then exits 0", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  Fed fed(tmp, bin("svlogd"), {(tmp / "d").string()});
  fed.write("first\n");
  REQUIRE(eventually(5s, [&] { return read_file(tmp / "d/current") == "first\n"; }));
  fed.tool().signal(SIGSTOP);  // the lines wait in the pipe while TERM arrives
  std::string lines = numbered(1, 2000) + "partial";
  fed.write(lines);
  fed.tool().signal(SIGTERM);
  fed.tool().signal(SIGCONT);
  CHECK(fed.tool().wait_exit(5s) == 0);
  CHECK(read_file(tmp / "d/current") == "first\n" + lines + "\n");
  CHECK(mode_of(tmp / "d/current") == 0744);
}

TEST_CASE("svlogd ALRM rotates a non-empty current", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  Fed fed(tmp, bin("svlogd"), {(tmp / "d").string()});
  fed.write("a\n");  // once it is logged, svlogd handles ALRM (before, ALRM would kill it)
  REQUIRE(eventually(5s, [&] { return read_file(tmp / "d/current") == "a\n"; }));
  fed.tool().signal(SIGALRM);
  REQUIRE(eventually(5s, [&] { return old_files(tmp / "d").size() == 1; }));
  fed.tool().signal(SIGALRM);  // current is empty now: nothing to rotate
  fed.write("b\n");
  REQUIRE(eventually(5s, [&] { return read_file(tmp / "d/current") == "b\n"; }));
  CHECK(old_files(tmp / "d").size() == 1);
  CHECK(read_file(tmp / "d" / old_files(tmp / "d")[0]) == "a\n");
  fed.close();
  CHECK(fed.tool().wait_exit(5s) == 0);
}

TEST_CASE("svlogd HUP re-reads config", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  Fed fed(tmp, bin("svlogd"), {"-v", (tmp / "d").string()});
  fed.write("before\n");
  REQUIRE(eventually(5s, [&] { return read_file(tmp / "d/current") == "before\n"; }));
  write_file(tmp / "d/config", "pNEW:\n");
  fed.tool().signal(SIGHUP);
  auto reads = [&] {
    auto e = fed.tool().err();
    return e.find("info: read: " + (tmp / "d").string() + "/config") != std::string::npos;
  };
  REQUIRE(eventually(5s, reads));
  fed.write("after\n");
  fed.close();
  CHECK(fed.tool().wait_exit(5s) == 0);
  CHECK(read_file(tmp / "d/current") == "before\nNEW:after\n");
}

TEST_CASE("svlogd t rotates after the given seconds", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  write_file(tmp / "d/config", "t1\n");
  Fed fed(tmp, bin("svlogd"), {(tmp / "d").string()});
  fed.write("x\n");
  CHECK(eventually(5s, [&] { return old_files(tmp / "d").size() == 1; }));
  CHECK(read_file(tmp / "d/current").empty());
}

TEST_CASE("svlogd runs the processor on rotated files and retries a failing one",
          "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  // Fails on its first run, then upper-cases and records a state line.
  write_file(tmp / "d/config",
             "s12\n!if [ -e ../once ]; then tr a-z A-Z; cat <&4 >&5; echo seen >&5;"
             " else touch ../once; exit 1; fi\n");
  auto r = logger({"-l", "5", (tmp / "d").string()}, "abcdefghij\nklmnopqrst\nuvw\n");
  CHECK(r.code == 0);
  CHECK(r.err.find("svlogd: warning: processor failed, restart: " + (tmp / "d").string()) !=
        std::string::npos);
  auto olds = old_files(tmp / "d");
  REQUIRE(olds.size() == 2);
  for (auto& n : olds) CHECK(n.back() == 's');
  CHECK(read_file(tmp / "d" / olds[0]) == "ABCDEFGHIJ\n");
  CHECK(read_file(tmp / "d" / olds[1]) == "KLMNOPQRST\n");
  CHECK(read_file(tmp / "d/state") == "seen\nseen\n");
  CHECK(read_file(tmp / "d/current") == "uvw\n");
}

TEST_CASE("svlogd skips a locked directory and logs to the others", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "a");
  make_dirs(tmp / "b");
  Fed holder(tmp, bin("svlogd"), {(tmp / "a").string()});
  holder.write("held\n");  // once it is logged, the directory is locked
  REQUIRE(eventually(5s, [&] { return read_file(tmp / "a/current") == "held\n"; }));
  auto r = logger({(tmp / "a").string(), (tmp / "b").string()}, "x\n");
  CHECK(r.code == 0);
  CHECK(r.err == "svlogd: warning: unable to lock directory: " + (tmp / "a").string() +
                     ": temporary failure\n");
  CHECK(read_file(tmp / "b/current") == "x\n");
}

namespace {
// Runs SCRIPT as root in a private mount namespace with a 256 KiB tmpfs at $D; the
// script's environment has SVLOGD (the binary) and OUT (a directory outside the tmpfs).
// Returns false when that is impossible here (not root, no unshare): then the test fails
// under CI and warns elsewhere (harness require()).
bool with_small_disk(const TempDir& tmp, const std::string& script, Result& r) {
  if (!require_root() || !require(sh("unshare -m true").code == 0, "unshare -m (a mount namespace)"))
    return false;
  make_dirs(tmp / "mnt");
  make_dirs(tmp / "out");
  RunOptions o;
  o.env = {{"D", (tmp / "mnt").string()}, {"OUT", (tmp / "out").string()}, {"SVLOGD", bin("svlogd")}};
  o.timeout = 30s;
  std::string setup =
      // cwd below the TempDir: whatever is left running if the script fails gets killed.
      "set -e\ncd \"$OUT\"\nmount -t tmpfs -o size=256k svkit-test \"$D\"\nmkdir \"$D/log\"\n"
      "until_logged() { i=0; while ! grep -q \"$1\" \"$OUT/err\" 2>/dev/null; do\n"
      "  sleep 0.02; i=$((i+1)); [ $i -lt 500 ] || exit 3; done; }\n";
  r = run("/usr/bin/unshare", {"-m", "--propagation", "private", "/bin/sh", "-c", setup + script}, o);
  return true;
}
}  // namespace

TEST_CASE("svlogd pauses on a full disk and loses no line", "[svlogd][e2e][root]") {
  TempDir tmp;
  Result r;
  const std::string script =
      "dd if=/dev/zero of=\"$D/fill\" bs=4k 2>/dev/null || true\n"
      "seq 1 20000 | \"$SVLOGD\" \"$D/log\" 2>\"$OUT/err\" &\n"
      "until_logged 'pausing: unable to write to current'\n"
      "rm \"$D/fill\"\nwait $!\n"
      "cat \"$D\"/log/current > \"$OUT/logged\"\n";
  if (!with_small_disk(tmp, script, r)) return;
  CHECK(r.code == 0);
  CHECK(read_file(tmp / "out/err").find("svlogd: pausing: unable to write to current: " +
                                        (tmp / "mnt/log").string() + ": out of disk space\n") == 0);
  CHECK(continuity(read_file(tmp / "out/logged"), 1, 20000) == "");
}

TEST_CASE("svlogd on a full disk deletes old files only down to N", "[svlogd][e2e][root]") {
  TempDir tmp;
  Result r;
  // Three old files of 40 KiB, N1: deleting the two oldest makes room for the input.
  const std::string script =
      "printf 's0\\nn10\\nN1\\n' > \"$D/log/config\"\n"
      "for f in 1 2 3; do head -c 40960 /dev/zero > \"$D/log/@40000000000000000000000$f.s\"; done\n"
      "dd if=/dev/zero of=\"$D/fill\" bs=4k 2>/dev/null || true\n"
      "seq 1 12000 | \"$SVLOGD\" \"$D/log\" 2>\"$OUT/err\"\n"
      "ls \"$D/log\" > \"$OUT/ls\"\n"
      "cat \"$D/log/current\" > \"$OUT/logged\"\n";
  if (!with_small_disk(tmp, script, r)) return;
  CHECK(r.code == 0);
  auto err = read_file(tmp / "out/err");
  auto deleted = [&](int n) {
    return err.find("svlogd: warning: out of disk space, delete: " + (tmp / "mnt/log").string() +
                    "/@40000000000000000000000" + std::to_string(n) + ".s\n") != std::string::npos;
  };
  CHECK(deleted(1));
  CHECK(deleted(2));
  CHECK_FALSE(deleted(3));
  CHECK(read_file(tmp / "out/ls").find("@400000000000000000000003.s") != std::string::npos);
  CHECK(continuity(read_file(tmp / "out/logged"), 1, 12000) == "");
}

TEST_CASE("svlogd streams a huge line without newline in bounded memory", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  write_file(tmp / "d/config", "s1m\nn2\n");
  Fed fed(tmp, bin("svlogd"), {(tmp / "d").string()});
  std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 64; ++i) fed.write(chunk);  // 64 MiB, no newline
  auto status = read_file("/proc/" + std::to_string(fed.tool().pid()) + "/status");
  auto pos = status.find("VmHWM:");
  REQUIRE(pos != std::string::npos);
  long hwm_kb = std::atol(status.c_str() + pos + 6);
  CHECK(hwm_kb < 8 * 1024);
  fed.close();
  CHECK(fed.tool().wait_exit(10s) == 0);
  CHECK(old_files(tmp / "d").size() == 2);
  CHECK(read_file(tmp / "d/current").back() == '\n');
}

TEST_CASE("svlogd keeps a live stream continuous through ALRM and size rotations",
          "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  write_file(tmp / "d/config", "s4000\nn0\n");
  Fed fed(tmp, bin("svlogd"), {"-tt", (tmp / "d").string()});
  fed.write("0\n");
  REQUIRE(eventually(5s, [&] { return !read_file(tmp / "d/current").empty(); }));
  for (int block = 0; block < 50; ++block) {
    fed.write(numbered(block * 200 + 1, block * 200 + 200));
    fed.tool().signal(SIGALRM);
  }
  fed.close();
  CHECK(fed.tool().wait_exit(10s) == 0);
  CHECK(continuity(strip_stamps(all_logged(tmp / "d")), 0, 10000) == "");
  CHECK(old_files(tmp / "d").size() > 20);
}

TEST_CASE("svlogd killed during rotations never duplicates a line", "[svlogd][e2e]") {
  TempDir tmp;
  make_dirs(tmp / "d");
  write_file(tmp / "d/config", "s2000\nn0\n");
  int next = 1;
  for (int round = 0; round < 5; ++round) {
    Fed fed(tmp, bin("svlogd"), {(tmp / "d").string()});
    fed.write(numbered(next, next + 2999));
    next += 3000;
    fed.tool().signal(SIGKILL);  // at any point: in a write, an fsync, a rename
    fed.tool().wait_exit(5s);
  }
  {
    Fed fed(tmp, bin("svlogd"), {(tmp / "d").string()});
    fed.write(numbered(next, next + 99));
    fed.close();
    CHECK(fed.tool().wait_exit(5s) == 0);
  }
  int last = 0;
  bool increasing = true;
  for (auto& l : split_lines(all_logged(tmp / "d"))) {
    int n = std::atoi(l.c_str());
    if (n <= last) increasing = false;
    last = n;
  }
  CHECK(increasing);
  CHECK(last == next + 99);
}
