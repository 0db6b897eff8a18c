// SPDX-License-Identifier: MIT
// svlogd interop: svkit's svlogd and runit's /usr/bin/svlogd on the same input must leave
// the same lines, the same file names and the same file sizes; each respects the other's
// lock. Skipped when runit is not installed.
// Not compared: a final line without newline (runit 2.1.2 drops it; svkit keeps it, see
// svlogd.8), TERM with data still in the pipe (runit loses it), -v texts.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <catch2/catch.hpp>

#include "svlogd_fixture.hpp"

using namespace svlogd_test;

namespace {
const char* kRunit = "/usr/bin/svlogd";

struct Outcome {
  Result result;
  std::vector<size_t> sizes;  // old files oldest first, then current
  std::string text;           // everything logged, stamps removed
  std::vector<std::string> names;
};

Outcome log_with(const std::string& program, const TempDir& tmp, const std::string& name,
                 const std::string& config, std::vector<std::string> args, const std::string& input) {
  auto dir = tmp / name;
  make_dirs(dir);
  if (!config.empty()) write_file(dir / "config", config);
  args.push_back(dir.string());
  RunOptions o;
  o.input = input;
  Outcome out;
  out.result = run(program, args, o);
  out.names = old_files(dir);
  for (auto& n : out.names) out.sizes.push_back(read_file(dir / n).size());
  out.sizes.push_back(read_file(dir / "current").size());
  out.text = strip_stamps(all_logged(dir));
  return out;
}

void same_as_runit(const std::string& config, const std::vector<std::string>& args,
                   const std::string& input) {
  TempDir tmp;
  auto theirs = log_with(kRunit, tmp, "runit", config, args, input);
  auto ours = log_with(bin("svlogd"), tmp, "svkit", config, args, input);
  INFO("config: " << config);
  CHECK(ours.result.code == theirs.result.code);
  CHECK(ours.result.err == theirs.result.err);
  CHECK(ours.text == theirs.text);
  CHECK(ours.sizes == theirs.sizes);
  REQUIRE(ours.names.size() == theirs.names.size());
  for (size_t i = 0; i < ours.names.size(); ++i) {
    CHECK(std::regex_match(ours.names[i], std::regex("@[0-9a-f]{24}\\.[su]")));
    CHECK(ours.names[i].back() == theirs.names[i].back());
  }
}
}  // namespace

TEST_CASE("svlogd and runit rotate at the same points", "[svlogd][interop]") {
  REQUIRE_ANCHOR(kRunit);
  std::string lines;
  for (int i = 1; i <= 300; ++i) lines += "line " + std::to_string(i) + std::string(i % 37, '.') + "\n";
  same_as_runit("s200\nn1000\n", {}, lines);                 // -l above s: lines are split
  same_as_runit("s200\nn1000\n", {"-l", "50"}, lines);       // rotate within -l of s
  same_as_runit("s1k\nn1000\n", {"-tt", "-l", "100"}, lines);
  same_as_runit("s500\nn4\n", {"-t", "-l", "64"}, lines);    // n removes the oldest
}

TEST_CASE("svlogd and runit select, prefix and copy to stderr alike", "[svlogd][interop]") {
  REQUIRE_ANCHOR(kRunit);
  std::string lines = "alpha 1\nbeta 22\nfatal: gamma\nwarn 5 delta\n\n+++x\nfatal: ok\n";
  same_as_runit("pAPP: \n-*\n+*a*\n-*5*\ne*fatal*\nE*ok\n", {}, lines);
  same_as_runit("+*\ne*\n", {"-l", "8", "-b", "9"}, lines + std::string(5000, 'y') + "\nz\n");
  same_as_runit("", {"-r", "#", "-R", "ae"}, "tab\there\x01\x7f\xc3\xa9 alpha\n");
  same_as_runit("", {"-R", "p"}, "pipe\n");
  // Broadcast without SO_BROADCAST: sendto fails, the warning goes into current.
  same_as_runit("pX \nu255.255.255.255:9\n", {"-l", "4"}, "one\nlonger\n");
}

TEST_CASE("svlogd and runit process rotated files alike", "[svlogd][interop]") {
  REQUIRE_ANCHOR(kRunit);
  same_as_runit("s12\nn100\n!tr a-z A-Z; echo done >&5\n", {"-l", "5"},
                "abcdefghij\nklmnopqrst\nuvwxyzabcd\nrest\n");
}

