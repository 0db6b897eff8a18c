// SPDX-License-Identifier: MIT
// svdeploy refuses bad input with one clear line, and nothing is half-installed: the store
// holds what it held, no temporary is left, the active version keeps running.
#include <sys/mount.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>

#include "svdeploy_fixture.hpp"

using namespace deploytest;

namespace {

struct TarEntry {
  std::string name;
  char type;  // '0' file, '2' symlink, '1' hard link, '3' char device, '5' directory
  std::string data;  // contents, or link target
  int mode = 0755;
};

// A ustar archive written by hand, so the tests can hold entries no tar tool would write.
void write_tar(const fs::path& p, const std::vector<TarEntry>& entries) {
  std::string out;
  for (auto& e : entries) {
    char h[512] = {};
    std::snprintf(h, 100, "%s", e.name.c_str());
    std::snprintf(h + 100, 8, "%07o", e.mode);
    std::snprintf(h + 108, 8, "%07o", 0);
    std::snprintf(h + 116, 8, "%07o", 0);
    size_t size = e.type == '0' ? e.data.size() : 0;
    std::snprintf(h + 124, 12, "%011zo", size);
    std::snprintf(h + 136, 12, "%011o", 1700000000);
    h[156] = e.type;
    if (e.type == '1' || e.type == '2') std::snprintf(h + 157, 100, "%s", e.data.c_str());
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    if (e.type == '3') {
      std::snprintf(h + 329, 8, "%07o", 1);
      std::snprintf(h + 337, 8, "%07o", 3);
    }
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    h[155] = ' ';
    out.append(h, 512);
    if (size) {
      out += e.data;
      out.append((512 - size % 512) % 512, '\0');
    }
  }
  out.append(1024, '\0');
  write_file(p, out);
}

const TarEntry kRun{"run", '0', "#!/bin/sh\nexec sleep 60\n"};

}  // namespace

TEST_CASE("svdeploy refuses bad releases, names and archives, nothing changes", "[svdeploy][e2e]") {
  Scratch s;
  s.release("good", steady());
  REQUIRE(s.deploy({"install", "app", "1", (s.src / "good").string()}).code == 0);
  REQUIRE(s.deploy({"activate", "app", "1"}).code == 0);
  pid_t running = s.pid("app");
  REQUIRE(running > 0);
  auto before = s.deploy({"list", "app"}).out;

  auto refused = [&](const std::vector<std::string>& args, const std::string& message,
                     int code = 100, std::map<std::string, std::string> env = {}) {
    auto r = s.deploy(args, env);
    INFO("args " << args.at(1) << " " << (args.size() > 2 ? args[2] : "") << ": " << r.err);
    CHECK(r.code == code);
    CHECK(r.err == "svdeploy: fatal: " + message + "\n");
    CHECK(s.deploy({"list", "app"}).out == before);
    for (auto& e : fs::directory_iterator(s.store / "app"))
      CHECK(e.path().filename().string().rfind(".tmp-", 0) == std::string::npos);
    CHECK(s.pid("app") == running);
    CHECK(s.active("app") == "1");
  };

  auto norun = s.src / "norun";
  make_dirs(norun);
  write_file(norun / "start", "#!/bin/sh\n", 0755);
  refused({"install", "app", "2", norun.string()}, "release has no run file (need an executable ./run)");
  auto noexec = s.src / "noexec";
  make_dirs(noexec);
  write_file(noexec / "run", "#!/bin/sh\n", 0644);
  refused({"install", "app", "2", noexec.string()}, "release's ./run is not executable");

  auto esc = s.release("esc", steady());
  fs::create_symlink("../../../etc/passwd", esc / "pw");
  refused({"install", "app", "2", esc.string()},
          "release symlink pw -> ../../../etc/passwd points outside the release");
  fs::remove(esc / "pw");
  fs::create_symlink("/etc/passwd", esc / "pw");
  refused({"install", "app", "2", esc.string()},
          "release symlink pw -> /etc/passwd points outside the release");
  fs::remove(esc / "pw");
  // Each link harmless as text, the second leads out through the first.
  fs::create_symlink(".", esc / "here");
  fs::create_symlink("here/..", esc / "up");
  refused({"install", "app", "2", esc.string()}, "release symlink up -> here/.. points outside the release");
  fs::remove(esc / "up");
  fs::remove(esc / "here");
  make_dirs(esc / "sub");
  fs::create_symlink("../run", esc / "sub/inside");  // inside: fine, below
  auto big = s.release("big", steady());
  write_file(big / "blob", std::string(5000, 'x'));
  refused({"install", "app", "2", big.string()},
          "release file blob is 5000 bytes, over the size limit of 4096 bytes", 100,
          {{"SVDEPLOY_MAX_FILE_SIZE", "4096"}});
  auto fifo = s.release("fifo", steady());
  REQUIRE(::mkfifo((fifo / "pipe").c_str(), 0600) == 0);
  refused({"install", "app", "2", fifo.string()}, "release file pipe is a fifo");

  for (auto& [bad, why] : std::vector<std::pair<std::string, std::string>>{
           {"a/b", "contains '/'"}, {"a b", "contains a space"}, {".hidden", "starts with a dot"},
           {std::string(65, 'v'), "longer than 64 characters"}, {"", "empty"}}) {
    refused({"install", "app", bad, (s.src / "good").string()}, "invalid version '" + bad + "': " + why);
    auto r = s.deploy({"install", bad, "2", (s.src / "good").string()});
    CHECK(r.code == 100);
    CHECK(r.err == "svdeploy: fatal: invalid name '" + bad + "': " + why + "\n");
  }

  // Archives: absolute paths, '..', symlinks out, device nodes, hard links out, size.
  auto tar = [&](const std::string& n, std::vector<TarEntry> e) {
    auto p = s.tmp / (n + ".tar");
    write_tar(p, e);
    return p.string();
  };
  refused({"install", "app", "2", tar("abs", {kRun, {"/etc/evil", '0', "x"}})},
          "archive entry /etc/evil has an absolute path");
  refused({"install", "app", "2", tar("dotdot", {kRun, {"sub/../../evil", '0', "x"}})},
          "archive entry sub/../../evil has a '..' component");
  refused({"install", "app", "2", tar("symabs", {kRun, {"pw", '2', "/etc/passwd"}})},
          "archive symlink pw -> /etc/passwd points outside the release");
  refused({"install", "app", "2", tar("symrel", {kRun, {"d/pw", '2', "../../etc/passwd"}})},
          "archive symlink d/pw -> ../../etc/passwd points outside the release");
  refused({"install", "app", "2", tar("chain", {kRun, {"x", '2', "."}, {"y", '2', "x/.."}})},
          "release symlink y -> x/.. points outside the release");
  refused({"install", "app", "2", tar("via", {kRun, {"sub", '5', ""}, {"d", '2', "sub"}, {"d/f", '0', "x"}})},
          "archive entry d/f goes through the symlink d");
  refused({"install", "app", "2", tar("hvia", {kRun, {"d", '2', "."}, {"h", '1', "d/run"}})},
          "archive hard link h -> d/run goes through the symlink d");
  refused({"install", "app", "2", tar("dev", {kRun, {"null", '3', ""}})},
          "archive entry null is a character device");
  refused({"install", "app", "2", tar("hard", {kRun, {"h", '1', "/etc/passwd"}})},
          "archive hard link h -> /etc/passwd points outside the release");
  refused({"install", "app", "2", tar("huge", {kRun, {"blob", '0', std::string(5000, 'y')}})},
          "archive entry blob is 5000 bytes, over the size limit of 4096 bytes", 100,
          {{"SVDEPLOY_MAX_FILE_SIZE", "4096"}});
  refused({"install", "app", "2", tar("norun", {{"start", '0', "x"}})},
          "release has no run file (need an executable ./run)");
  auto junk = s.tmp / "junk.tar.gz";
  write_file(junk, "this is not an archive at all, not even close\n");
  {
    auto r = s.deploy({"install", "app", "2", junk.string()});
    CHECK(r.code == 100);
    CHECK(r.err.rfind("svdeploy: fatal: unable to read archive " + junk.string() + ": ", 0) == 0);
    CHECK(count_lines(r.err) == 1);
  }

  // The same version with other content is refused; a good archive installs.
  refused({"install", "app", "1", tar("other", {{"run", '0', "#!/bin/sh\nexit 0\n"}})},
          "app 1 is already installed with different content; install it under a new version");
  auto ok = s.deploy({"install", "app", "2", tar("good", {kRun, {"d", '5', ""}, {"d/in", '2', "../run"}})});
  CHECK(ok.code == 0);
  CHECK(fs::read_symlink(s.store / "app/2/d/in").string() == "../run");
  CHECK(s.deploy({"install", "app", "2", (s.tmp / "good.tar").string()}).out ==
        "app 2: already installed, same content\n");

  // Not installed, active, previous: refused.
  auto r = s.deploy({"activate", "app", "9"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: app 9: not installed\n");
  r = s.deploy({"remove", "app", "1"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: app 1 is active; not removed\n");
  r = s.deploy({"rollback", "app"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: app has no previous version to roll back to\n");
  r = s.deploy({"frobnicate"});
  CHECK(r.code == 100);
  CHECK(r.err.rfind("svdeploy: fatal: usage: svdeploy ", 0) == 0);
  // The limits themselves are fine: 64 characters, dots, '+', '_', '-' and one '@' in a name.
  std::string v64(64, 'v');
  CHECK(s.deploy({"install", "app", v64, (s.src / "good").string()}).code == 0);
  CHECK(s.deploy({"install", "a-b_c.d+e@" + std::string(54, 'i'), "1.0-rc.1+b2", (s.src / "good").string()}).code == 0);
}

TEST_CASE("svdeploy: a full disk during install leaves nothing behind", "[svdeploy][e2e]") {
  if (!need_root("mounting a small tmpfs")) return;
  Scratch s;
  make_dirs(s.store);
  REQUIRE(::mount("tmpfs", s.store.c_str(), "tmpfs", 0, "size=256k") == 0);
  struct Unmount {  // the tree stops first: its services run from the tmpfs
    Scratch& s;
    ~Unmount() {
      s.stop();
      ::umount2(s.store.c_str(), MNT_DETACH);
    }
  } unmount{s};
  s.release("good", steady());
  REQUIRE(s.deploy({"install", "app", "1", (s.src / "good").string()}).code == 0);
  REQUIRE(s.deploy({"activate", "app", "1"}).code == 0);
  auto big = s.release("big", steady());
  write_file(big / "blob", std::string(400 * 1024, 'z'));
  auto r = s.deploy({"install", "app", "2", big.string()});
  CHECK(r.code == 111);
  CHECK(r.err.rfind("svdeploy: fatal: ", 0) == 0);
  CHECK(r.err.find("No space left on device") != std::string::npos);
  CHECK(count_lines(r.err) == 1);
  CHECK(s.deploy({"list", "app"}).out == "1 active\n");
  for (auto& e : fs::directory_iterator(s.store / "app"))
    CHECK(e.path().filename().string().rfind(".tmp-", 0) == std::string::npos);
  CHECK(s.pid("app") > 0);
  // An archive too.
  write_file(s.tmp / "big.tar", "");
  REQUIRE(sh("tar -C " + big.string() + " -cf " + (s.tmp / "big.tar").string() + " .").code == 0);
  r = s.deploy({"install", "app", "2", (s.tmp / "big.tar").string()});
  CHECK(r.code == 111);
  CHECK(r.err.find("No space left on device") != std::string::npos);
  CHECK(s.deploy({"list", "app"}).out == "1 active\n");
}

TEST_CASE("svdeploy installs .tar, .tar.gz and .tar.xz releases, modes and links kept",
          "[svdeploy][e2e]") {
  Scratch s;
  auto d = s.release("r", steady());
  make_dirs(d / "lib");
  write_file(d / "lib/secret", "key\n", 0640);
  write_file(d / "lib/tool", "#!/bin/sh\n", 0750);
  fs::create_symlink("lib/tool", d / "tool");
  REQUIRE(s.deploy({"install", "app", "dir", d.string()}).code == 0);
  for (auto& [ext, flag] : std::vector<std::pair<std::string, std::string>>{
           {".tar", ""}, {".tar.gz", "z"}, {".tar.xz", "J"}}) {
    INFO(ext);
    auto archive = s.tmp / ("r" + ext);
    REQUIRE(sh("tar -C " + d.string() + " -c" + flag + "f " + archive.string() + " .").code == 0);
    // Not a plain tar in disguise: the compressed ones start with their magic.
    auto head = read_file(archive).substr(0, 6);
    if (flag == "z") CHECK(head.substr(0, 2) == "\x1f\x8b");
    if (flag == "J") CHECK(head == std::string("\xfd" "7zXZ", 5) + '\0');
    std::string v = "v" + ext.substr(1);
    for (auto& c : v)
      if (c == '.') c = '-';
    auto r = s.deploy({"install", "app", v, archive.string()});
    REQUIRE(r.code == 0);
    CHECK(r.out == "app " + v + ": installed\n");
    auto rel = s.store / "app" / v;
    struct stat st;
    REQUIRE(::stat((rel / "run").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
    REQUIRE(::stat((rel / "lib/secret").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(read_file(rel / "lib/secret") == "key\n");
    REQUIRE(::stat((rel / "lib/tool").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0750);
    CHECK(fs::read_symlink(rel / "tool").string() == "lib/tool");
    // The same archive again: a no-op.
    CHECK(s.deploy({"install", "app", v, archive.string()}).out == "app " + v + ": already installed, same content\n");
  }
  REQUIRE(s.deploy({"activate", "app", "vtar-xz"}).code == 0);
  CHECK(eventually(5s, [&] { return s.running_version("app") == "vtar-xz"; }));
}