TEST_CASE("svlogd and runit keep an unfinished current the same way", "[svlogd][interop]") {
  REQUIRE_ANCHOR(kRunit);
  for (const char* prog : {kRunit, "svkit"}) {
    TempDir tmp;
    make_dirs(tmp / "d");
    write_file(tmp / "d/current", "old\n", 0644);
    std::string p = std::string(prog) == "svkit" ? bin("svlogd") : prog;
    RunOptions o;
    o.input = "new\n";
    CHECK(run(p, {(tmp / "d").string()}, o).code == 0);
    auto olds = old_files(tmp / "d");
    INFO(prog);
    REQUIRE(olds.size() == 1);
    CHECK(olds[0].back() == 'u');
    CHECK(read_file(tmp / "d/current") == "new\n");
    CHECK(mode_of(tmp / "d/current") == 0744);
  }
}

TEST_CASE("svlogd and runit respect each other's lock", "[svlogd][interop]") {
  REQUIRE_ANCHOR(kRunit);
  TempDir tmp;
  make_dirs(tmp / "a");
  make_dirs(tmp / "b");
  Fed theirs(tmp, kRunit, {(tmp / "a").string()});
  theirs.write("held\n");
  REQUIRE(eventually(5s, [&] { return read_file(tmp / "a/current") == "held\n"; }));
  RunOptions o;
  o.input = "x\n";
  auto r = run(bin("svlogd"), {(tmp / "a").string()}, o);
  CHECK(r.code == 111);
  CHECK(r.err == "svlogd: warning: unable to lock directory: " + (tmp / "a").string() +
                     ": temporary failure\nsvlogd: fatal: no functional log directories.\n");
  theirs.close();
  CHECK(theirs.tool().wait_exit(5s) == 0);

  TempDir tmp2;
  make_dirs(tmp2 / "b");
  Fed ours(tmp2, bin("svlogd"), {(tmp2 / "b").string()});
  ours.write("held\n");
  REQUIRE(eventually(5s, [&] { return read_file(tmp2 / "b/current") == "held\n"; }));
  auto r2 = run(kRunit, {(tmp2 / "b").string()}, o);
  CHECK(r2.code == 111);
  CHECK(r2.err.find("unable to lock directory") != std::string::npos);
}

namespace {
// A UDP socket on 127.0.0.1 with an ephemeral port; recv() gives up after 5 s.
struct UdpListener {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int port = 0;
  UdpListener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    timeval tv = {5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~UdpListener() { ::close(fd); }
  std::string recv() {
    char b[2048];
    ssize_t n = ::recv(fd, b, sizeof b, 0);
    return n > 0 ? std::string(b, static_cast<size_t>(n)) : "";
  }
};
}  // namespace

TEST_CASE("svlogd sends lines by UDP like runit (u and U)", "[svlogd][interop]") {
  std::vector<std::string> progs = {bin("svlogd")};
  if (require_anchor(kRunit)) progs.push_back(kRunit);
  for (auto& prog : progs) {
    INFO(prog);
    TempDir tmp;
    UdpListener udp;
    make_dirs(tmp / "u");
    make_dirs(tmp / "U");
    write_file(tmp / "u/config", "pP \nu127.0.0.1:" + std::to_string(udp.port) + "\n");
    write_file(tmp / "U/config", "-*skip*\nU127.0.0.1:" + std::to_string(udp.port) + "\n");
    RunOptions o;
    o.input = "one\ntwo is a long line\nskip\n";
    CHECK(run(prog, {"-l", "10", (tmp / "u").string()}, o).code == 0);
    CHECK(udp.recv() == "P one\n");
    CHECK(udp.recv() == "P two is a l...\n");
    CHECK(udp.recv() == "P skip\n");
    CHECK(read_file(tmp / "u/current") == "P one\nP two is a long line\nP skip\n");
    CHECK(run(prog, {(tmp / "U").string()}, o).code == 0);
    CHECK(udp.recv() == "one\n");
    CHECK(udp.recv() == "two is a long line\n");
    CHECK(read_file(tmp / "U/current").empty());
  }
}
